package dev.traceyard.store.db;

/** One metric data point flattened for the {@code metric_points} table. */
record MetricRow(long timeNanos, long startNanos, String name, String description, String unit, String metadataJson,
    int type, Integer temporality, Boolean monotonic, Double value, byte[] point) {}
