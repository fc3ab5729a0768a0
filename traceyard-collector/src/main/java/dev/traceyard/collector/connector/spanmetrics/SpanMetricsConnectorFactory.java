package dev.traceyard.collector.connector.spanmetrics;

import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Connector;
import dev.traceyard.collector.component.ConnectorFactory;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.connector.internal.ConfigReaders;
import dev.traceyard.collector.connector.internal.ExponentialHistogram;
import dev.traceyard.collector.connector.spanmetrics.SpanMetricsConfig.HistogramSettings;
import dev.traceyard.collector.connector.spanmetrics.SpanMetricsConfig.Unit;
import dev.traceyard.collector.consumer.Consumer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code spanmetrics} connector (traces in, metrics out), configured as otelcol-contrib's:
 * {@code histogram} ({@code disable}, {@code unit} ms|s, {@code explicit.buckets} or
 * {@code exponential.max_size}), {@code dimensions} ({@code name}, {@code default}),
 * {@code exclude_dimensions}, {@code dimensions_cache_size}, {@code aggregation_cardinality_limit},
 * {@code resource_metrics_cache_size}, {@code resource_metrics_key_attributes},
 * {@code aggregation_temporality}, {@code metrics_flush_interval} (default 60s),
 * {@code metrics_expiration}, {@code series_expiration}, {@code namespace} (default
 * {@code traces.span.metrics}), {@code exemplars} ({@code enabled}, {@code max_per_data_point}),
 * {@code events} ({@code enabled}, {@code dimensions}) and {@code metric_timestamp_cache_size}
 * (accepted; delta series here carry their interval's start without a cache).
 *
 * <p>Differences, on purpose: the series limit ({@code aggregation_cardinality_limit}, else
 * {@code dimensions_cache_size}) counts series across all resources, so memory is bounded whatever
 * the traffic; a full {@code resource_metrics_cache_size} sends new resources' spans to an overflow
 * resource instead of evicting (eviction would lose counts not yet emitted); exemplars are a bounded
 * sample; spans without {@code service.name} are counted under {@code unknown_service}, not skipped.
 * Keys otelcol has and this build does not ({@code calls_dimensions}, {@code histogram.dimensions},
 * {@code include_instrumentation_scope}, {@code add_resource_attributes},
 * {@code enable_metrics_sampling_method}, {@code dimensions[].glob}) are errors when set.
 */
public final class SpanMetricsConnectorFactory implements ConnectorFactory<SpanMetricsConfig> {
  static final List<String> DEFAULT_DIMENSIONS = List.of(SpanMetricsConnector.SERVICE_NAME,
      SpanMetricsConnector.SPAN_NAME, SpanMetricsConnector.SPAN_KIND, SpanMetricsConnector.STATUS_CODE);
  static final String CUMULATIVE = "AGGREGATION_TEMPORALITY_CUMULATIVE";
  static final String DELTA = "AGGREGATION_TEMPORALITY_DELTA";

  @Override
  public String type() {
    return "spanmetrics";
  }

  @Override
  public Set<Signal> inputs() {
    return Set.of(Signal.TRACES);
  }

  @Override
  public Set<Signal> outputs() {
    return Set.of(Signal.METRICS);
  }

  @Override
  public SpanMetricsConfig parseConfig(ConfigNode node) {
    HistogramSettings histogram = parseHistogram(node.child("histogram"));
    List<Dimension> dimensions = parseDimensions(node, "dimensions");
    Set<String> exclude = new LinkedHashSet<>();
    List<String> excluded = node.stringList("exclude_dimensions");
    for (int i = 0; i < excluded.size(); i++) {
      if (DEFAULT_DIMENSIONS.contains(excluded.get(i))) {
        exclude.add(excluded.get(i));
      } else {
        node.errors().add(node.pathOf("exclude_dimensions") + "[" + i + "]", "unknown default dimension '"
            + excluded.get(i) + "' (only " + String.join(", ", DEFAULT_DIMENSIONS) + " can be excluded)");
      }
    }
    int cacheSize = node.intAtLeast("dimensions_cache_size", SpanMetricsConfig.DEFAULT_DIMENSIONS_CACHE_SIZE, 1);
    int cardinalityLimit = (int) node.longInRange("aggregation_cardinality_limit", 0, 0, Integer.MAX_VALUE);
    int resourceCacheSize = node.intAtLeast("resource_metrics_cache_size",
        SpanMetricsConfig.DEFAULT_RESOURCE_METRICS_CACHE_SIZE, 1);
    List<String> keyAttributes = node.stringList("resource_metrics_key_attributes");
    boolean delta = DELTA.equals(node.oneOf("aggregation_temporality", CUMULATIVE, CUMULATIVE, DELTA));
    // Delta data points carry their interval's start, kept per series here: no timestamp cache to size.
    node.intAtLeast("metric_timestamp_cache_size", 1000, 1);
    Duration flush = node.nonNegativeDuration("metrics_flush_interval", SpanMetricsConfig.DEFAULT_FLUSH_INTERVAL);
    Duration expiration = node.nonNegativeDuration("metrics_expiration", Duration.ZERO);
    Duration seriesExpiration = node.nonNegativeDuration("series_expiration", Duration.ZERO);
    String namespace = node.string("namespace", SpanMetricsConfig.DEFAULT_NAMESPACE);

    ConfigNode exemplars = node.child("exemplars");
    boolean exemplarsEnabled = exemplars.bool("enabled", false);
    int exemplarsMax = exemplars.intAtLeast("max_per_data_point", SpanMetricsConfig.DEFAULT_EXEMPLARS_PER_DATA_POINT, 1);

    ConfigNode events = node.child("events");
    boolean eventsEnabled = events.bool("enabled", false);
    List<Dimension> eventDimensions = parseDimensions(events, "dimensions");
    com.fasterxml.jackson.databind.JsonNode listed = events.raw("dimensions");
    if (eventsEnabled && (listed == null || (listed.isArray() && listed.isEmpty()))) {
      events.error("dimensions", "must list at least one event attribute when events.enabled is true");
    }

    ConfigReaders.rejectUnsupported(node, "calls_dimensions", "calls carry the same dimensions as duration");
    ConfigReaders.rejectUnsupported(node, "include_instrumentation_scope", "metrics are not split by scope");
    ConfigReaders.rejectUnsupported(node, "add_resource_attributes",
        "metrics keep their spans' resource attributes on their resource");
    ConfigReaders.rejectUnsupported(node, "enable_metrics_sampling_method", "every span is counted as one call");

    return new SpanMetricsConfig(dimensions, exclude, cacheSize, cardinalityLimit, resourceCacheSize, keyAttributes,
        delta, histogram, flush, expiration, seriesExpiration, namespace == null ? "" : namespace, exemplarsEnabled,
        exemplarsMax, eventsEnabled, eventDimensions);
  }

  private static HistogramSettings parseHistogram(ConfigNode h) {
    boolean disabled = h.bool("disable", false);
    String unitName = h.oneOf("unit", "ms", "ms", "s");
    Unit unit = "s".equals(unitName) ? Unit.SECONDS : Unit.MILLISECONDS;
    boolean explicitSet = h.has("explicit");
    boolean exponentialSet = h.has("exponential");
    ConfigNode explicit = h.child("explicit");
    ConfigNode exponential = h.child("exponential");
    List<Duration> buckets = ConfigReaders.increasingDurations(explicit, "buckets");
    int maxSize = exponential.intAtLeast("max_size", SpanMetricsConfig.DEFAULT_EXPONENTIAL_MAX_SIZE, 1);
    if (maxSize < ExponentialHistogram.MIN_MAX_SIZE || maxSize > ExponentialHistogram.MAX_MAX_SIZE) {
      exponential.error("max_size", "must be between " + ExponentialHistogram.MIN_MAX_SIZE + " and "
          + ExponentialHistogram.MAX_MAX_SIZE + ", got " + maxSize);
      maxSize = SpanMetricsConfig.DEFAULT_EXPONENTIAL_MAX_SIZE;
    }
    ConfigReaders.rejectUnsupported(h, "dimensions", "the histogram carries the same dimensions as calls");
    if (explicitSet && exponentialSet) {
      h.error(null, "use either explicit or exponential buckets, not both");
    }
    if (exponentialSet && !explicitSet) {
      return new HistogramSettings(disabled, unit, null, maxSize);
    }
    return new HistogramSettings(disabled, unit, buckets == null ? SpanMetricsConfig.DEFAULT_BUCKETS : buckets, 0);
  }

  /** A list of {@code {name, default}} mappings; names must not repeat nor repeat a default dimension. */
  private static List<Dimension> parseDimensions(ConfigNode node, String key) {
    List<Dimension> out = new ArrayList<>();
    Set<String> seen = new HashSet<>(DEFAULT_DIMENSIONS);
    for (ConfigNode d : node.list(key)) {
      String name = d.requiredString("name");
      String def = d.has("default") ? d.string("default", null) : null;
      ConfigReaders.rejectUnsupported(d, "glob", "name each attribute");
      if (name == null) {
        continue;
      }
      if (!seen.add(name)) {
        d.error("name", "duplicate dimension name '" + name + "'"
            + (DEFAULT_DIMENSIONS.contains(name) ? " (it is always a dimension)" : ""));
        continue;
      }
      out.add(new Dimension(name, def));
    }
    return out;
  }

  @Override
  public Connector create(ComponentSettings settings, SpanMetricsConfig config, Consumer next) {
    return new SpanMetricsConnector(settings, config, next, Clock.systemUTC(), true);
  }
}
