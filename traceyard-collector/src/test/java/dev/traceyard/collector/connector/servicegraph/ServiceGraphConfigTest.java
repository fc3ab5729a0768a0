package dev.traceyard.collector.connector.servicegraph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.traceyard.collector.Components;
import dev.traceyard.collector.config.ConfigErrors;
import dev.traceyard.collector.config.ConfigException;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.service.ServiceConfig;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServiceGraphConfigTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final ConfigErrors errors = new ConfigErrors();

  private ServiceGraphConfig parse(String yaml) throws Exception {
    ConfigNode node = ConfigNode.of(YAML.readTree(yaml), "connectors.servicegraph", errors);
    ServiceGraphConfig c = new ServiceGraphConnectorFactory().parseConfig(node);
    node.reportUnknownKeys();
    return c;
  }

  @Test
  void emptyConfig_usesOtelcolDefaults() throws Exception {
    ServiceGraphConfig c = parse("{}");
    assertThat(errors.list()).isEmpty();
    assertThat(c).isEqualTo(ServiceGraphConfig.defaults());
    assertThat(c.storeTtl()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.storeMaxItems()).isEqualTo(1000);
    assertThat(c.metricsFlushInterval()).isEqualTo(Duration.ofSeconds(60));
    assertThat(c.virtualNodePeerAttributes()).containsExactly("peer.service", "db.name", "db.system");
    assertThat(c.latencyBuckets()).hasSize(16);
  }

  @Test
  void otelcolReadmeExample_isAccepted() throws Exception {
    ServiceGraphConfig c = parse(String.join("\n",
        "latency_histogram_buckets: [1,2,3,4,5]",
        "dimensions:",
        "  - dimension-1",
        "  - dimension-2",
        "store:",
        "  ttl: 1s",
        "  max_items: 10"));
    assertThat(errors.list()).isEmpty();
    // Bare integers are nanoseconds, as Go reads them into a time.Duration.
    assertThat(c.latencyBuckets()).containsExactly(Duration.ofNanos(1), Duration.ofNanos(2), Duration.ofNanos(3),
        Duration.ofNanos(4), Duration.ofNanos(5));
    assertThat(c.dimensions()).containsExactly("dimension-1", "dimension-2");
    assertThat(c.storeTtl()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.storeMaxItems()).isEqualTo(10);
  }

  @Test
  void everySupportedKey_isRead() throws Exception {
    ServiceGraphConfig c = parse(String.join("\n",
        "exponential_histogram_max_size: 100",
        "cache_loop: 2m",
        "store_expiration_loop: 0s",
        "virtual_node_peer_attributes: [server.address]",
        "virtual_node_extra_label: true",
        "metrics_flush_interval: 0s",
        "metrics_timestamp_offset: 10s",
        "database_name_attribute: db.instance",
        "database_name_attributes: [db.name]",
        "metrics_exporter: prometheus"));
    assertThat(errors.list()).isEmpty();
    assertThat(c.latencyBuckets()).isNull();
    assertThat(c.exponentialMaxSize()).isEqualTo(100);
    assertThat(c.cacheLoop()).isEqualTo(Duration.ofMinutes(2));
    assertThat(c.storeExpirationLoop()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.virtualNodePeerAttributes()).containsExactly("server.address");
    assertThat(c.virtualNodeExtraLabel()).isTrue();
    assertThat(c.metricsFlushInterval()).isZero();
    assertThat(c.metricsTimestampOffset()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.databaseNameAttributes()).containsExactly("db.instance", "db.name");
  }

  @Test
  void badValues_areReportedWithTheirPaths() throws Exception {
    parse(String.join("\n",
        "latency_histogram_buckets: [1s, 1s]",
        "exponential_histogram_max_size: 2",
        "store: {ttl: 0s, max_items: 0}",
        "cache_loop: -1m",
        "dimensions: [[a]]"));
    assertThat(errors.list()).containsExactlyInAnyOrder(
        "connectors.servicegraph.latency_histogram_buckets[1]: buckets must be strictly increasing: 1s does not exceed 1s",
        "connectors.servicegraph.exponential_histogram_max_size: must be 0 (explicit buckets) or between 3 and 16384, got 2",
        "connectors.servicegraph.store.ttl: must be positive, got 0s",
        "connectors.servicegraph.store.max_items: must be between 1 and 2147483647, got 0",
        "connectors.servicegraph.cache_loop: must not be negative, got -1m",
        "connectors.servicegraph.dimensions[0]: expected a string, got a list");
  }

  @Test
  void bucketsAndExponential_together_isAnError() throws Exception {
    parse("latency_histogram_buckets: [1ms]\nexponential_histogram_max_size: 10");
    assertThat(errors.list()).containsExactly("connectors.servicegraph.exponential_histogram_max_size: use either "
        + "latency_histogram_buckets or exponential_histogram_max_size, not both");
  }

  @Test
  void unknownKey_isAnError() throws Exception {
    parse("store: {tll: 1s}");
    assertThat(errors.list()).containsExactly(
        "connectors.servicegraph.store.tll: unknown key 'tll' (known keys: max_items, ttl)");
  }

  @Test
  void serviceConfig_namesTheConnectorInErrorPaths() throws Exception {
    ObjectNode root = (ObjectNode) YAML.readTree(String.join("\n",
        "receivers: {otlp: {protocols: {grpc: {endpoint: '127.0.0.1:0'}}}}",
        "connectors:",
        "  servicegraph/edges:",
        "    store: {max_items: -5}",
        "exporters: {debug: {}}",
        "service:",
        "  pipelines:",
        "    traces: {receivers: [otlp], exporters: [servicegraph/edges]}",
        "    metrics: {receivers: [servicegraph/edges], exporters: [debug]}"));
    assertThatThrownBy(() -> ServiceConfig.parse(root, Components.builtIn()))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).containsExactly(
            "connectors.servicegraph/edges.store.max_items: must be between 1 and 2147483647, got -5"));
  }

  @Test
  void recordRejectsInconsistentSettings() {
    assertThatThrownBy(() -> new ServiceGraphConfig(null, 0, List.of(), Duration.ofSeconds(1), 1, Duration.ofMinutes(1),
        Duration.ofSeconds(1), List.of(), false, Duration.ZERO, Duration.ZERO, List.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
