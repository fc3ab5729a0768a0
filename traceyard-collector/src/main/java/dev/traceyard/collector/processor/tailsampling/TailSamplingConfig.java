package dev.traceyard.collector.processor.tailsampling;

import dev.traceyard.collector.processor.tailsampling.policy.PolicyConfig;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Settings of the {@code tail_sampling} processor: otelcol's keys plus {@code max_buffered_bytes} and
 * {@code sampling_policy_attribute}.
 *
 * @param decisionWait time from a trace's first span to its decision
 * @param decisionWaitAfterRootReceived when positive, decide this long after the root span arrived if that is sooner
 * @param numTraces undecided traces held at most; beyond, the oldest are decided early
 * @param expectedNewTracesPerSec sizing hint for the trace table
 * @param maxBufferedBytes memory for spans (undecided, and kept ones not yet sent); beyond, the oldest are decided early
 * @param sampledCacheSize trace ids whose "keep" decision is remembered for late spans; 0 remembers none
 * @param nonSampledCacheSize trace ids whose "drop" decision is remembered for late spans; 0 remembers none
 * @param samplingPolicyAttribute span attribute naming the policy that kept the trace; empty for none
 * @param blockOnOverflow refuse new data as throttled when full, instead of deciding the oldest traces early
 */
public record TailSamplingConfig(Duration decisionWait, Duration decisionWaitAfterRootReceived, int numTraces,
    long expectedNewTracesPerSec, long maxBufferedBytes, int sampledCacheSize, int nonSampledCacheSize,
    String samplingPolicyAttribute, boolean sampleOnFirstMatch, boolean dropPendingTracesOnShutdown,
    boolean blockOnOverflow, List<PolicyConfig> policies) {

  public static final Duration DEFAULT_DECISION_WAIT = Duration.ofSeconds(30);
  public static final int DEFAULT_NUM_TRACES = 50_000;
  public static final long DEFAULT_MAX_BUFFERED_BYTES = 256L << 20;
  public static final String DEFAULT_SAMPLING_POLICY_ATTRIBUTE = "sampling.policy";

  public TailSamplingConfig {
    Objects.requireNonNull(decisionWait, "decisionWait");
    Objects.requireNonNull(decisionWaitAfterRootReceived, "decisionWaitAfterRootReceived");
    Objects.requireNonNull(samplingPolicyAttribute, "samplingPolicyAttribute");
    policies = List.copyOf(policies);
    if (decisionWait.isNegative() || decisionWait.isZero() || decisionWaitAfterRootReceived.isNegative()) {
      throw new IllegalArgumentException("decision_wait must be positive, decision_wait_after_root_received not negative");
    }
    if (numTraces < 1 || maxBufferedBytes < 1 || sampledCacheSize < 0 || nonSampledCacheSize < 0
        || expectedNewTracesPerSec < 0) {
      throw new IllegalArgumentException("sizes out of range");
    }
    if (policies.isEmpty()) {
      throw new IllegalArgumentException("at least one policy is required");
    }
  }

  /** Defaults with the given policies. */
  public static TailSamplingConfig of(List<PolicyConfig> policies) {
    return new TailSamplingConfig(DEFAULT_DECISION_WAIT, Duration.ZERO, DEFAULT_NUM_TRACES, 0,
        DEFAULT_MAX_BUFFERED_BYTES, DEFAULT_NUM_TRACES, DEFAULT_NUM_TRACES, DEFAULT_SAMPLING_POLICY_ATTRIBUTE,
        false, false, false, policies);
  }

  /**
   * How often the decision thread looks for traces due: a tenth of the shortest wait, between 50ms
   * and 1s, so a decision comes at most ~10% late.
   */
  Duration tickInterval() {
    Duration shortest = decisionWaitAfterRootReceived.isZero() || decisionWaitAfterRootReceived.compareTo(decisionWait) > 0
        ? decisionWait : decisionWaitAfterRootReceived;
    long ms = Math.max(50, Math.min(1000, shortest.toMillis() / 10));
    return Duration.ofMillis(ms);
  }
}
