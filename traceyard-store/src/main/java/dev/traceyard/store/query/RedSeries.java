package dev.traceyard.store.query;

import java.util.List;

/** One RED series; {@code spanName} is null for a per-service series. */
public record RedSeries(String service, String spanName, List<Point> points) {

  /**
   * One step. Rates are per second over the step; percentiles (milliseconds) are interpolated within
   * histogram buckets and are null for steps without spans.
   */
  public record Point(long timeNanos, long count, long errors, double rate, double errorRate, Double avgMillis,
      Double p50Millis, Double p95Millis, Double p99Millis) {}
}
