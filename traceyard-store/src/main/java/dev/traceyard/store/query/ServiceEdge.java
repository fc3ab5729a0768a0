package dev.traceyard.store.query;

/**
 * A call from {@code parent} to {@code child}: a CLIENT or PRODUCER span whose direct child is a
 * SERVER or CONSUMER span of another service. Errors count calls where either side has status ERROR;
 * percentiles are of the child span's duration, in milliseconds.
 */
public record ServiceEdge(String parent, String child, long callCount, long errorCount, double ratePerSecond,
    double errorRate, Double p50Millis, Double p95Millis, Double p99Millis) {}
