package dev.traceyard.store.query;

/** An attribute key or value and how often it occurs, for autocompletion. */
public record AttributeCount(String text, long count) {}
