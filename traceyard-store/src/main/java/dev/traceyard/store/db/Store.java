package dev.traceyard.store.db;

import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.duckdb.DuckDBConnection;
import org.slf4j.Logger;

/**
 * The embedded trace store: one DuckDB instance (in memory) with one attached database file per
 * hourly partition under {@code <data_dir>/partitions}, a single writer thread, and a pool of read
 * connections for queries. The data directory is locked for the life of the store.
 */
public final class Store implements AutoCloseable {
  static final String PARTITIONS_DIR = "partitions";
  private static final int READ_CONNECTIONS = 4;
  private static final int BLOCK_SIZE = 64 * 1024;
  private static final String COMPACTING = ".compacting";
  private static final Pattern SIZE = Pattern.compile("\\d+(\\.\\d+)?\\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)",
      Pattern.CASE_INSENSITIVE);

  private final StoreOptions options;
  private final Logger log;
  private final DataDirLock lock;
  private final Path partitionDir;
  private final DuckDBConnection root;
  /** Attach, detach, compaction (DDL, auto-commit). */
  private final DuckDBConnection writerConn;
  /** The writer's appenders; no auto-commit, one commit per write group. */
  private final DuckDBConnection appendConn;
  private final ConnectionPool pool;
  private final Partitions partitions = new Partitions();
  /** Hours whose partition file has been compacted (writer thread only). */
  private final Set<Long> compacted = new HashSet<>();
  private final AtomicLong committedSeq = new AtomicLong();
  private final StoreMetrics metrics;
  private final StoreWriter writer;
  private volatile boolean closed;

  private Store(StoreOptions options, Logger log, DataDirLock lock, Path partitionDir, DuckDBConnection root,
      StoreMetrics metrics) throws SQLException {
    this.options = options;
    this.log = log;
    this.lock = lock;
    this.partitionDir = partitionDir;
    this.root = root;
    this.writerConn = root.duplicate();
    this.appendConn = root.duplicate();
    this.pool = new ConnectionPool(root, READ_CONNECTIONS);
    this.metrics = metrics;
    this.writer = new StoreWriter(this, appendConn, options, metrics, log, committedSeq);
  }

  /**
   * True when {@code size} is a size DuckDB accepts for {@code memory_limit} or
   * {@code checkpoint_threshold}, e.g. {@code 512MB}.
   */
  public static boolean validSize(String size) {
    return SIZE.matcher(size.trim()).matches();
  }

  /**
   * Locks the data directory, attaches its partitions, runs retention and starts the writer.
   *
   * @throws StoreException when the directory is in use by another process or cannot be opened
   */
  public static Store open(StoreOptions options, SelfTelemetry telemetry, ComponentId id, Logger log)
      throws StoreException {
    if (!validSize(options.memoryLimit())) {
      throw new StoreException("invalid memory limit '" + options.memoryLimit() + "' (e.g. 512MB, 2GB)");
    }
    if (!validSize(options.checkpointThreshold())) {
      throw new StoreException("invalid checkpoint threshold '" + options.checkpointThreshold()
          + "' (e.g. 16MB, 256MB)");
    }
    Path dataDir = options.dataDir();
    Path partitionDir = dataDir.resolve(PARTITIONS_DIR);
    try {
      Files.createDirectories(partitionDir);
    } catch (IOException e) {
      throw new StoreException("cannot create data directory " + dataDir.toAbsolutePath() + ": " + e, e);
    }
    DataDirLock lock = DataDirLock.acquire(dataDir);
    DuckDBConnection root = null;
    Store store = null;
    try {
      root = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:");
      try (Statement s = root.createStatement()) {
        s.execute("SET memory_limit = '" + options.memoryLimit().trim() + "'");
        s.execute("SET checkpoint_threshold = '" + options.checkpointThreshold().trim() + "'");
        Path tmp = dataDir.resolve("tmp").toAbsolutePath();
        s.execute("SET temp_directory = '" + tmp.toString().replace("'", "''") + "'");
        // Never reach out to the network for extensions from inside a collector.
        s.execute("SET autoinstall_known_extensions = false");
        s.execute("SET autoload_known_extensions = false");
        s.execute("SET threads = " + options.resolvedDuckdbThreads());
      }
      store = new Store(options, log, lock, partitionDir, root, new StoreMetrics(telemetry, id));
      store.attachExisting();
      store.committedSeq.set(store.maxSeq());
      store.writer.retentionNow();
      Store opened = store;
      store.metrics.gauges(() -> opened.partitions.size(), opened::diskBytes);
      store.writer.start();
      return store;
    } catch (SQLException | RuntimeException e) {
      if (store != null) {
        store.closeResources();
      } else if (root != null) {
        try {
          root.close();
        } catch (SQLException ignored) {
          // already failing
        }
      }
      lock.close();
      throw new StoreException("cannot open the store in " + dataDir.toAbsolutePath() + ": " + e.getMessage(), e);
    }
  }

