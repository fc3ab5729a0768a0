/**
 * Helpers shared by the data-modifying processors (attributes, resource, redaction, filter,
 * probabilistic sampler): otelcol's include/exclude match properties, copy-on-write walks over OTLP
 * requests that rebuild only the resources, scopes and items that changed, and attribute-list
 * editing. Not API: other modules must not depend on it.
 */
package dev.traceyard.collector.processor.internal.matching;
