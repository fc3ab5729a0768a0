package dev.traceyard.collector.processor.tailsampling.policy;

import io.opentelemetry.proto.trace.v1.Status;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The validated settings of one policy, as written under {@code policies} (or as a sub-policy),
 * with otelcol's keys. Made by {@link PolicyConfigParser}; turned into a {@link Policy} by
 * {@link Policies#create}.
 */
public sealed interface PolicyConfig {

  /** The policy's name: the {@code policy} label of the decision metrics and the value of {@code sampling.policy}. */
  String name();

  /** The {@code type} as written in config. */
  String type();

  record AlwaysSample(String name) implements PolicyConfig {
    @Override
    public String type() {
      return "always_sample";
    }
  }

  /** Trace duration (earliest start to latest end) {@code >= threshold_ms}, or in {@code (threshold_ms, upper_threshold_ms]}. */
  record Latency(String name, long thresholdMs, long upperThresholdMs) implements PolicyConfig {
    @Override
    public String type() {
      return "latency";
    }
  }

  record StatusCode(String name, Set<Status.StatusCode> statusCodes) implements PolicyConfig {
    public StatusCode {
      statusCodes = Set.copyOf(statusCodes);
    }

    @Override
    public String type() {
      return "status_code";
    }
  }

  record Probabilistic(String name, double samplingPercentage, String hashSalt) implements PolicyConfig {
    public static final String DEFAULT_HASH_SALT = "default-hash-seed";

    @Override
    public String type() {
      return "probabilistic";
    }
  }

  record RateLimiting(String name, long spansPerSecond) implements PolicyConfig {
    @Override
    public String type() {
      return "rate_limiting";
    }
  }

  record BytesLimiting(String name, long bytesPerSecond, long burstCapacity) implements PolicyConfig {
    @Override
    public String type() {
      return "bytes_limiting";
    }
  }

  record StringAttribute(String name, String key, List<String> values, boolean enabledRegexMatching,
      int cacheMaxSize, boolean invertMatch) implements PolicyConfig {
    public static final int DEFAULT_CACHE_MAX_SIZE = 128;

    public StringAttribute {
      values = List.copyOf(values);
    }

    @Override
    public String type() {
      return "string_attribute";
    }
  }

  /** {@code min_value} and {@code max_value} are inclusive; a null bound is open. */
  record NumericAttribute(String name, String key, Long minValue, Long maxValue, boolean invertMatch)
      implements PolicyConfig {
    @Override
    public String type() {
      return "numeric_attribute";
    }
  }

  record BooleanAttribute(String name, String key, boolean value, boolean invertMatch) implements PolicyConfig {
    @Override
    public String type() {
      return "boolean_attribute";
    }
  }

  /** {@code max_spans} 0 means no upper bound. */
  record SpanCount(String name, int minSpans, int maxSpans) implements PolicyConfig {
    @Override
    public String type() {
      return "span_count";
    }
  }

  record TraceState(String name, String key, List<String> values) implements PolicyConfig {
    public TraceState {
      values = List.copyOf(values);
    }

    @Override
    public String type() {
      return "trace_state";
    }
  }

  record TraceFlags(String name) implements PolicyConfig {
    @Override
    public String type() {
      return "trace_flags";
    }
  }

  record And(String name, List<PolicyConfig> subPolicies) implements PolicyConfig {
    public And {
      subPolicies = List.copyOf(subPolicies);
    }

    @Override
    public String type() {
      return "and";
    }
  }

  record Not(String name, PolicyConfig subPolicy) implements PolicyConfig {
    public Not {
      Objects.requireNonNull(subPolicy, "subPolicy");
    }

    @Override
    public String type() {
      return "not";
    }
  }

  /** Drops the trace when every sub-policy matches. */
  record Drop(String name, List<PolicyConfig> subPolicies) implements PolicyConfig {
    public Drop {
      subPolicies = List.copyOf(subPolicies);
    }

    @Override
    public String type() {
      return "drop";
    }
  }

  /**
   * Sub-policies evaluated in {@code policyOrder} (then any not listed, in config order); the first
   * that matches decides, within its share of {@code max_total_spans_per_second}.
   */
  record Composite(String name, long maxTotalSpansPerSecond, List<String> policyOrder,
      List<PolicyConfig> subPolicies, List<RateAllocation> rateAllocation) implements PolicyConfig {
    public Composite {
      policyOrder = List.copyOf(policyOrder);
      subPolicies = List.copyOf(subPolicies);
      rateAllocation = List.copyOf(rateAllocation);
    }

    @Override
    public String type() {
      return "composite";
    }
  }

  /** {@code percent} of the composite's total; 0 means an equal share (total / number of sub-policies), as in otelcol. */
  record RateAllocation(String policy, long percent) {}
}