  public StoreOptions options() {
    return options;
  }

  public Clock clock() {
    return options.clock();
  }

  public Partitions partitions() {
    return partitions;
  }

  public ConnectionPool pool() {
    return pool;
  }

  /** The last write group whose rows are all committed: rows with {@code seq <= committedSeq} form a stable snapshot. */
  public long committedSeq() {
    return committedSeq.get();
  }

  /** Items queued for writing. */
  public long pendingItems() {
    return writer.pendingItems();
  }

  /** What {@link #offer} did with a batch. */
  public enum Offer { ACCEPTED, FULL, CLOSED }

  /**
   * The outcome of {@link #offer}: when accepted, {@code rejected} items of the batch (with the
   * first {@code reason}) are refused as invalid and will not be stored.
   */
  public record OfferResult(Offer offer, long rejected, String reason) {}

  /**
   * Queues a batch for writing; when the queue is full, waits at most the options' {@code queueFullWait}
   * for room before refusing it.
   */
  public OfferResult offer(Batch batch) {
    BatchValidator.Result r = BatchValidator.check(batch);
    switch (writer.offer(batch)) {
      case ACCEPTED:
        if (r.invalid() > 0) {
          metrics.rejected("invalid_id", r.invalid());
        }
        return new OfferResult(Offer.ACCEPTED, r.invalid(), r.reason());
      case FULL:
        metrics.exporter().enqueueFailed(batch.signal(), batch.itemCount());
        return new OfferResult(Offer.FULL, 0, "");
      default:
        return new OfferResult(Offer.CLOSED, 0, "");
    }
  }

  /** The queue's capacity in items. */
  public long queueCapacity() {
    return options.queueItems();
  }

