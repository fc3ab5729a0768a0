package dev.traceyard.collector.connector.spanmetrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.traceyard.collector.Components;
import dev.traceyard.collector.config.ConfigErrors;
import dev.traceyard.collector.config.ConfigException;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.connector.spanmetrics.SpanMetricsConfig.Unit;
import dev.traceyard.collector.service.ServiceConfig;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SpanMetricsConfigTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final ConfigErrors errors = new ConfigErrors();

  private SpanMetricsConfig parse(String yaml) throws Exception {
    ConfigNode node = ConfigNode.of(YAML.readTree(yaml), "connectors.spanmetrics", errors);
    SpanMetricsConfig c = new SpanMetricsConnectorFactory().parseConfig(node);
    node.reportUnknownKeys();
    return c;
  }

  @Test
  void emptyConfig_usesOtelcolDefaults() throws Exception {
    SpanMetricsConfig c = parse("{}");
    assertThat(errors.list()).isEmpty();
    assertThat(c).isEqualTo(SpanMetricsConfig.defaults());
    assertThat(c.namespace()).isEqualTo("traces.span.metrics");
    assertThat(c.metricsFlushInterval()).isEqualTo(Duration.ofSeconds(60));
    assertThat(c.delta()).isFalse();
    assertThat(c.seriesLimit()).isEqualTo(1000);
    assertThat(c.histogram().unit()).isEqualTo(Unit.MILLISECONDS);
    assertThat(c.histogram().explicitBuckets()).hasSize(16).first().isEqualTo(Duration.ofMillis(2));
    assertThat(c.exemplarsEnabled()).isFalse();
  }

  @Test
  void otelcolReadmeExample_isAccepted() throws Exception {
    SpanMetricsConfig c = parse(String.join("\n",
        "histogram:",
        "  explicit:",
        "    buckets: [100us, 1ms, 2ms, 6ms, 10ms, 100ms, 250ms]",
        "dimensions:",
        "  - name: http.method",
        "    default: GET",
        "  - name: http.status_code",
        "exemplars:",
        "  enabled: true",
        "exclude_dimensions: ['status.code']",
        "dimensions_cache_size: 1000",
        "aggregation_temporality: \"AGGREGATION_TEMPORALITY_CUMULATIVE\"",
        "metrics_flush_interval: 15s",
        "metrics_expiration: 5m",
        "events:",
        "  enabled: true",
        "  dimensions:",
        "    - name: exception.type",
        "    - name: exception.message",
        "resource_metrics_key_attributes:",
        "  - service.name",
        "  - telemetry.sdk.language",
        "  - telemetry.sdk.name"));
    assertThat(errors.list()).isEmpty();
    assertThat(c.histogram().explicitBuckets()).containsExactly(Duration.ofNanos(100_000), Duration.ofMillis(1),
        Duration.ofMillis(2), Duration.ofMillis(6), Duration.ofMillis(10), Duration.ofMillis(100), Duration.ofMillis(250));
    assertThat(c.dimensions()).containsExactly(new Dimension("http.method", "GET"), new Dimension("http.status_code", null));
    assertThat(c.excludeDimensions()).containsExactly("status.code");
    assertThat(c.metricsFlushInterval()).isEqualTo(Duration.ofSeconds(15));
    assertThat(c.metricsExpiration()).isEqualTo(Duration.ofMinutes(5));
    assertThat(c.eventsEnabled()).isTrue();
    assertThat(c.eventDimensions()).extracting(Dimension::name).containsExactly("exception.type", "exception.message");
    assertThat(c.resourceMetricsKeyAttributes()).containsExactly("service.name", "telemetry.sdk.language",
        "telemetry.sdk.name");
  }

  @Test
  void everySupportedKey_isRead() throws Exception {
    SpanMetricsConfig c = parse(String.join("\n",
        "histogram: {disable: false, unit: s, exponential: {max_size: 80}}",
        "aggregation_cardinality_limit: 50",
        "resource_metrics_cache_size: 7",
        "aggregation_temporality: AGGREGATION_TEMPORALITY_DELTA",
        "metric_timestamp_cache_size: 500",
        "series_expiration: 1m",
        "namespace: red",
        "exemplars: {enabled: true, max_per_data_point: 3}",
        "calls_dimensions: []",
        "include_instrumentation_scope: []",
        "add_resource_attributes: false",
        "enable_metrics_sampling_method: false"));
    assertThat(errors.list()).isEmpty();
    assertThat(c.histogram().exponential()).isTrue();
    assertThat(c.histogram().exponentialMaxSize()).isEqualTo(80);
    assertThat(c.histogram().unit()).isEqualTo(Unit.SECONDS);
    assertThat(c.seriesLimit()).isEqualTo(50);
    assertThat(c.resourceMetricsCacheSize()).isEqualTo(7);
    assertThat(c.delta()).isTrue();
    assertThat(c.seriesExpiration()).isEqualTo(Duration.ofMinutes(1));
    assertThat(c.namespace()).isEqualTo("red");
    assertThat(c.exemplarsMaxPerDataPoint()).isEqualTo(3);
  }

  @Test
  void exponentialWithoutMaxSize_defaultsTo160() throws Exception {
    SpanMetricsConfig c = parse("histogram: {exponential: {}}");
    assertThat(errors.list()).isEmpty();
    assertThat(c.histogram().exponentialMaxSize()).isEqualTo(160);
  }

  @Test
  void badValues_areReportedWithTheirPaths() throws Exception {
    parse(String.join("\n",
        "histogram:",
        "  unit: us",
        "  explicit:",
        "    buckets: [10ms, 5ms, soon, -1ms]",
        "aggregation_temporality: DELTA",
        "dimensions_cache_size: 0",
        "metrics_flush_interval: -1s",
        "exemplars: {max_per_data_point: 0}"));
    assertThat(errors.list()).containsExactlyInAnyOrder(
        "connectors.spanmetrics.histogram.unit: unknown value 'us' (expected one of: ms, s)",
        "connectors.spanmetrics.histogram.explicit.buckets[1]: buckets must be strictly increasing: 5ms does not exceed 10ms",
        "connectors.spanmetrics.histogram.explicit.buckets[2]: invalid duration 'soon' (use a number with a unit: ns, us, ms, s, m, h, e.g. 200ms or 1m30s)",
        "connectors.spanmetrics.histogram.explicit.buckets[3]: must be positive, got -1ms",
        "connectors.spanmetrics.aggregation_temporality: unknown value 'DELTA' (expected one of: "
            + "AGGREGATION_TEMPORALITY_CUMULATIVE, AGGREGATION_TEMPORALITY_DELTA)",
        "connectors.spanmetrics.dimensions_cache_size: must be between 1 and 2147483647, got 0",
        "connectors.spanmetrics.metrics_flush_interval: must not be negative, got -1s",
        "connectors.spanmetrics.exemplars.max_per_data_point: must be between 1 and 2147483647, got 0");
  }

  @Test
  void explicitAndExponential_together_isAnError() throws Exception {
    parse("histogram: {explicit: {buckets: [1ms]}, exponential: {max_size: 10}}");
    assertThat(errors.list()).containsExactly(
        "connectors.spanmetrics.histogram: use either explicit or exponential buckets, not both");
  }

  @Test
  void exponentialMaxSizeTooSmall_isAnError() throws Exception {
    parse("histogram: {exponential: {max_size: 2}}");
    assertThat(errors.list()).containsExactly(
        "connectors.spanmetrics.histogram.exponential.max_size: must be between 3 and 16384, got 2");
  }

  @Test
  void duplicateDimensions_areErrors() throws Exception {
    parse(String.join("\n",
        "dimensions:",
        "  - name: region",
        "  - name: region",
        "  - name: span.kind",
        "  - default: x"));
    assertThat(errors.list()).containsExactly(
        "connectors.spanmetrics.dimensions[1].name: duplicate dimension name 'region'",
        "connectors.spanmetrics.dimensions[2].name: duplicate dimension name 'span.kind' (it is always a dimension)",
        "connectors.spanmetrics.dimensions[3].name: is required");
  }

  @Test
  void excludingAnUnknownDimension_isAnError() throws Exception {
    parse("exclude_dimensions: [status.code, http.method]");
    assertThat(errors.list()).containsExactly("connectors.spanmetrics.exclude_dimensions[1]: unknown default dimension "
        + "'http.method' (only service.name, span.name, span.kind, status.code can be excluded)");
  }

  @Test
  void eventsWithoutDimensions_isAnError() throws Exception {
    parse("events: {enabled: true}");
    assertThat(errors.list()).containsExactly(
        "connectors.spanmetrics.events.dimensions: must list at least one event attribute when events.enabled is true");
  }

  @Test
  void unsupportedOtelcolKeys_areRejectedByName() throws Exception {
    parse(String.join("\n",
        "calls_dimensions: [{name: a}]",
        "include_instrumentation_scope: [x]",
        "add_resource_attributes: true",
        "enable_metrics_sampling_method: true",
        "histogram: {dimensions: [{name: b}]}",
        "dimensions: [{name: c, glob: 'c.*'}]"));
    assertThat(errors.list()).containsExactlyInAnyOrder(
        "connectors.spanmetrics.calls_dimensions: is not supported by this build (calls carry the same dimensions as "
            + "duration); remove the key",
        "connectors.spanmetrics.include_instrumentation_scope: is not supported by this build (metrics are not split "
            + "by scope); remove the key",
        "connectors.spanmetrics.add_resource_attributes: is not supported by this build (metrics keep their spans' "
            + "resource attributes on their resource); remove the key",
        "connectors.spanmetrics.enable_metrics_sampling_method: is not supported by this build (every span is counted "
            + "as one call); remove the key",
        "connectors.spanmetrics.histogram.dimensions: is not supported by this build (the histogram carries the same "
            + "dimensions as calls); remove the key",
        "connectors.spanmetrics.dimensions[0].glob: is not supported by this build (name each attribute); remove the key");
  }

  @Test
  void unknownKey_isAnError() throws Exception {
    parse("namespase: x");
    assertThat(errors.list()).hasSize(1);
    assertThat(errors.list().get(0)).startsWith("connectors.spanmetrics.namespase: unknown key 'namespase' (known keys: ");
  }

  @Test
  void serviceConfig_namesTheConnectorInErrorPaths() throws Exception {
    ObjectNode root = (ObjectNode) YAML.readTree(String.join("\n",
        "receivers: {otlp: {protocols: {grpc: {endpoint: '127.0.0.1:0'}}}}",
        "connectors:",
        "  spanmetrics/red:",
        "    histogram: {explicit: {buckets: [2ms, 1ms]}}",
        "exporters: {debug: {}}",
        "service:",
        "  pipelines:",
        "    traces: {receivers: [otlp], exporters: [spanmetrics/red]}",
        "    metrics: {receivers: [spanmetrics/red], exporters: [debug]}"));
    assertThatThrownBy(() -> ServiceConfig.parse(root, Components.builtIn()))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).containsExactly(
            "connectors.spanmetrics/red.histogram.explicit.buckets[1]: buckets must be strictly increasing: "
                + "1ms does not exceed 2ms"));
  }

  @Test
  void serviceConfig_refusesSpanmetricsFeedingATracesPipeline() throws Exception {
    ObjectNode root = (ObjectNode) YAML.readTree(String.join("\n",
        "receivers: {otlp: {protocols: {grpc: {endpoint: '127.0.0.1:0'}}}}",
        "connectors: {spanmetrics: {}}",
        "exporters: {debug: {}}",
        "service:",
        "  pipelines:",
        "    traces: {receivers: [otlp], exporters: [spanmetrics]}",
        "    traces/2: {receivers: [spanmetrics], exporters: [debug]}"));
    assertThatThrownBy(() -> ServiceConfig.parse(root, Components.builtIn()))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors())
            .anyMatch(m -> m.startsWith("service.pipelines.traces/2.receivers[0]")));
  }

  @Test
  void recordRejectsInconsistentHistogramSettings() {
    assertThatThrownBy(() -> new SpanMetricsConfig.HistogramSettings(false, Unit.SECONDS, List.of(), 10))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(new SpanMetricsConfig.HistogramSettings(false, Unit.SECONDS, null, 10).exponential()).isTrue();
    assertThat(Set.of(SpanMetricsConfig.defaults().histogram().unit())).containsExactly(Unit.MILLISECONDS);
  }
}
