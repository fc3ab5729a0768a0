package dev.traceyard.collector.connector.servicegraph;

import com.fasterxml.jackson.databind.JsonNode;
import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Connector;
import dev.traceyard.collector.component.ConnectorFactory;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.connector.internal.ConfigReaders;
import dev.traceyard.collector.connector.internal.ExponentialHistogram;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The {@code servicegraph} connector (traces in, metrics out), configured as otelcol-contrib's:
 * {@code latency_histogram_buckets} (durations, default 2ms..15s, recorded in seconds) or
 * {@code exponential_histogram_max_size}, {@code dimensions}, {@code store.ttl} (default 2s),
 * {@code store.max_items} (default 1000), {@code cache_loop} (1m), {@code store_expiration_loop} (2s),
 * {@code virtual_node_peer_attributes} (default peer.service, db.name, db.system; {@code []} turns
 * virtual nodes off), {@code virtual_node_extra_label}, {@code metrics_flush_interval} (60s; 0 emits
 * after every batch), {@code metrics_timestamp_offset}, {@code database_name_attributes} (and the
 * deprecated {@code database_name_attribute}); {@code metrics_exporter} is accepted and ignored, as
 * otelcol does.
 *
 * <p>Differences, on purpose: {@code database_name_attributes} defaults to db.name, db.namespace,
 * db.system.name, db.system (otelcol: db.name only), so database calls instrumented with current
 * semantic conventions make database edges; an edge to or from a virtual node records only the
 * latency of the side that was seen (otelcol records 0 for the other); series are capped at
 * {@link ServiceGraphConnector#DEFAULT_MAX_SERIES}, beyond which requests count into an
 * {@code otel.metric.overflow=true} series.
 */
public final class ServiceGraphConnectorFactory implements ConnectorFactory<ServiceGraphConfig> {

  @Override
  public String type() {
    return "servicegraph";
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
  public ServiceGraphConfig parseConfig(ConfigNode node) {
    List<Duration> buckets = ConfigReaders.increasingDurations(node, "latency_histogram_buckets");
    int maxSize = (int) node.longInRange("exponential_histogram_max_size", 0, 0, ExponentialHistogram.MAX_MAX_SIZE);
    if (maxSize > 0 && maxSize < ExponentialHistogram.MIN_MAX_SIZE) {
      node.error("exponential_histogram_max_size", "must be 0 (explicit buckets) or between "
          + ExponentialHistogram.MIN_MAX_SIZE + " and " + ExponentialHistogram.MAX_MAX_SIZE + ", got " + maxSize);
      maxSize = 0;
    }
    if (maxSize > 0 && buckets != null) {
      node.error("exponential_histogram_max_size", "use either latency_histogram_buckets or "
          + "exponential_histogram_max_size, not both");
      maxSize = 0;
    }
    List<String> dimensions = node.stringList("dimensions");
    ConfigNode store = node.child("store");
    Duration ttl = positive(store, "ttl", ServiceGraphConfig.DEFAULT_TTL);
    int maxItems = store.intAtLeast("max_items", ServiceGraphConfig.DEFAULT_MAX_ITEMS, 1);
    // otelcol replaces a zero loop interval by its default.
    Duration cacheLoop = orDefault(node.nonNegativeDuration("cache_loop", ServiceGraphConfig.DEFAULT_CACHE_LOOP),
        ServiceGraphConfig.DEFAULT_CACHE_LOOP);
    Duration expirationLoop = orDefault(node.nonNegativeDuration("store_expiration_loop",
        ServiceGraphConfig.DEFAULT_STORE_EXPIRATION_LOOP), ServiceGraphConfig.DEFAULT_STORE_EXPIRATION_LOOP);
    List<String> peers = node.raw("virtual_node_peer_attributes") == null
        ? ServiceGraphConfig.DEFAULT_PEER_ATTRIBUTES : node.stringList("virtual_node_peer_attributes");
    boolean extraLabel = node.bool("virtual_node_extra_label", false);
    Duration flush = node.nonNegativeDuration("metrics_flush_interval", ServiceGraphConfig.DEFAULT_FLUSH_INTERVAL);
    Duration offset = node.nonNegativeDuration("metrics_timestamp_offset", Duration.ZERO);
    List<String> dbAttributes = new ArrayList<>();
    String legacy = node.string("database_name_attribute", null);
    if (legacy != null && !legacy.isEmpty()) {
      dbAttributes.add(legacy);
    }
    dbAttributes.addAll(node.stringList("database_name_attributes"));
    if (dbAttributes.isEmpty()) {
      dbAttributes.addAll(ServiceGraphConfig.DEFAULT_DATABASE_NAME_ATTRIBUTES);
    }
    // Deprecated in otelcol and without effect there: the metrics go where the pipelines say.
    node.string("metrics_exporter", null);
    return new ServiceGraphConfig(maxSize > 0 ? null : (buckets == null ? ServiceGraphConfig.DEFAULT_BUCKETS : buckets),
        maxSize, dimensions, ttl, maxItems, cacheLoop, expirationLoop, peers, extraLabel, flush, offset,
        List.copyOf(new java.util.LinkedHashSet<>(dbAttributes)));
  }

  private static Duration positive(ConfigNode node, String key, Duration def) {
    JsonNode raw = node.raw(key);
    Duration d = node.duration(key, def);
    if (raw != null && (d.isZero() || d.isNegative())) {
      node.error(key, "must be positive, got " + raw.asText());
      return def;
    }
    return d;
  }

  private static Duration orDefault(Duration d, Duration def) {
    return d.isZero() ? def : d;
  }

  @Override
  public Connector create(ComponentSettings settings, ServiceGraphConfig config,
      dev.traceyard.collector.consumer.Consumer next) {
    return new ServiceGraphConnector(settings, config, next, Clock.systemUTC(), true,
        ServiceGraphConnector.DEFAULT_MAX_SERIES);
  }
}
