package dev.traceyard.store.query;

/**
 * RED series over {@code [startNanos, endNanos)} in steps of {@code stepNanos} (a multiple of a
 * minute, the table's resolution). Null filters do not filter.
 *
 * @param bySpanName one series per service and span name instead of one per service
 */
public record RedQuery(String service, String spanName, Integer kind, long startNanos, long endNanos, long stepNanos,
    boolean bySpanName) {

  public static final long MINUTE_NANOS = 60_000_000_000L;
  /** Keeps responses bounded whatever range and step are asked for. */
  public static final int MAX_POINTS = 2_000;

  public RedQuery {
    if (startNanos >= endNanos) {
      throw new BadQueryException("the start of the time range must be before its end");
    }
    if (stepNanos < MINUTE_NANOS || stepNanos % MINUTE_NANOS != 0) {
      throw new BadQueryException("step must be a whole number of minutes (the resolution of span metrics)");
    }
    if ((endNanos - startNanos) / stepNanos > MAX_POINTS) {
      throw new BadQueryException("too many points: (end - start) / step must be at most " + MAX_POINTS);
    }
  }
}
