package dev.traceyard.collector.processor.tailsampling;

import com.fasterxml.jackson.databind.JsonNode;
import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Processor;
import dev.traceyard.collector.component.ProcessorFactory;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.consumer.Consumer;
import dev.traceyard.collector.processor.tailsampling.policy.PolicyConfig;
import dev.traceyard.collector.processor.tailsampling.policy.PolicyConfigParser;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code tail_sampling} processor (traces), configured as otelcol-contrib's: {@code policies}
 * (required), {@code decision_wait} (30s), {@code decision_wait_after_root_received} (0s = off),
 * {@code num_traces} (50000), {@code expected_new_traces_per_sec} (0), {@code decision_cache}
 * ({@code sampled_cache_size}, {@code non_sampled_cache_size}), {@code sample_on_first_match},
 * {@code drop_pending_traces_on_shutdown}, {@code block_on_overflow}; and Traceyard's
 * {@code max_buffered_bytes} (256MiB) and {@code sampling_policy_attribute} ({@code sampling.policy},
 * empty for none).
 *
 * <p>The decision caches default to {@code num_traces} entries instead of otelcol's 0: otelcol keeps
 * a decided trace's entry in its {@code num_traces} ring, so late spans follow the decision without a
 * cache; this processor frees a trace once decided, and the caches give late spans the same behaviour.
 * Set a size to 0 to turn a cache off.
 */
public final class TailSamplingProcessorFactory implements ProcessorFactory<TailSamplingConfig> {
  private static final long MIN_BUFFERED_BYTES = 1024;

  @Override
  public String type() {
    return "tail_sampling";
  }

  @Override
  public Set<Signal> signals() {
    return EnumSet.of(Signal.TRACES);
  }

  @Override
  public TailSamplingConfig parseConfig(ConfigNode node) {
    Duration wait = node.duration("decision_wait", TailSamplingConfig.DEFAULT_DECISION_WAIT);
    if (wait.isNegative() || wait.isZero()) {
      node.error("decision_wait", "must be greater than 0");
      wait = TailSamplingConfig.DEFAULT_DECISION_WAIT;
    }
    Duration afterRoot = node.nonNegativeDuration("decision_wait_after_root_received", Duration.ZERO);
    int numTraces = node.intAtLeast("num_traces", TailSamplingConfig.DEFAULT_NUM_TRACES, 1);
    long expected = node.longInRange("expected_new_traces_per_sec", 0, 0, Long.MAX_VALUE);
    long maxBytes = maxBufferedBytes(node);
    ConfigNode cache = node.child("decision_cache");
    int sampledCache = cache.has("sampled_cache_size") ? cache.intAtLeast("sampled_cache_size", 0, 0) : numTraces;
    int nonSampledCache = cache.has("non_sampled_cache_size") ? cache.intAtLeast("non_sampled_cache_size", 0, 0)
        : numTraces;
    String attribute = node.string("sampling_policy_attribute", TailSamplingConfig.DEFAULT_SAMPLING_POLICY_ATTRIBUTE);
    boolean firstMatch = node.bool("sample_on_first_match", false);
    boolean dropPending = node.bool("drop_pending_traces_on_shutdown", false);
    boolean block = node.bool("block_on_overflow", false);
    List<PolicyConfig> policies = PolicyConfigParser.parsePolicies(node);
    if (policies.isEmpty()) {
      // Errors are recorded; a placeholder keeps the record's invariants.
      policies = List.of(new PolicyConfig.AlwaysSample("invalid"));
    }
    return new TailSamplingConfig(wait, afterRoot, numTraces, expected, maxBytes, sampledCache, nonSampledCache,
        attribute, firstMatch, dropPending, block, policies);
  }

  private static long maxBufferedBytes(ConfigNode node) {
    JsonNode raw = node.raw("max_buffered_bytes");
    if (raw == null) {
      return TailSamplingConfig.DEFAULT_MAX_BUFFERED_BYTES;
    }
    try {
      long v = ByteSize.parse(raw);
      if (v < MIN_BUFFERED_BYTES) {
        node.error("max_buffered_bytes", "must be at least " + MIN_BUFFERED_BYTES + " bytes, got " + v);
        return TailSamplingConfig.DEFAULT_MAX_BUFFERED_BYTES;
      }
      return v;
    } catch (IllegalArgumentException e) {
      node.error("max_buffered_bytes", e.getMessage());
      return TailSamplingConfig.DEFAULT_MAX_BUFFERED_BYTES;
    }
  }

  @Override
  public Processor create(ComponentSettings settings, TailSamplingConfig config, Signal signal, Consumer next) {
    return new TailSamplingProcessor(settings, config, next, System::nanoTime);
  }
}
