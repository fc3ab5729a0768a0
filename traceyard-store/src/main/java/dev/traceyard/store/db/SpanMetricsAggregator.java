package dev.traceyard.store.db;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Aggregates every stored span into per-minute RED series keyed by service, span name, kind and
 * status. Only the writer thread uses it.
 */
final class SpanMetricsAggregator {
  /** Bucket upper bounds in milliseconds, denser than usual around typical request latencies. */
  static final double[] BOUNDS_MS = {
      0.1, 0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750,
      1000, 1500, 2000, 3000, 5000, 7500, 10_000, 15_000, 30_000, 60_000};
  /** Id of {@link #BOUNDS_MS} in {@code histogram_bounds}; a spanmetrics connector will register its own. */
  static final int BOUNDS_ID = 1;
  static final long MINUTE_NANOS = 60_000_000_000L;
  private static final long[] BOUNDS_NS = Arrays.stream(BOUNDS_MS).mapToLong(ms -> (long) (ms * 1_000_000)).toArray();

  record Key(long minuteNanos, String service, String spanName, int kind, int statusCode) {
    // Written out, like TraceId's: one lookup per stored span, and the generated versions (method
    // handles) cost more than the comparison itself.
    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && k.minuteNanos == minuteNanos && k.kind == kind && k.statusCode == statusCode
          && k.spanName.equals(spanName) && k.service.equals(service);
    }

    @Override
    public int hashCode() {
      return ((Long.hashCode(minuteNanos) * 31 + service.hashCode()) * 31 + spanName.hashCode()) * 31
          + kind * 7 + statusCode;
    }
  }

  static final class Series {
    long count;
    long errors;
    long durationSumNanos;
    final long[] buckets = new long[BOUNDS_NS.length + 1];

    void merge(Series o) {
      count += o.count;
      errors += o.errors;
      durationSumNanos += o.durationSumNanos;
      for (int i = 0; i < buckets.length; i++) {
        buckets[i] += o.buckets[i];
      }
    }
  }

  private Map<Key, Series> pending = new HashMap<>();

  void add(long timeNanos, String service, String spanName, int kind, int statusCode, long durationNanos) {
    long minute = Math.floorDiv(timeNanos, MINUTE_NANOS) * MINUTE_NANOS;
    Series s = pending.computeIfAbsent(new Key(minute, service, spanName, kind, statusCode), k -> new Series());
    s.count++;
    if (statusCode == 2) {
      s.errors++;
    }
    s.durationSumNanos += durationNanos;
    s.buckets[bucket(durationNanos)]++;
  }

  static int bucket(long durationNanos) {
    int i = Arrays.binarySearch(BOUNDS_NS, durationNanos);
    return i >= 0 ? i : -i - 1;
  }

  void mergeFrom(SpanMetricsAggregator other) {
    other.pending.forEach((k, v) -> pending.merge(k, v, (a, b) -> {
      a.merge(b);
      return a;
    }));
  }

  boolean isEmpty() {
    return pending.isEmpty();
  }

  /** Everything aggregated so far; the aggregator starts empty again. */
  Map<Key, Series> drain() {
    Map<Key, Series> out = pending;
    pending = new HashMap<>();
    return out;
  }
}
