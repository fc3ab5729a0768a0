package dev.traceyard.collector.processor.tailsampling.policy;

import java.util.function.LongSupplier;

/** Samples traces while the spans sampled in the current second stay within {@code spans_per_second}. */
final class RateLimitingPolicy implements Policy {
  private final long spansPerSecond;
  private final LongSupplier nanoClock;
  private long currentSecond = Long.MIN_VALUE;
  private long spansInSecond;

  RateLimitingPolicy(long spansPerSecond, LongSupplier nanoClock) {
    this.spansPerSecond = spansPerSecond;
    this.nanoClock = nanoClock;
  }

  @Override
  public Decision evaluate(TraceData trace) {
    long second = Math.floorDiv(nanoClock.getAsLong(), 1_000_000_000L);
    if (second != currentSecond) {
      currentSecond = second;
      spansInSecond = 0;
    }
    long after = spansInSecond + trace.stats().spanCount();
    if (after <= spansPerSecond) {
      spansInSecond = after;
      return Decision.SAMPLED;
    }
    return Decision.NOT_SAMPLED;
  }
}
