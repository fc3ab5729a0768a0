package dev.traceyard.store.query;

/** Stored metric data points of {@code [startNanos, endNanos]}, optionally of one service and metric name. */
public record MetricQuery(String service, String name, long startNanos, long endNanos, int limit) {
  public MetricQuery {
    if (startNanos > endNanos) {
      throw new BadQueryException("the start of the time range is after its end");
    }
    if (limit < 1 || limit > 100_000) {
      throw new BadQueryException("limit must be between 1 and 100000, got " + limit);
    }
  }
}
