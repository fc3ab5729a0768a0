package dev.traceyard.store.query;

/** A span name seen for a service, with its kind and how many spans had it. */
public record SpanNameInfo(String name, int kind, long count) {}
