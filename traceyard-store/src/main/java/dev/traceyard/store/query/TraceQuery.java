package dev.traceyard.store.query;

import java.util.List;

/**
 * A trace search: a trace matches when one of its spans, started within {@code [startNanos, endNanos]},
 * satisfies every condition at once (service, span name, kind, status, duration, attributes), as in
 * Jaeger and TraceQL's {@code {a && b}}. Null fields do not filter.
 *
 * @param cursor from a previous page's {@link SearchResult#nextCursor()}; it pins the time window and
 *     the data snapshot of the first page, so paging yields no duplicates and no gaps
 */
public record TraceQuery(
    String service,
    String spanName,
    Integer kind,
    Integer statusCode,
    Long minDurationNanos,
    Long maxDurationNanos,
    List<AttributeFilter> attributes,
    long startNanos,
    long endNanos,
    int limit,
    String cursor) {

  public static final int MAX_LIMIT = 1000;

  public TraceQuery {
    attributes = List.copyOf(attributes);
    if (startNanos > endNanos) {
      throw new BadQueryException("the start of the time range is after its end");
    }
    if (minDurationNanos != null && maxDurationNanos != null && minDurationNanos > maxDurationNanos) {
      throw new BadQueryException("minDuration is greater than maxDuration");
    }
    if (minDurationNanos != null && minDurationNanos < 0 || maxDurationNanos != null && maxDurationNanos < 0) {
      throw new BadQueryException("durations must not be negative");
    }
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new BadQueryException("limit must be between 1 and " + MAX_LIMIT + ", got " + limit);
    }
  }

  /** The filters only, as text: a cursor belongs to one filter set. */
  String filterKey() {
    return service + "|" + spanName + "|" + kind + "|" + statusCode + "|" + minDurationNanos + "|" + maxDurationNanos
        + "|" + attributes;
  }
}
