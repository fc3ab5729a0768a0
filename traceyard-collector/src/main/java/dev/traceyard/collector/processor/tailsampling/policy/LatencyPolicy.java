package dev.traceyard.collector.processor.tailsampling.policy;

/** Trace duration from the earliest span start to the latest span end, in whole milliseconds. */
final class LatencyPolicy implements Policy {
  private final long thresholdMs;
  private final long upperThresholdMs;

  LatencyPolicy(long thresholdMs, long upperThresholdMs) {
    this.thresholdMs = thresholdMs;
    this.upperThresholdMs = upperThresholdMs;
  }

  @Override
  public Decision evaluate(TraceData trace) {
    if (trace.stats().spanCount() == 0) {
      return Decision.NOT_SAMPLED;
    }
    long ms = trace.stats().durationNanos() / 1_000_000;
    boolean match = upperThresholdMs == 0 ? ms >= thresholdMs : ms > thresholdMs && ms <= upperThresholdMs;
    return match ? Decision.SAMPLED : Decision.NOT_SAMPLED;
  }
}
