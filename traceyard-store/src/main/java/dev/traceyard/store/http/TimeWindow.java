package dev.traceyard.store.http;

import dev.traceyard.store.query.BadQueryException;

/** A resolved {@code [start, end]} in unix nanoseconds. */
record TimeWindow(long start, long end) {

  /**
   * From {@code start}/{@code end}/{@code lookback} (native API): end defaults to now, start to
   * end - lookback, lookback to {@code defaultLookback}.
   */
  static TimeWindow of(Params p, long nowNanos, long defaultLookbackNanos) {
    Long end = p.time("end");
    Long start = p.time("start");
    Long lookback = p.duration("lookback");
    long e = end == null ? nowNanos : end;
    long s = start != null ? start : e - (lookback != null ? lookback : defaultLookbackNanos);
    if (s > e) {
      throw new BadQueryException("start is after end");
    }
    return new TimeWindow(s, e);
  }
}
