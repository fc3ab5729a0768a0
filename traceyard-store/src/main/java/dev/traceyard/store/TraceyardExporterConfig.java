package dev.traceyard.store;

import dev.traceyard.collector.config.HostPort;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Config of the {@code traceyard} exporter.
 *
 * @param dataDir where partitions live ({@code data_dir}, default {@code ./data})
 * @param retention how long data is kept ({@code retention}, default 72h, at least 1h)
 * @param queueSize items waiting to be written before batches are refused ({@code queue_size})
 * @param queueFullWait how long a batch waits for room in a full queue before it is refused ({@code queue_full_wait},
 *     default 1s, 0 refuses at once)
 * @param memoryLimit DuckDB memory limit ({@code memory_limit}, default 1GB)
 * @param checkpointThreshold DuckDB write-ahead log size at which a partition is checkpointed
 *     ({@code checkpoint_threshold}, default 256MB)
 * @param duckdbThreads DuckDB worker threads ({@code duckdb_threads}, default 0 = half the cores, at least 1)
 * @param queryEnabled whether the query API is served ({@code query.enabled}, default true)
 * @param queryEndpoint where the query API listens ({@code query.endpoint}, default localhost:16686)
 * @param queryWarmUp how long, at most, stored traces are looked up in the background after a start so
 *     that users' first lookups are not slow ({@code query.warm_up}, default 10s, 0 = none)
 */
public record TraceyardExporterConfig(Path dataDir, Duration retention, long queueSize, Duration queueFullWait,
    String memoryLimit, String checkpointThreshold, int duckdbThreads, boolean queryEnabled, HostPort queryEndpoint,
    Duration queryWarmUp) {

  public static final String DEFAULT_DATA_DIR = "./data";
  public static final HostPort DEFAULT_QUERY_ENDPOINT = HostPort.of("localhost", 16686);
  public static final Duration DEFAULT_QUERY_WARM_UP = Duration.ofSeconds(10);

  public TraceyardExporterConfig {
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(retention, "retention");
    Objects.requireNonNull(queueFullWait, "queueFullWait");
    Objects.requireNonNull(memoryLimit, "memoryLimit");
    Objects.requireNonNull(checkpointThreshold, "checkpointThreshold");
    Objects.requireNonNull(queryEndpoint, "queryEndpoint");
    Objects.requireNonNull(queryWarmUp, "queryWarmUp");
  }
}
