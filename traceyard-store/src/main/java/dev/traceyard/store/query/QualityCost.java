package dev.traceyard.store.query;

import java.util.List;

/**
 * The cost breakdown {@code trace_quality} reported for a time range: per service its traces per
 * second, spans per trace and bytes per span (the three levers), and where its bytes go.
 *
 * @param observedSeconds how long the reports in the range cover (rates are per this)
 * @param totalBytes span bytes of every service in the range (the denominator of the shares)
 * @param services biggest first
 */
public record QualityCost(double observedSeconds, long totalBytes, List<ServiceCost> services) {

  /**
   * @param share bytes / totalBytes of every service
   * @param spanNames biggest first (empty unless one service was asked)
   * @param attributes heaviest first (empty unless one service was asked)
   */
  public record ServiceCost(String service, long traces, long spans, long bytes, long attributeBytes,
      double tracesPerSecond, double spansPerTrace, double bytesPerSpan, double share, Lever lever,
      List<SpanNameCost> spanNames, List<AttributeCost> attributes) {}

  /**
   * @param spansPerTrace spans of this name per trace of the service
   * @param share bytes / the service's bytes
   */
  public record SpanNameCost(String name, long spans, long traces, long bytes, long attributeBytes,
      double spansPerSecond, double spansPerTrace, double bytesPerSpan, double share) {}

  /** @param share bytes / the service's bytes */
  public record AttributeCost(String key, long bytes, long count, double share) {}

  /** The lever the numbers point to ({@link Levers}), with the figures that decided it. */
  public record Lever(String name, String reason) {}
}
