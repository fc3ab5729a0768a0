package dev.traceyard.store;

import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Exporter;
import dev.traceyard.collector.component.ExporterFactory;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.config.Durations;
import dev.traceyard.collector.config.HostPort;
import dev.traceyard.store.db.Partitioning;
import dev.traceyard.store.db.Store;
import dev.traceyard.store.db.StoreOptions;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/** Makes {@code traceyard} exporters: the embedded store and its query API. */
public final class TraceyardExporterFactory implements ExporterFactory<TraceyardExporterConfig> {
  public static final String TYPE = "traceyard";
  private static final Duration MAX_QUEUE_FULL_WAIT = Duration.ofSeconds(5);
  private static final Duration MAX_QUERY_WARM_UP = Duration.ofMinutes(10);

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public Set<Signal> signals() {
    return EnumSet.allOf(Signal.class);
  }

  @Override
  public TraceyardExporterConfig parseConfig(ConfigNode node) {
    String dir = node.string("data_dir", TraceyardExporterConfig.DEFAULT_DATA_DIR);
    Path dataDir = Path.of(TraceyardExporterConfig.DEFAULT_DATA_DIR);
    if (dir == null || dir.isBlank()) {
      node.error("data_dir", "must not be empty");
    } else {
      try {
        dataDir = Path.of(dir);
      } catch (InvalidPathException e) {
        node.error("data_dir", "invalid path '" + dir + "': " + e.getReason());
      }
    }
    Duration retention = node.duration("retention", StoreOptions.DEFAULT_RETENTION);
    if (retention.compareTo(Partitioning.PARTITION) < 0) {
      node.error("retention", "must be at least " + Durations.format(Partitioning.PARTITION)
          + " (data is kept in hourly partitions), got " + Durations.format(retention));
      retention = StoreOptions.DEFAULT_RETENTION;
    }
    long queueSize = node.longInRange("queue_size", StoreOptions.DEFAULT_QUEUE_ITEMS, 1, 100_000_000);
    // Longer would outlast the clients' export timeouts: they would give up and send again anyway.
    Duration queueFullWait = durationAtMost(node, "queue_full_wait", StoreOptions.DEFAULT_QUEUE_FULL_WAIT,
        MAX_QUEUE_FULL_WAIT);
    String memoryLimit = node.string("memory_limit", StoreOptions.DEFAULT_MEMORY_LIMIT);
    if (!Store.validSize(memoryLimit)) {
      node.error("memory_limit", "invalid size '" + memoryLimit + "' (e.g. 512MB, 2GB)");
      memoryLimit = StoreOptions.DEFAULT_MEMORY_LIMIT;
    }
    String checkpointThreshold = node.string("checkpoint_threshold", StoreOptions.DEFAULT_CHECKPOINT_THRESHOLD);
    if (!Store.validSize(checkpointThreshold)) {
      node.error("checkpoint_threshold", "invalid size '" + checkpointThreshold + "' (e.g. 16MB, 256MB)");
      checkpointThreshold = StoreOptions.DEFAULT_CHECKPOINT_THRESHOLD;
    }
    int duckdbThreads = (int) node.longInRange("duckdb_threads", StoreOptions.AUTO_THREADS, 0, 256);
    ConfigNode query = node.child("query");
    boolean enabled = query.bool("enabled", true);
    HostPort endpoint = HostPort.read(query, "endpoint", TraceyardExporterConfig.DEFAULT_QUERY_ENDPOINT);
    Duration warmUp = durationAtMost(query, "warm_up", TraceyardExporterConfig.DEFAULT_QUERY_WARM_UP,
        MAX_QUERY_WARM_UP);
    return new TraceyardExporterConfig(dataDir, retention, queueSize, queueFullWait, memoryLimit, checkpointThreshold,
        duckdbThreads, enabled, endpoint, warmUp);
  }

  /** A non-negative duration up to {@code max}; beyond it, a config error and the default. */
  private static Duration durationAtMost(ConfigNode node, String key, Duration defaultValue, Duration max) {
    Duration d = node.nonNegativeDuration(key, defaultValue);
    if (d.compareTo(max) > 0) {
      node.error(key, "must be at most " + Durations.format(max) + ", got " + Durations.format(d));
      return defaultValue;
    }
    return d;
  }

  @Override
  public Exporter create(ComponentSettings settings, TraceyardExporterConfig config) {
    StoreOptions options = StoreOptions.defaults(config.dataDir())
        .withRetention(config.retention())
        .withQueueItems(config.queueSize())
        .withQueueFullWait(config.queueFullWait())
        .withMemoryLimit(config.memoryLimit())
        .withCheckpointThreshold(config.checkpointThreshold())
        .withDuckdbThreads(config.duckdbThreads());
    return new TraceyardExporter(settings, config, options);
  }
}
