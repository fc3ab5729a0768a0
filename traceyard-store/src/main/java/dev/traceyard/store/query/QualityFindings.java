package dev.traceyard.store.query;

import java.util.List;

/**
 * What {@code trace_quality} reported for a time range: per service a summary, and for one service
 * its findings aggregated over the range (see docs/query-api.md, "Instrumentation health").
 *
 * @param bucketStartNanos start of the first trend bucket (a multiple of the bucket size)
 * @param bucketNanos trend bucket size, chosen from the range (at most {@link QualityQueries#MAX_BUCKETS} buckets)
 * @param services per-service summary, worst share first (every service with reports, clean ones too)
 * @param findings findings of the asked service, worst share first; empty when no service was asked
 */
public record QualityFindings(long bucketStartNanos, long bucketNanos, List<ServiceSummary> services,
    List<Finding> findings) {

  /**
   * One service's reports over the range.
   *
   * @param tracesTotal traces the processor saw of this service (summed over its reports)
   * @param findings distinct (kind, span name, attribute key, peer service) with a count
   * @param kinds distinct finding kinds
   * @param worstShare the largest share of traces affected among its findings (0 when clean)
   * @param worstKind the kind of that finding, null when clean
   */
  public record ServiceSummary(String service, long tracesTotal, int findings, int kinds, double worstShare,
      String worstKind) {}

  /**
   * One finding (kind, span name, attribute key, peer service) of a service, summed over the range.
   *
   * @param tracesTotal traces of the service over the range (the denominator of {@code share})
   * @param share tracesAffected / tracesTotal, at most 1
   * @param trend the count per trend bucket
   * @param examples up to 5 example traces, most recent first, one per trace
   * @param detail the most recent report's sentence
   * @param cardinalityEstimate the largest estimate reported (high_cardinality_attribute only), else null
   */
  public record Finding(String kind, String spanName, String attributeKey, String peerService, long count,
      long tracesAffected, long tracesTotal, double share, long[] trend, List<Example> examples, String detail,
      Long cardinalityEstimate, long lastSeenNanos) {}

  /** An example trace of a finding (and its span when the report named one). */
  public record Example(TraceId traceId, Long spanId, long timeNanos) {}
}
