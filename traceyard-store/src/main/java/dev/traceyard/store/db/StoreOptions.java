package dev.traceyard.store.db;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link Store} is opened. {@code clock} decides partitions and retention (tests inject one);
 * the intervals are tunable so tests need not wait for the production cadence.
 *
 * @param queueItems spans + log records + metric points waiting to be written before new batches are refused
 * @param checkpointThreshold DuckDB's {@code checkpoint_threshold}: the write-ahead log size at which a
 *     partition's changes are written into its file, e.g. {@code 256MB}
 * @param queueFullWait how long a batch that does not fit waits for the writer to make room before it is
 *     refused (zero: refused at once)
 * @param memoryLimit DuckDB's {@code memory_limit}, e.g. {@code 1GB}
 * @param spanMetricsFlushInterval how often the per-minute RED aggregates are written (they are also
 *     written on {@link Store#flush} and at shutdown)
 * @param maintenanceInterval how often retention runs and idle partitions release their appenders
 * @param duckdbThreads DuckDB's {@code threads} (worker threads for queries and appender flushes);
 *     {@link #AUTO_THREADS} picks {@link #autoThreads} of the machine's cores
 */
public record StoreOptions(
    Path dataDir,
    Duration retention,
    long queueItems,
    String memoryLimit,
    Clock clock,
    Duration spanMetricsFlushInterval,
    Duration maintenanceInterval,
    String checkpointThreshold,
    Duration queueFullWait,
    int duckdbThreads) {

  public static final Duration DEFAULT_RETENTION = Duration.ofHours(72);
  public static final long DEFAULT_QUEUE_ITEMS = 200_000;
  public static final String DEFAULT_MEMORY_LIMIT = "1GB";
  /**
   * DuckDB's default (16MB) checkpoints a partition being written every few seconds at full speed,
   * and each checkpoint compresses the tables' last row group again and leaves its old blocks free in
   * the file: 256MB cut the store writer's CPU per span by ~15% and DuckDB's own threads' by half
   * (docs/benchmarks.md). The price: up to that much log to replay after a crash, and as much
   * uncheckpointed data in DuckDB's memory (within memory_limit).
   */
  public static final String DEFAULT_CHECKPOINT_THRESHOLD = "256MB";
  /**
   * Long enough to ride out one write group's commit (a full queue usually frees room within tens of
   * milliseconds), short against the clients' export timeouts (10 s in the OpenTelemetry SDKs).
   */
  public static final Duration DEFAULT_QUEUE_FULL_WAIT = Duration.ofSeconds(1);

  /** {@link #duckdbThreads} chosen from the machine: {@link #autoThreads}. */
  public static final int AUTO_THREADS = 0;

  /**
   * Half the cores, at least one. DuckDB's worker threads speed up a search over many partitions,
   * but the store writer's appender flushes run as parallel pipelines whose calling thread polls for
   * tasks while the workers run them: on two cores that polling was ~0.8 us of CPU per stored span
   * (6% of the server's) taken from the receivers, for searches that stay well inside their targets
   * on one thread (docs/benchmarks.md).
   */
  public static int autoThreads(int cores) {
    return Math.max(1, cores / 2);
  }

  /** The DuckDB thread count these options ask for, {@link #AUTO_THREADS} resolved. */
  public int resolvedDuckdbThreads() {
    return duckdbThreads == AUTO_THREADS ? autoThreads(Runtime.getRuntime().availableProcessors()) : duckdbThreads;
  }

  public StoreOptions withDuckdbThreads(int threads) {
    return new StoreOptions(dataDir, retention, queueItems, memoryLimit, clock,
        spanMetricsFlushInterval, maintenanceInterval, checkpointThreshold, queueFullWait, threads);
  }

  public StoreOptions {
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(retention, "retention");
    Objects.requireNonNull(memoryLimit, "memoryLimit");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(spanMetricsFlushInterval, "spanMetricsFlushInterval");
    Objects.requireNonNull(maintenanceInterval, "maintenanceInterval");
    Objects.requireNonNull(checkpointThreshold, "checkpointThreshold");
    Objects.requireNonNull(queueFullWait, "queueFullWait");
    if (queueFullWait.isNegative()) {
      throw new IllegalArgumentException("queueFullWait must not be negative");
    }
    if (retention.compareTo(Partitioning.PARTITION) < 0) {
      throw new IllegalArgumentException("retention must be at least " + Partitioning.PARTITION.toHours() + "h (one partition)");
    }
    if (duckdbThreads < 0) {
      throw new IllegalArgumentException("duckdbThreads must not be negative");
    }
    if (queueItems < 1) {
      throw new IllegalArgumentException("queueItems must be positive");
    }
  }

  public static StoreOptions defaults(Path dataDir) {
    return new StoreOptions(dataDir, DEFAULT_RETENTION, DEFAULT_QUEUE_ITEMS, DEFAULT_MEMORY_LIMIT, Clock.systemUTC(),
        Duration.ofSeconds(5), Duration.ofMinutes(1), DEFAULT_CHECKPOINT_THRESHOLD, DEFAULT_QUEUE_FULL_WAIT,
        AUTO_THREADS);
  }

  public StoreOptions withRetention(Duration d) {
    return new StoreOptions(dataDir, d, queueItems, memoryLimit, clock,
        spanMetricsFlushInterval, maintenanceInterval, checkpointThreshold, queueFullWait, duckdbThreads);
  }

  public StoreOptions withQueueItems(long n) {
    return new StoreOptions(dataDir, retention, n, memoryLimit, clock,
        spanMetricsFlushInterval, maintenanceInterval, checkpointThreshold, queueFullWait, duckdbThreads);
  }

  public StoreOptions withMemoryLimit(String limit) {
    return new StoreOptions(dataDir, retention, queueItems, limit, clock,
        spanMetricsFlushInterval, maintenanceInterval, checkpointThreshold, queueFullWait, duckdbThreads);
  }

  public StoreOptions withClock(Clock c) {
    return new StoreOptions(dataDir, retention, queueItems, memoryLimit, c,
        spanMetricsFlushInterval, maintenanceInterval, checkpointThreshold, queueFullWait, duckdbThreads);
  }

  public StoreOptions withSpanMetricsFlushInterval(Duration d) {
    return new StoreOptions(dataDir, retention, queueItems, memoryLimit, clock,
        d, maintenanceInterval, checkpointThreshold, queueFullWait, duckdbThreads);
  }

  public StoreOptions withMaintenanceInterval(Duration d) {
    return new StoreOptions(dataDir, retention, queueItems, memoryLimit, clock,
        spanMetricsFlushInterval, d, checkpointThreshold, queueFullWait, duckdbThreads);
  }

  public StoreOptions withQueueFullWait(Duration d) {
    return new StoreOptions(dataDir, retention, queueItems, memoryLimit, clock, spanMetricsFlushInterval,
        maintenanceInterval, checkpointThreshold, d, duckdbThreads);
  }

  public StoreOptions withCheckpointThreshold(String size) {
    return new StoreOptions(dataDir, retention, queueItems, memoryLimit, clock,
        spanMetricsFlushInterval, maintenanceInterval, size, queueFullWait, duckdbThreads);
  }
}
