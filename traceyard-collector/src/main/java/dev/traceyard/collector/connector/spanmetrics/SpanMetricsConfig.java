package dev.traceyard.collector.connector.spanmetrics;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Settings of the {@code spanmetrics} connector, with otelcol-contrib's keys and defaults (see
 * {@link SpanMetricsConnectorFactory} for the keys).
 *
 * @param dimensions extra metric attributes, after service.name, span.name, span.kind, status.code
 * @param excludeDimensions default attributes left out
 * @param dimensionsCacheSize series limit when {@code aggregationCardinalityLimit} is 0
 * @param aggregationCardinalityLimit series limit; 0 defers to {@code dimensionsCacheSize}
 * @param resourceMetricsCacheSize resources tracked at once; spans of others go to an overflow resource
 * @param resourceMetricsKeyAttributes resource attributes that identify a resource; empty means all
 * @param delta true for delta temporality (series reset at every flush), false for cumulative
 * @param histogram duration histogram settings
 * @param metricsFlushInterval time between emissions; zero emits after every batch
 * @param metricsExpiration a resource without spans for this long stops being emitted; zero never
 * @param seriesExpiration a series without spans for this long stops being emitted; zero never
 * @param namespace prefix of metric names, joined with a dot; empty for none
 * @param exemplarsEnabled attach exemplars (trace and span ids) to the duration histogram
 * @param exemplarsMaxPerDataPoint exemplars kept per data point and flush interval (a uniform sample)
 * @param eventsEnabled emit an {@code events} count of span events
 * @param eventDimensions event attributes added to the events metric's attributes
 */
public record SpanMetricsConfig(
    List<Dimension> dimensions,
    Set<String> excludeDimensions,
    int dimensionsCacheSize,
    int aggregationCardinalityLimit,
    int resourceMetricsCacheSize,
    List<String> resourceMetricsKeyAttributes,
    boolean delta,
    HistogramSettings histogram,
    Duration metricsFlushInterval,
    Duration metricsExpiration,
    Duration seriesExpiration,
    String namespace,
    boolean exemplarsEnabled,
    int exemplarsMaxPerDataPoint,
    boolean eventsEnabled,
    List<Dimension> eventDimensions) {

  public static final String DEFAULT_NAMESPACE = "traces.span.metrics";
  public static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofSeconds(60);
  public static final int DEFAULT_DIMENSIONS_CACHE_SIZE = 1000;
  public static final int DEFAULT_RESOURCE_METRICS_CACHE_SIZE = 1000;
  public static final int DEFAULT_EXPONENTIAL_MAX_SIZE = 160;
  /**
   * otelcol keeps every exemplar of an interval unless told otherwise; a busy series would then hold
   * one per span. We keep a uniform sample of this many per data point instead.
   */
  public static final int DEFAULT_EXEMPLARS_PER_DATA_POINT = 10;
  /** otelcol's default buckets, in milliseconds. */
  public static final List<Duration> DEFAULT_BUCKETS = List.of(ms(2), ms(4), ms(6), ms(8), ms(10), ms(50), ms(100),
      ms(200), ms(400), ms(800), ms(1000), ms(1400), ms(2000), ms(5000), ms(10_000), ms(15_000));

  public SpanMetricsConfig {
    dimensions = List.copyOf(dimensions);
    excludeDimensions = Set.copyOf(excludeDimensions);
    resourceMetricsKeyAttributes = List.copyOf(resourceMetricsKeyAttributes);
    eventDimensions = List.copyOf(eventDimensions);
    Objects.requireNonNull(histogram, "histogram");
    Objects.requireNonNull(metricsFlushInterval, "metricsFlushInterval");
    Objects.requireNonNull(metricsExpiration, "metricsExpiration");
    Objects.requireNonNull(seriesExpiration, "seriesExpiration");
    Objects.requireNonNull(namespace, "namespace");
    if (dimensionsCacheSize < 1 || aggregationCardinalityLimit < 0 || resourceMetricsCacheSize < 1
        || exemplarsMaxPerDataPoint < 1) {
      throw new IllegalArgumentException("limits must be positive");
    }
  }

  public static SpanMetricsConfig defaults() {
    return new SpanMetricsConfig(List.of(), Set.of(), DEFAULT_DIMENSIONS_CACHE_SIZE, 0,
        DEFAULT_RESOURCE_METRICS_CACHE_SIZE, List.of(), false, HistogramSettings.defaults(), DEFAULT_FLUSH_INTERVAL,
        Duration.ZERO, Duration.ZERO, DEFAULT_NAMESPACE, false, DEFAULT_EXEMPLARS_PER_DATA_POINT, false, List.of());
  }

  /** The most series tracked at once, across resources; spans of further series go to overflow series. */
  public int seriesLimit() {
    return aggregationCardinalityLimit > 0 ? aggregationCardinalityLimit : dimensionsCacheSize;
  }

  /** The unit durations are recorded in. */
  public enum Unit {
    MILLISECONDS("ms", 1e6),
    SECONDS("s", 1e9);

    private final String symbol;
    private final double nanos;

    Unit(String symbol, double nanos) {
      this.symbol = symbol;
      this.nanos = nanos;
    }

    public String symbol() {
      return symbol;
    }

    /** Nanoseconds in one unit. */
    public double nanos() {
      return nanos;
    }
  }

  /**
   * @param disabled emit no duration histogram
   * @param unit unit of recorded durations and of the bucket bounds
   * @param explicitBuckets bucket bounds of an explicit histogram; null for an exponential one
   * @param exponentialMaxSize buckets of an exponential histogram; 0 for an explicit one
   */
  public record HistogramSettings(boolean disabled, Unit unit, List<Duration> explicitBuckets, int exponentialMaxSize) {
    public HistogramSettings {
      Objects.requireNonNull(unit, "unit");
      explicitBuckets = explicitBuckets == null ? null : List.copyOf(explicitBuckets);
      if ((explicitBuckets == null) == (exponentialMaxSize == 0)) {
        throw new IllegalArgumentException("exactly one of explicit buckets and exponential max size");
      }
    }

    public static HistogramSettings defaults() {
      return new HistogramSettings(false, Unit.MILLISECONDS, DEFAULT_BUCKETS, 0);
    }

    public boolean exponential() {
      return explicitBuckets == null;
    }
  }

  private static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }
}