  /** Writes everything queued so far (and the RED aggregates); for tests and orderly hand-offs. */
  public void flush(Duration timeout) throws TimeoutException {
    try {
      writer.sync().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  /** Registers the queue gauges of the exporter owning this store. */
  public void registerQueueGauges() {
    metrics.exporter().queue(writer::pendingItems, options::queueItems);
  }

  /** Writes what is queued (waiting at most {@code timeout}), then closes the database and releases the directory. */
  public void close(Duration timeout) {
    if (closed) {
      return;
    }
    closed = true;
    writer.close(timeout);
    closeResources();
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(30));
  }

  private void closeResources() {
    pool.close();
    try {
      appendConn.close();
    } catch (SQLException e) {
      log.warn("closing the store's append connection failed: {}", e.toString());
    }
    try {
      writerConn.close();
    } catch (SQLException e) {
      log.warn("closing the store's writer connection failed: {}", e.toString());
    }
    try {
      // Closing the last connection checkpoints every attached partition.
      root.close();
    } catch (SQLException e) {
      log.warn("closing the store failed: {}", e.toString());
    }
    lock.close();
  }

  // ------------------------------------------------------------------ partition lifecycle (writer thread)

  private void attachExisting() throws SQLException {
    // A compaction interrupted by a crash leaves its half-written copy behind; the original is intact.
    try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(partitionDir, "*" + COMPACTING + "*")) {
      for (Path f : leftovers) {
        Files.deleteIfExists(f);
      }
    } catch (IOException e) {
      throw new SQLException("cannot clean up " + partitionDir + ": " + e, e);
    }
    List<Long> hours = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(partitionDir, "*.duckdb")) {
      for (Path f : files) {
        long hour = Partitioning.parseFileName(f.getFileName().toString());
        if (hour >= 0) {
          hours.add(hour);
        }
      }
    } catch (IOException e) {
      throw new SQLException("cannot list " + partitionDir + ": " + e, e);
    }
    hours.sort(null);
    for (long hour : hours) {
      try {
        attach(hour);
      } catch (SQLException e) {
        // A damaged file (or one of an older layout) must not keep the store from starting; it is kept
        // aside for inspection.
        Path f = partitionDir.resolve(Partitioning.fileName(hour));
        Path aside = f.resolveSibling(f.getFileName() + ".damaged-" + System.currentTimeMillis());
        log.error("partition {} cannot be opened ({}); moved aside to {}", f, e.getMessage(), aside.getFileName());
        try {
          Files.move(f, aside);
          Path wal = f.resolveSibling(f.getFileName() + ".wal");
          if (Files.exists(wal)) {
            Files.move(wal, wal.resolveSibling(aside.getFileName() + ".wal"));
          }
        } catch (IOException io) {
          throw new SQLException("partition " + f + " cannot be opened and cannot be moved aside: " + io, e);
        }
      }
    }
  }

  /** Attaches (creating when needed) the partition of {@code hour}. Writer thread only. */
  Partition attach(long hour) throws SQLException {
    try (Partitions.Lease lease = partitions.lease()) {
      for (Partition p : lease.all()) {
        if (p.hour() == hour) {
          return p;
        }
      }
    }
    String alias = Partitioning.alias(hour);
    Path file = partitionDir.resolve(Partitioning.fileName(hour));
    boolean create = !Files.exists(file);
    try (Statement s = writerConn.createStatement()) {
      // 64 KiB blocks instead of DuckDB's 256 KiB: an hour of light traffic fills few blocks, and the
      // partly filled last block of each of a partition's tables is most of a small partition's size.
      s.execute("ATTACH '" + file.toAbsolutePath().toString().replace("'", "''") + "' AS " + alias
          + (create ? " (BLOCK_SIZE " + BLOCK_SIZE + ")" : ""));
      try {
        if (!create) {
          checkLayout(s, alias);
        }
        for (String ddl : Schema.ddl(alias)) {
          s.execute(ddl);
        }
        for (String ddl : Schema.views(alias)) {
          s.execute(ddl);
        }
        s.execute("INSERT INTO " + alias + ".histogram_bounds SELECT " + SpanMetricsAggregator.BOUNDS_ID + ", "
            + boundsLiteral() + " WHERE NOT EXISTS (SELECT 1 FROM " + alias + ".histogram_bounds WHERE bounds_id = "
            + SpanMetricsAggregator.BOUNDS_ID + ")");
      } catch (SQLException e) {
        s.execute("DETACH " + alias);
        throw e;
      }
    }
    Partition p = new Partition(hour, alias, file);
    if (isCompacted(alias)) {
      compacted.add(hour);
    }
    partitions.add(p);
    return p;
  }

  /** Refuses a partition of an older layout (or a foreign DuckDB file): it is moved aside at start. */
  private static void checkLayout(Statement s, String alias) throws SQLException {
    boolean hasTables;
    try (ResultSet r = s.executeQuery("SELECT count(*) FROM duckdb_tables() WHERE database_name = '" + alias + "'")) {
      r.next();
      hasTables = r.getLong(1) > 0;
    }
    if (!hasTables) {
      return; // created but never written (e.g. a crash right after ATTACH)
    }
    try (ResultSet r = s.executeQuery(Schema.layoutCheck(alias))) {
      r.next();
      if (r.getLong(1) == 0) {
        throw new SQLException("written with an older storage layout (span attributes without the"
            + " span_attr_values dictionary), which this version does not read");
      }
    }
  }

  private boolean isCompacted(String alias) throws SQLException {
    try (Statement s = writerConn.createStatement();
        ResultSet r = s.executeQuery("SELECT count(*) FROM duckdb_tables() WHERE database_name = '" + alias
            + "' AND table_name = '" + Schema.COMPACTED + "'")) {
      r.next();
      return r.getLong(1) > 0;
    }
  }

  boolean isCompacted(Partition p) {
    return compacted.contains(p.hour());
  }

  /**
   * Rewrites a partition that no longer takes regular writes into a fresh file and swaps it in.
   * While an hour is being written, each DuckDB checkpoint rewrites the tables' last row group and
   * leaves the old blocks free inside the file (about a third of it at the default 16 MB WAL
   * threshold); the copy has none of that, and its trace index is sorted by trace id so lookups by id
   * skip most of it. Writer thread only; the writer's appenders for the partition must be closed.
   */
  void compact(Partition p) throws SQLException, IOException {
    Path tmp = p.file().resolveSibling(p.file().getFileName() + COMPACTING);
    Path tmpWal = tmp.resolveSibling(tmp.getFileName() + ".wal");
    Files.deleteIfExists(tmp);
    Files.deleteIfExists(tmpWal);
    String c = "c" + p.alias();
    try (Statement s = writerConn.createStatement()) {
      s.execute("ATTACH '" + tmp.toAbsolutePath().toString().replace("'", "''") + "' AS " + c
          + " (BLOCK_SIZE " + BLOCK_SIZE + ")");
      try {
        for (String t : Schema.TABLES) {
          s.execute("CREATE TABLE " + c + "." + t + " AS SELECT * FROM " + p.alias() + "." + t + compactionOrder(t));
        }
        for (String ddl : Schema.views(c)) {
          s.execute(ddl);
        }
        s.execute("CREATE TABLE " + c + "." + Schema.COMPACTED + " AS SELECT " + Partitioning.nanos(
            options.clock().instant()) + "::BIGINT AS at_ns");
        s.execute("CHECKPOINT " + c);
      } finally {
        s.execute("DETACH " + c);
      }
    } catch (SQLException e) {
      Files.deleteIfExists(tmp);
      Files.deleteIfExists(tmpWal);
      throw e;
    }
    SQLException[] failed = new SQLException[1];
    boolean swapped;
    try {
      swapped = partitions.exclusively(5_000, () -> {
        try (Statement s = writerConn.createStatement()) {
          s.execute("DETACH " + p.alias());
          try {
            Files.move(tmp, p.file(), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
            Files.deleteIfExists(p.file().resolveSibling(p.file().getFileName() + ".wal"));
          } finally {
            // Re-attached whatever happened, so the partition never disappears from queries.
            s.execute("ATTACH '" + p.file().toAbsolutePath().toString().replace("'", "''") + "' AS " + p.alias());
          }
        } catch (SQLException e) {
          failed[0] = e;
        } catch (IOException e) {
          failed[0] = new SQLException("cannot replace " + p.file() + ": " + e, e);
        }
      });
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      swapped = false;
    }
    Files.deleteIfExists(tmp);
    Files.deleteIfExists(tmpWal);
    if (failed[0] != null) {
      throw failed[0];
    }
    if (swapped) {
      compacted.add(p.hour());
    }
  }

  /**
   * Row order of a compacted table: the trace index by trace id (lookups by id then skip most of it
   * by zone maps). Spans and their attributes keep their insertion order, which is sid order (sids
   * are handed out in append order) and, within a span, the attributes' original order: DuckDB keeps
   * insertion order through CREATE TABLE AS SELECT (preserve_insertion_order, on by default), and
   * sorting 10M spans' attribute rows again would take most of a compaction's time and memory.
   */
  private static String compactionOrder(String table) {
    return table.equals("trace_index") ? " ORDER BY trace_hi, trace_lo, seq" : "";
  }

  private static String boundsLiteral() {
    StringBuilder b = new StringBuilder("[");
    for (double d : SpanMetricsAggregator.BOUNDS_MS) {
      if (b.length() > 1) {
        b.append(", ");
      }
      b.append(d);
    }
    return b.append("]::DOUBLE[]").toString();
  }

  /** Detaches and deletes a partition once no query uses it. Writer thread only. */
  boolean drop(Partition p) {
    try {
      boolean removed = partitions.remove(p, 5_000, () -> {
        try (Statement s = writerConn.createStatement()) {
          s.execute("DETACH " + p.alias());
        } catch (SQLException e) {
          throw new IllegalStateException("DETACH " + p.alias() + ": " + e.getMessage(), e);
        }
      });
      if (!removed) {
        return false;
      }
      compacted.remove(p.hour());
      Files.deleteIfExists(p.file());
      Files.deleteIfExists(p.file().resolveSibling(p.file().getFileName() + ".wal"));
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (IOException e) {
      throw new IllegalStateException("cannot delete " + p.file() + ": " + e, e);
    }
  }

  private long maxSeq() throws SQLException {
    long max = 0;
    try (Partitions.Lease lease = partitions.lease(); Statement s = writerConn.createStatement()) {
      for (Partition p : lease.all()) {
        String a = p.alias();
        try (ResultSet r = s.executeQuery("SELECT greatest((SELECT coalesce(max(seq), 0) FROM " + a + ".spans),"
            + " (SELECT coalesce(max(seq), 0) FROM " + a + ".trace_index),"
            + " (SELECT coalesce(max(seq), 0) FROM " + a + ".logs),"
            + " (SELECT coalesce(max(seq), 0) FROM " + a + ".metric_points))")) {
          r.next();
          max = Math.max(max, r.getLong(1));
        }
      }
    }
    return max;
  }

  private double diskBytes() {
    long total = 0;
    try (DirectoryStream<Path> files = Files.newDirectoryStream(partitionDir)) {
      for (Path f : files) {
        try {
          total += Files.size(f);
        } catch (IOException e) {
          // a file deleted by retention meanwhile
        }
      }
    } catch (IOException e) {
      return Double.NaN;
    }
    return total;
  }
}
