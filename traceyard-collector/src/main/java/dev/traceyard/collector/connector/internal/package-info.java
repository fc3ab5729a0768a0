/**
 * Pieces shared by the connectors that turn spans into metrics ({@code spanmetrics},
 * {@code servicegraph}): histogram aggregation in OTLP's explicit and exponential forms, attribute
 * helpers, config readers for otelcol-style duration lists. Not an API: only the connector packages use it.
 */
package dev.traceyard.collector.connector.internal;
