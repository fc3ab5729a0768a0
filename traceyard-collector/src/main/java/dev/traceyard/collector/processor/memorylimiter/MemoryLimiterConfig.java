package dev.traceyard.collector.processor.memorylimiter;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the {@code memory_limiter} processor, as in otelcol. Limits apply to the JVM heap:
 * percentages are of the maximum heap ({@link Runtime#maxMemory()}, i.e. {@code -Xmx}).
 *
 * @param checkInterval time between heap measurements; must be positive
 * @param limitMib hard limit in MiB; takes precedence over {@code limitPercentage} when set (non-zero)
 * @param spikeLimitMib expected growth between checks; the soft limit is hard minus spike; 0 means 20% of the limit
 * @param limitPercentage hard limit as a percentage of the max heap, used when {@code limitMib} is 0
 * @param spikeLimitPercentage spike as a percentage of the max heap; 0 means 20% of the limit
 * @param minGcIntervalWhenSoftLimited least time between GCs forced on crossing the soft limit
 * @param minGcIntervalWhenHardLimited least time between GCs forced above the hard limit
 */
public record MemoryLimiterConfig(Duration checkInterval, long limitMib, long spikeLimitMib, int limitPercentage,
    int spikeLimitPercentage, Duration minGcIntervalWhenSoftLimited, Duration minGcIntervalWhenHardLimited) {

  static final long MIB = 1024 * 1024;
  public static final Duration DEFAULT_MIN_GC_INTERVAL_WHEN_SOFT_LIMITED = Duration.ofSeconds(10);

  public MemoryLimiterConfig {
    Objects.requireNonNull(checkInterval, "checkInterval");
    Objects.requireNonNull(minGcIntervalWhenSoftLimited, "minGcIntervalWhenSoftLimited");
    Objects.requireNonNull(minGcIntervalWhenHardLimited, "minGcIntervalWhenHardLimited");
  }

  /**
   * The hard and soft limits in bytes for a heap of {@code maxHeapBytes}.
   *
   * @throws IllegalStateException when the limit is a percentage and the heap has no maximum
   */
  Limits limits(long maxHeapBytes) {
    long hard;
    long spike;
    if (limitMib > 0) {
      hard = limitMib * MIB;
      spike = spikeLimitMib * MIB;
    } else {
      if (maxHeapBytes == Long.MAX_VALUE) {
        throw new IllegalStateException("limit_percentage needs a bounded heap, but this JVM has no maximum heap size: "
            + "start it with -Xmx or configure limit_mib");
      }
      hard = maxHeapBytes / 100 * limitPercentage;
      spike = maxHeapBytes / 100 * spikeLimitPercentage;
    }
    if (spike == 0) {
      spike = hard / 5;
    }
    return new Limits(hard, hard - spike);
  }

  /** Heap used at or above {@code soft} refuses data; at or above {@code hard} also forces a GC. */
  record Limits(long hard, long soft) {}
}
