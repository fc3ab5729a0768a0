package dev.traceyard.collector.processor.tracequality;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Validated settings of one {@code trace_quality} processor. */
record TraceQualityConfig(
    Duration traceWindow,
    Duration reportInterval,
    List<String> findingsPipelines,
    int maxTraces,
    int maxSpansPerTrace,
    int maxQueuedSpans,
    Duration clockSkewTolerance,
    int precision,
    long cardinalityThreshold,
    long patternMinDistinct,
    int maxSketches,
    int maxTrackedKeys,
    AttributeAction flaggedAction,
    Map<String, AttributeAction> keyActions,
    int maxAttributes,
    int maxAttributeValueBytes,
    List<String> bodyKeys,
    double samplingPercentage) {

  static final double DEFAULT_SAMPLING_PERCENTAGE = 100;
  static final Duration DEFAULT_TRACE_WINDOW = Duration.ofSeconds(30);
  static final Duration DEFAULT_REPORT_INTERVAL = Duration.ofSeconds(60);
  static final int DEFAULT_MAX_TRACES = 50_000;
  static final int DEFAULT_MAX_SPANS_PER_TRACE = 1_000;
  static final int DEFAULT_MAX_QUEUED_SPANS = 100_000;
  static final Duration DEFAULT_CLOCK_SKEW_TOLERANCE = Duration.ofMillis(100);
  static final int DEFAULT_PRECISION = 14;
  static final long DEFAULT_CARDINALITY_THRESHOLD = 1_000;
  static final long DEFAULT_PATTERN_MIN_DISTINCT = 100;
  static final int DEFAULT_MAX_SKETCHES = 256;
  static final int DEFAULT_MAX_TRACKED_KEYS = 10_000;
  static final int DEFAULT_MAX_ATTRIBUTES = 128;
  static final int DEFAULT_MAX_ATTRIBUTE_VALUE_BYTES = 4_096;
  static final List<String> DEFAULT_BODY_KEYS = List.of("http.request.body*", "http.response.body*",
      "*.request.body", "*.response.body", "request.body*", "response.body*");

  /** What to do with a high-cardinality attribute on the spans passing through. */
  enum AttributeAction {
    NONE, DROP, HASH, MOVE_TO_EVENT;

    String configName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  TraceQualityConfig {
    findingsPipelines = List.copyOf(findingsPipelines);
    keyActions = Map.copyOf(keyActions);
    bodyKeys = List.copyOf(bodyKeys);
  }

  /** Defaults, for tests and benchmarks. */
  static TraceQualityConfig defaults() {
    return new TraceQualityConfig(DEFAULT_TRACE_WINDOW, DEFAULT_REPORT_INTERVAL, List.of(), DEFAULT_MAX_TRACES,
        DEFAULT_MAX_SPANS_PER_TRACE, DEFAULT_MAX_QUEUED_SPANS, DEFAULT_CLOCK_SKEW_TOLERANCE, DEFAULT_PRECISION,
        DEFAULT_CARDINALITY_THRESHOLD, DEFAULT_PATTERN_MIN_DISTINCT, DEFAULT_MAX_SKETCHES, DEFAULT_MAX_TRACKED_KEYS,
        AttributeAction.NONE, Map.of(), DEFAULT_MAX_ATTRIBUTES, DEFAULT_MAX_ATTRIBUTE_VALUE_BYTES, DEFAULT_BODY_KEYS,
        DEFAULT_SAMPLING_PERCENTAGE);
  }

  TraceQualityConfig withFindingsPipelines(List<String> pipelines) {
    return new TraceQualityConfig(traceWindow, reportInterval, pipelines, maxTraces, maxSpansPerTrace, maxQueuedSpans,
        clockSkewTolerance, precision, cardinalityThreshold, patternMinDistinct, maxSketches, maxTrackedKeys,
        flaggedAction, keyActions, maxAttributes, maxAttributeValueBytes, bodyKeys, samplingPercentage);
  }

  TraceQualityConfig withSamplingPercentage(double percentage) {
    return new TraceQualityConfig(traceWindow, reportInterval, findingsPipelines, maxTraces, maxSpansPerTrace,
        maxQueuedSpans, clockSkewTolerance, precision, cardinalityThreshold, patternMinDistinct, maxSketches,
        maxTrackedKeys, flaggedAction, keyActions, maxAttributes, maxAttributeValueBytes, bodyKeys, percentage);
  }
}
