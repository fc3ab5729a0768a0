package dev.traceyard.store.query;

/**
 * Example spans (with their trace ids) of one moment of a RED series: spans of {@code service} /
 * {@code spanName} (null: any) that started in {@code [startNanos, endNanos)}, optionally only errors.
 * Ordered by closeness of their duration to {@code nearNanos} when it is given (the examples of a
 * p50/p95/p99 point), slowest first otherwise.
 */
public record ExemplarQuery(
    String service,
    String spanName,
    Integer kind,
    Integer statusCode,
    Long nearNanos,
    long startNanos,
    long endNanos,
    int limit) {

  public static final int MAX_LIMIT = 100;

  public ExemplarQuery {
    if (startNanos > endNanos) {
      throw new BadQueryException("the start of the time range is after its end");
    }
    if (nearNanos != null && nearNanos < 0) {
      throw new BadQueryException("near must not be negative");
    }
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new BadQueryException("limit must be between 1 and " + MAX_LIMIT + ", got " + limit);
    }
  }
}
