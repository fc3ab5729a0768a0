package dev.traceyard.collector.processor.tracequality;

/** The mistakes the processor reports; {@link #wireName} is {@code quality.kind} in the findings contract. */
enum FindingKind {
  ORPHAN_SPAN,
  MULTIPLE_ROOTS,
  MISSING_CLIENT_SIDE,
  INCONSISTENT_SAMPLING,
  UNKNOWN_SERVICE,
  MISSING_SERVICE_VERSION,
  MISSING_DEPLOYMENT_ENVIRONMENT,
  CONFLICTING_SDK,
  WRONG_SPAN_KIND,
  HIGH_CARDINALITY_ATTRIBUTE,
  OVERSIZED_SPAN,
  BODY_ON_SPAN,
  CLOCK_SKEW,
  NEGATIVE_DURATION;

  private final String wireName = name().toLowerCase(java.util.Locale.ROOT);

  String wireName() {
    return wireName;
  }
}
