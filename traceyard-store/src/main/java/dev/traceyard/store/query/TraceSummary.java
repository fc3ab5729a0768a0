package dev.traceyard.store.query;

import java.util.List;

/** One search hit: the trace's root (or earliest span when the root is missing) and its totals. */
public record TraceSummary(
    TraceId traceId,
    String rootServiceName,
    String rootSpanName,
    long startNanos,
    long durationNanos,
    long spanCount,
    long errorCount,
    List<String> services) {}
