package dev.traceyard.store.query;

import java.util.List;

/** A page of search hits, most recent trace first; {@code nextCursor} is null on the last page. */
public record SearchResult(List<TraceSummary> traces, String nextCursor) {}
