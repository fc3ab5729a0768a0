package dev.traceyard.store.query;

/** One example span of a RED series point: where to look (trace and span) and what it was like. */
public record Exemplar(TraceId traceId, long spanId, String service, String spanName, long startNanos,
    long durationNanos, int statusCode) {}
