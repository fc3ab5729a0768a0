package dev.traceyard.collector.processor.tailsampling.policy;

import java.util.List;
import java.util.function.LongSupplier;

/**
 * Sub-policies in order, each with a spans-per-second allocation: the first sub-policy that matches
 * decides, sampling the trace when its spans fit both that sub-policy's allocation and the
 * composite's total in the current second. Like otelcol, a matching sub-policy over its allocation
 * means not sampled; later sub-policies are not asked.
 */
final class CompositePolicy implements Policy {
  record Sub(String name, Policy policy, long spansPerSecond) {}

  private final Sub[] subs;
  private final long maxTotal;
  private final LongSupplier nanoClock;
  private final long[] used;
  private long usedTotal;
  private long currentSecond = Long.MIN_VALUE;

  CompositePolicy(List<Sub> subs, long maxTotal, LongSupplier nanoClock) {
    this.subs = subs.toArray(new Sub[0]);
    this.maxTotal = maxTotal;
    this.nanoClock = nanoClock;
    this.used = new long[this.subs.length];
  }

  @Override
  public Decision evaluate(TraceData trace) {
    long second = Math.floorDiv(nanoClock.getAsLong(), 1_000_000_000L);
    if (second != currentSecond) {
      currentSecond = second;
      java.util.Arrays.fill(used, 0);
      usedTotal = 0;
    }
    for (int i = 0; i < subs.length; i++) {
      if (subs[i].policy().evaluate(trace).matches()) {
        long n = trace.stats().spanCount();
        if (used[i] + n <= subs[i].spansPerSecond() && usedTotal + n <= maxTotal) {
          used[i] += n;
          usedTotal += n;
          return Decision.SAMPLED;
        }
        return Decision.NOT_SAMPLED;
      }
    }
    return Decision.NOT_SAMPLED;
  }
}
