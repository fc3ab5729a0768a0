package dev.traceyard.store.db;

import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.Durations;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.LogBatch;
import dev.traceyard.collector.data.MetricBatch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.telemetry.RateLimitedLogger;
import dev.traceyard.store.codec.OtlpValuesJson;
import dev.traceyard.store.query.Ids;
import dev.traceyard.store.query.TraceId;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.SummaryDataPoint;
import java.io.IOException;
import java.nio.file.Files;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.duckdb.DuckDBConnection;
import org.slf4j.Logger;

/**
 * The store's single writer: a thread fed by a bounded queue (bounded in items, so memory is bounded
 * whatever the batch sizes). It drains what is queued into one write group, appends the rows of the
 * group to the partitions they belong to and commits them together, so under load each commit
 * carries many batches. It also owns the partition lifecycle (create, retention) and the RED
 * aggregates, so none of those need locks against writes.
 */
final class StoreWriter {
  /** Upper bound of one write group, so one commit never holds more than this in appender buffers. */
  private static final int GROUP_MAX_ITEMS = 50_000;
  /**
   * A group takes at most half the queue: the queue counts the group being written until it is
   * committed, so the other half keeps accepting batches meanwhile instead of refusing them all.
   */
  private final long groupMaxItems;
  private static final long POLL_MILLIS = 50;
  /** How long after its hour a partition is considered complete and compacted. */
  static final Duration COMPACTION_GRACE = Duration.ofMinutes(10);

  private sealed interface Task permits ItemsTask, SyncTask {}

  /** Queued telemetry: what it counts against the queue and, when it cannot be written, as failed. */
  private sealed interface ItemsTask extends Task permits BatchTask, SpansTask {
    Signal signal();

    int items();
  }

  private record BatchTask(Batch batch) implements ItemsTask {
    @Override
    public Signal signal() {
      return batch.signal();
    }

    @Override
    public int items() {
      return batch.itemCount();
    }
  }

  /** A trace batch as queued: its storable spans in compact form ({@link QueuedSpan}), and its item count. */
  private record SpansTask(QueuedSpan[] spans, int items) implements ItemsTask {
    @Override
    public Signal signal() {
      return Signal.TRACES;
    }
  }

  private record SyncTask(CompletableFuture<Void> done) implements Task {}

  enum Offer { ACCEPTED, FULL, CLOSED }

  private final Store store;
  private final DuckDBConnection conn;
  private final WriteTransaction tx;
  private final StoreOptions options;
  private final StoreMetrics metrics;
  private final Logger log;
  private final RateLimitedLogger warn;
  private final LinkedBlockingQueue<Task> queue = new LinkedBlockingQueue<>();
  private final AtomicLong pendingItems = new AtomicLong();
  /** Offering threads waiting for room (see {@link #offer}); the writer only signals when there are some. */
  private final AtomicInteger waitingForRoom = new AtomicInteger();
  private final Object room = new Object();
  private final Map<Long, PartitionWriter> writers = new HashMap<>();
  private final SpanMetricsAggregator red = new SpanMetricsAggregator();
  private final QueuedSpan.Interner interner = new QueuedSpan.Interner();
  private final AtomicLong committedSeq;
  private final Thread thread;
  private volatile boolean closed;
  private volatile boolean stop;

  StoreWriter(Store store, DuckDBConnection conn, StoreOptions options, StoreMetrics metrics, Logger log,
      AtomicLong committedSeq) {
    this.store = store;
    this.conn = conn;
    this.tx = new WriteTransaction(conn);
    this.options = options;
    this.metrics = metrics;
    this.log = log;
    this.warn = new RateLimitedLogger(log, Duration.ofSeconds(10));
    this.committedSeq = committedSeq;
    this.groupMaxItems = Math.max(1, Math.min(GROUP_MAX_ITEMS, options.queueItems() / 2));
    this.thread = new Thread(this::run, "traceyard-store-writer");
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  long pendingItems() {
    return pendingItems.get();
  }

  /**
   * Queues a batch unless that would exceed the queue's item capacity (an oversized batch fits an empty
   * queue). When it does not fit, the calling thread waits up to {@code queueFullWait} for the writer
   * to make room: under a sustained overload the receivers then hold requests briefly (gRPC and HTTP
   * flow control slow the clients) instead of refusing them, and each refused request would have been
   * parsed, processed and sent again by its client — work the overloaded machine does not have.
   */
  Offer offer(Batch batch) {
    if (closed) {
      return Offer.CLOSED;
    }
    long n = batch.itemCount();
    if (!reserve(n)) {
      long waitNanos = options.queueFullWait().toNanos();
      if (waitNanos <= 0 || !awaitRoom(n, waitNanos)) {
        return closed ? Offer.CLOSED : Offer.FULL;
      }
      if (closed) { // closed while waiting: the writer may have drained its queue already
        release(n);
        return Offer.CLOSED;
      }
    }
    queue.add(task(batch));
    return Offer.ACCEPTED;
  }

  /** Counts {@code n} items into the queue if they fit. */
  private boolean reserve(long n) {
    while (true) {
      long cur = pendingItems.get();
      if (cur > 0 && cur + n > options.queueItems()) {
        return false;
      }
      if (pendingItems.compareAndSet(cur, cur + n)) {
        return true;
      }
    }
  }

  /** Waits until {@code n} items fit (then reserved) or {@code waitNanos} passed; false when they did not. */
  private boolean awaitRoom(long n, long waitNanos) {
    long deadline = System.nanoTime() + waitNanos;
    waitingForRoom.incrementAndGet();
    try {
      synchronized (room) {
        while (!reserve(n)) {
          long left = deadline - System.nanoTime();
          if (left <= 0 || closed) {
            return false;
          }
          room.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        }
        return true;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      waitingForRoom.decrementAndGet();
    }
  }

  /** Takes written (or failed) items off the queue's count and wakes threads waiting for room. */
  private void release(long items) {
    pendingItems.addAndGet(-items);
    if (waitingForRoom.get() > 0) {
      synchronized (room) {
        room.notifyAll();
      }
    }
  }

  /**
   * What the queue holds for a batch: spans in compact form (converted on the offering thread, so the
   * parsed request can be collected at once); logs and metrics as they came. A span batch that cannot
   * be converted is queued as it is and the writer converts it, counting a failure there as before.
   */
  private Task task(Batch batch) {
    if (batch instanceof TraceBatch) {
      try {
        return new SpansTask(QueuedSpan.of((TraceBatch) batch, interner), batch.itemCount());
      } catch (RuntimeException e) {
        warn.warn("store: cannot prepare {} spans for the write queue, the writer will retry: {}", batch.itemCount(),
            e.toString());
      }
    }
    return new BatchTask(batch);
  }

  /** Completes once everything queued before the call is committed, RED aggregates included. */
  CompletableFuture<Void> sync() {
    CompletableFuture<Void> f = new CompletableFuture<>();
    if (!thread.isAlive()) {
      f.complete(null);
      return f;
    }
    queue.add(new SyncTask(f));
    return f;
  }

  /** Stops taking batches, writes what is queued, and stops the thread (waiting at most {@code timeout}). */
  void close(Duration timeout) {
    closed = true;
    stop = true;
    synchronized (room) {
      room.notifyAll(); // offers waiting for room give up now
    }
    try {
      thread.join(Math.max(1, timeout.toMillis()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      log.warn("the store writer did not finish within {}; {} queued items are lost", timeout, pendingItems.get());
    }
  }

  private void run() {
    long lastRed = System.nanoTime();
    long lastMaintenance = System.nanoTime();
    List<ItemsTask> group = new ArrayList<>();
    List<CompletableFuture<Void>> syncs = new ArrayList<>();
    while (true) {
      try {
        Task t = queue.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
        if (t == null && stop && queue.isEmpty()) {
          break;
        }
        int items = 0;
        while (t != null) {
          if (t instanceof ItemsTask) {
            group.add((ItemsTask) t);
            items += ((ItemsTask) t).items();
          } else {
            syncs.add(((SyncTask) t).done());
          }
          if (items >= groupMaxItems) {
            break;
          }
          t = queue.poll();
        }
        if (!group.isEmpty()) {
          writeGroup(group, items);
          group.clear();
        }
        long now = System.nanoTime();
        if (!syncs.isEmpty() || now - lastRed >= options.spanMetricsFlushInterval().toNanos()) {
          flushRed();
          lastRed = now;
        }
        syncs.forEach(f -> f.complete(null));
        syncs.clear();
        if (now - lastMaintenance >= options.maintenanceInterval().toNanos()) {
          maintenance();
          lastMaintenance = now;
        }
      } catch (InterruptedException e) {
        stop = true;
      } catch (Throwable e) {
        // The writer must outlive any bug; database errors were already handled (and counted) per group.
        warn.warn("store writer error", e);
        group.clear();
      }
    }
    flushRed();
    writers.values().forEach(PartitionWriter::close);
    writers.clear();
    // A batch that raced with close() cannot be written any more: it is counted as failed, not lost silently.
    for (Task t; (t = queue.poll()) != null; ) {
      if (t instanceof SyncTask) {
        ((SyncTask) t).done().complete(null);
      } else {
        ItemsTask q = (ItemsTask) t;
        metrics.exporter().sendFailed(q.signal(), q.items());
        release(q.items());
      }
    }
  }

  /** Runs retention at start, before the thread takes batches. */
  void retentionNow() {
    retention();
  }

  // ------------------------------------------------------------------ writing

  /**
   * Writes one group. A DuckDB transaction may write to one attached database only, so the group's
   * rows are sorted by partition and each partition's share is appended and committed on its own
   * (one commit per partition and group; nearly always a single partition).
   */
  private void writeGroup(List<ItemsTask> group, int items) {
    metrics.writeGroup(items);
    long seq = committedSeq.get() + 1;
    long now = Partitioning.nanos(options.clock().instant());
    TreeMap<Long, HourRows> byHour = new TreeMap<>();
    try {
      for (ItemsTask t : group) {
        if (t instanceof SpansTask) {
          collectSpans(((SpansTask) t).spans(), now, byHour);
          continue;
        }
        Batch b = ((BatchTask) t).batch();
        if (b instanceof TraceBatch) {
          collectSpans(QueuedSpan.of((TraceBatch) b, interner), now, byHour);
        } else if (b instanceof LogBatch) {
          collectLogs((LogBatch) b, now, byHour);
        } else if (b instanceof MetricBatch) {
          collectMetrics((MetricBatch) b, now, byHour);
        }
      }
    } catch (RuntimeException e) {
      for (ItemsTask t : group) {
        metrics.exporter().sendFailed(t.signal(), t.items());
      }
      metrics.writeErrors().inc();
      warn.warn("cannot write {} items to the store, they are lost: {}", items, e.toString());
      release(items);
      return;
    }
    for (Map.Entry<Long, HourRows> e : byHour.entrySet()) {
      HourRows rows = e.getValue();
      PartitionWriter w = null;
      try {
        tx.begin();
        w = writer(e.getKey());
        SpanMetricsAggregator hourRed = new SpanMetricsAggregator();
        writeSpans(w, rows.spans, seq, hourRed);
        for (PendingLog l : rows.logs) {
          w.appendLog(seq, l.record(), l.traceId(), l.spanId(), l.resource().serviceName(), w.resourceId(l.resource()),
              w.scopeId(l.scope()));
        }
        for (PendingPoint p : rows.points) {
          w.appendMetricPoint(seq, p.row(), p.resource().serviceName(), w.resourceId(p.resource()),
              w.scopeId(p.scope()));
        }
        w.flush(seq);
        tx.commit();
        red.mergeFrom(hourRed);
        metrics.exporter().sent(Signal.TRACES, rows.spans.size());
        metrics.exporter().sent(Signal.LOGS, rows.logs.size());
        metrics.exporter().sent(Signal.METRICS, rows.points.size());
      } catch (SQLException | RuntimeException ex) {
        rollback(w == null ? Set.of() : Set.of(w));
        metrics.exporter().sendFailed(Signal.TRACES, rows.spans.size());
        metrics.exporter().sendFailed(Signal.LOGS, rows.logs.size());
        metrics.exporter().sendFailed(Signal.METRICS, rows.points.size());
        metrics.writeErrors().inc();
        warn.warn("cannot write {} items to the store, they are lost: {}",
            rows.spans.size() + rows.logs.size() + rows.points.size(), ex.toString());
      }
    }
    // Rows of this group are visible to paging snapshots from now on (whatever partitions failed).
    committedSeq.set(seq);
    release(items);
  }

  /** Undoes a failed write: nothing of it stays, and the partitions' counters are re-read. */
  private void rollback(Set<PartitionWriter> touched) {
    touched.forEach(PartitionWriter::closeAppenders);
    try {
      tx.rollback();
    } catch (SQLException e) {
      warn.warn("store writer: rollback failed: {}", e.toString());
    }
    touched.forEach(PartitionWriter::reset);
  }

  /** What a write group stores in one partition. */
  private static final class HourRows {
    final List<PendingSpan> spans = new ArrayList<>();
    final List<PendingLog> logs = new ArrayList<>();
    final List<PendingPoint> points = new ArrayList<>();
  }

  /** A span of the write group with what its row needs. */
  private record PendingSpan(QueuedSpan span, long partitionTime) {}

  private record PendingLog(LogRecord record, TraceId traceId, Long spanId, ResourceInfo resource, ScopeInfo scope) {}

  private record PendingPoint(MetricRow row, ResourceInfo resource, ScopeInfo scope) {}

  /**
   * Orders a partition's spans of the group for storage: by trace (a trace's spans are one run of
   * sids, see {@link #writeSpans}), a trace's spans by start, and the traces by their earliest start
   * (ties by trace id). Ordering the traces by start rather than by id keeps consecutive start_ns
   * values close, which DuckDB's delta bit-packing stores in ~0.8 fewer bytes per span (docs/store.md,
   * "Row order").
   *
   * <p>Groups by hash instead of sorting every span: SDKs and collectors send a trace's spans
   * together, so there is one lookup per stretch of consecutive spans of one trace, then only the
   * traces (a tenth as many as the spans) are sorted, and each trace's few spans (a sort of all spans
   * by trace id was 16% of the writer's CPU at full speed).
   *
   * @return the index of each trace's first span in the reordered list, then {@code spans.size()}
   */
  private static int[] orderForStorage(List<PendingSpan> spans) {
    int n = spans.size();
    Map<TraceId, TraceRun> byId = new HashMap<>();
    List<TraceRun> runs = new ArrayList<>();
    for (int i = 0; i < n; ) {
      TraceId id = spans.get(i).span().traceId;
      int end = i + 1;
      while (end < n && spans.get(end).span().traceId.equals(id)) {
        end++;
      }
      TraceRun run = byId.get(id);
      if (run == null) {
        run = new TraceRun(id);
        byId.put(id, run);
        runs.add(run);
      }
      run.add(spans, i, end);
      i = end;
    }
    runs.sort(TraceRun.BY_START_THEN_ID);
    int[] first = new int[runs.size() + 1];
    int k = 0;
    for (int r = 0; r < runs.size(); r++) {
      TraceRun run = runs.get(r);
      run.sortByStart();
      first[r] = k;
      for (int j = 0; j < run.size; j++) {
        spans.set(k++, run.spans[j]);
      }
    }
    first[runs.size()] = n;
    return first;
  }

  /** One trace's spans of a write group, in arrival order until {@link #sortByStart}. */
  private static final class TraceRun {
    /** By earliest start, then trace id (as signed longs, high half first). */
    static final Comparator<TraceRun> BY_START_THEN_ID = (a, b) -> {
      int c = Long.compare(a.minStart, b.minStart);
      if (c == 0) {
        c = Long.compare(a.id.hi(), b.id.hi());
      }
      return c != 0 ? c : Long.compare(a.id.lo(), b.id.lo());
    };
    private static final Comparator<PendingSpan> BY_START = Comparator.comparingLong(p -> p.span().start);

    final TraceId id;
    PendingSpan[] spans = new PendingSpan[8];
    int size;
    long minStart = Long.MAX_VALUE;

    TraceRun(TraceId id) {
      this.id = id;
    }

    void add(List<PendingSpan> from, int start, int end) {
      int need = size + end - start;
      if (need > spans.length) {
        spans = Arrays.copyOf(spans, Math.max(need, spans.length * 2));
      }
      for (int i = start; i < end; i++) {
        PendingSpan p = from.get(i);
        spans[size++] = p;
        minStart = Math.min(minStart, p.span().start);
      }
    }

    /**
     * Stable: spans starting together keep their arrival order. A run of a handful of spans is
     * insertion-sorted on the start times directly (the library's sort of so few elements is an
     * insertion sort too, but through the comparator: 9% of the writer's Java time).
     */
    void sortByStart() {
      if (size > LINEAR_RUN_MAX) {
        Arrays.sort(spans, 0, size, BY_START);
        return;
      }
      for (int i = 1; i < size; i++) {
        PendingSpan p = spans[i];
        long start = p.span().start;
        int j = i - 1;
        while (j >= 0 && spans[j].span().start > start) {
          spans[j + 1] = spans[j];
          j--;
        }
        spans[j + 1] = p;
      }
    }
  }

  private void collectSpans(QueuedSpan[] spans, long now, TreeMap<Long, HourRows> out) {
    // Nearly every span of a batch falls in the same hour: one map lookup (and boxed key) per change
    // of hour instead of per span.
    long lastHour = 0;
    HourRows rows = null;
    for (QueuedSpan s : spans) {
      long t = effectiveTime(s.start, now);
      long hour = Partitioning.hourOf(t);
      if (rows == null || hour != lastHour) {
        rows = out.computeIfAbsent(hour, k -> new HourRows());
        lastHour = hour;
      }
      rows.spans.add(new PendingSpan(s, t));
    }
  }

  /**
   * Appends one partition's spans of the group ordered by trace ({@link #orderForStorage}): the spans
   * of a trace then sit next to each other, so the trace id columns compress to runs and the trace's
   * spans of this group are one run of sids (what the trace index points at).
   */
  private static void writeSpans(PartitionWriter w, List<PendingSpan> spans, long seq, SpanMetricsAggregator groupRed)
      throws SQLException {
    int[] runStarts = orderForStorage(spans);
    // The span ids of the current trace's run, to find a parent in it: a linear scan over a few ids
    // instead of a map of boxed ids per span (most runs hold a handful of spans).
    long[] runIds = new long[16];
    Map<Long, Integer> bigRun = new HashMap<>();
    for (int r = 0; r + 1 < runStarts.length; r++) {
      // A trace's run: its spans get consecutive sids, so a parent in the run is a sid offset away.
      int runFirst = runStarts[r];
      int runLen = runStarts[r + 1] - runFirst;
      bigRun.clear();
      if (runLen > 1) {
        if (runIds.length < runLen) {
          runIds = new long[Math.max(runLen, runIds.length * 2)];
        }
        for (int k = 0; k < runLen; k++) {
          runIds[k] = spans.get(runFirst + k).span().spanId;
        }
        if (runLen > LINEAR_RUN_MAX) {
          for (int k = 0; k < runLen; k++) {
            bigRun.putIfAbsent(runIds[k], runFirst + k);
          }
        }
      }
      for (int i = runFirst; i < runFirst + runLen; i++) {
        PendingSpan p = spans.get(i);
        QueuedSpan s = p.span();
        int parentOff = PartitionWriter.NO_PARENT_OFFSET;
        if (runLen > 1 && s.hasParent) {
          int parent = parentIndex(s.parentSpanId, runIds, runFirst, runLen, bigRun);
          if (parent >= 0 && parent != i) {
            parentOff = i - parent;
          }
        }
        w.appendSpan(seq, s, w.resourceId(s.resource), w.scopeId(s.scope), parentOff);
        groupRed.add(p.partitionTime(), s.resource.serviceName(), s.name, s.kind, s.statusCode, s.end - s.start);
      }
    }
  }

  /** Runs up to this many spans find parents by a linear scan, longer ones through a map. */
  private static final int LINEAR_RUN_MAX = 32;

  /** The index (in the group's sorted spans) of the first span of the run with id {@code parentId}, or -1. */
  private static int parentIndex(long parentId, long[] runIds, int runFirst, int runLen, Map<Long, Integer> bigRun) {
    if (runLen > LINEAR_RUN_MAX) {
      Integer k = bigRun.get(parentId);
      return k == null ? -1 : k;
    }
    for (int k = 0; k < runLen; k++) {
      if (runIds[k] == parentId) {
        return runFirst + k;
      }
    }
    return -1;
  }

  private void collectLogs(LogBatch b, long now, TreeMap<Long, HourRows> out) {
    for (ResourceLogs rl : b.request().getResourceLogsList()) {
      ResourceInfo ri = null;
      for (ScopeLogs sl : rl.getScopeLogsList()) {
        ScopeInfo si = null;
        for (LogRecord l : sl.getLogRecordsList()) {
          if (BatchValidator.logProblem(l) != null) {
            continue;
          }
          if (ri == null) {
            ri = ResourceInfo.of(rl.getResource(), rl.getSchemaUrl());
          }
          if (si == null) {
            si = ScopeInfo.of(sl.getScope(), sl.getSchemaUrl());
          }
          long ts = l.getTimeUnixNano() != 0 ? l.getTimeUnixNano() : l.getObservedTimeUnixNano();
          TraceId traceId = l.getTraceId().isEmpty() ? null : TraceId.fromBytes(l.getTraceId());
          Long spanId = l.getSpanId().isEmpty() ? null : Ids.spanId(l.getSpanId());
          out.computeIfAbsent(Partitioning.hourOf(effectiveTime(ts, now)), k -> new HourRows()).logs
              .add(new PendingLog(l, traceId, spanId, ri, si));
        }
      }
    }
  }

  private void collectMetrics(MetricBatch b, long now, TreeMap<Long, HourRows> out) {
    List<MetricRow> rows = new ArrayList<>();
    for (ResourceMetrics rm : b.request().getResourceMetricsList()) {
      ResourceInfo ri = null;
      for (ScopeMetrics sm : rm.getScopeMetricsList()) {
        ScopeInfo si = null;
        for (Metric m : sm.getMetricsList()) {
          rows.clear();
          metricRows(m, rows);
          if (rows.isEmpty()) {
            continue;
          }
          if (ri == null) {
            ri = ResourceInfo.of(rm.getResource(), rm.getSchemaUrl());
          }
          if (si == null) {
            si = ScopeInfo.of(sm.getScope(), sm.getSchemaUrl());
          }
          for (MetricRow row : rows) {
            out.computeIfAbsent(Partitioning.hourOf(effectiveTime(row.timeNanos(), now)), k -> new HourRows()).points
                .add(new PendingPoint(row, ri, si));
          }
        }
      }
    }
  }

  private static void metricRows(Metric m, List<MetricRow> out) {
    String metadata = OtlpValuesJson.attributes(m.getMetadataList());
    int type = m.getDataCase().getNumber();
    switch (m.getDataCase()) {
      case GAUGE:
        for (NumberDataPoint p : m.getGauge().getDataPointsList()) {
          out.add(new MetricRow(p.getTimeUnixNano(), p.getStartTimeUnixNano(), m.getName(), m.getDescription(),
              m.getUnit(), metadata, type, null, null, numberValue(p), p.toByteArray()));
        }
        break;
      case SUM:
        for (NumberDataPoint p : m.getSum().getDataPointsList()) {
          out.add(new MetricRow(p.getTimeUnixNano(), p.getStartTimeUnixNano(), m.getName(), m.getDescription(),
              m.getUnit(), metadata, type, m.getSum().getAggregationTemporalityValue(), m.getSum().getIsMonotonic(),
              numberValue(p), p.toByteArray()));
        }
        break;
      case HISTOGRAM:
        for (HistogramDataPoint p : m.getHistogram().getDataPointsList()) {
          out.add(new MetricRow(p.getTimeUnixNano(), p.getStartTimeUnixNano(), m.getName(), m.getDescription(),
              m.getUnit(), metadata, type, m.getHistogram().getAggregationTemporalityValue(), null,
              p.hasSum() ? p.getSum() : null, p.toByteArray()));
        }
        break;
      case EXPONENTIAL_HISTOGRAM:
        for (ExponentialHistogramDataPoint p : m.getExponentialHistogram().getDataPointsList()) {
          out.add(new MetricRow(p.getTimeUnixNano(), p.getStartTimeUnixNano(), m.getName(), m.getDescription(),
              m.getUnit(), metadata, type, m.getExponentialHistogram().getAggregationTemporalityValue(), null,
              p.hasSum() ? p.getSum() : null, p.toByteArray()));
        }
        break;
      case SUMMARY:
        for (SummaryDataPoint p : m.getSummary().getDataPointsList()) {
          out.add(new MetricRow(p.getTimeUnixNano(), p.getStartTimeUnixNano(), m.getName(), m.getDescription(),
              m.getUnit(), metadata, type, null, null, p.getSum(), p.toByteArray()));
        }
        break;
      default:
        break;
    }
  }

  private static Double numberValue(NumberDataPoint p) {
    switch (p.getValueCase()) {
      case AS_DOUBLE:
        return p.getAsDouble();
      case AS_INT:
        return (double) p.getAsInt();
      default:
        return null;
    }
  }

  /**
   * The time that decides an item's partition: its own, unless that lies outside what the store keeps
   * (older than retention, more than an hour ahead, or unset), in which case the arrival time. Such
   * items are still stored, and found by trace id, instead of being dropped at once by retention.
   */
  private long effectiveTime(long itemNanos, long now) {
    long oldest = now - options.retention().toNanos();
    if (itemNanos <= 0 || Partitioning.endNanos(Partitioning.hourOf(itemNanos)) <= oldest
        || itemNanos >= now + Partitioning.MAX_FUTURE_NANOS) {
      return now;
    }
    return itemNanos;
  }

  private PartitionWriter writer(long hour) throws SQLException {
    PartitionWriter w = writers.get(hour);
    if (w == null) {
      Partition p = store.attach(hour);
      w = PartitionWriter.open(p, conn);
      writers.put(hour, w);
    }
    return w;
  }

  private void flushRed() {
    if (red.isEmpty()) {
      return;
    }
    Map<SpanMetricsAggregator.Key, SpanMetricsAggregator.Series> series = red.drain();
    long oldest = Partitioning.nanos(options.clock().instant()) - options.retention().toNanos();
    TreeMap<Long, List<Map.Entry<SpanMetricsAggregator.Key, SpanMetricsAggregator.Series>>> byHour = new TreeMap<>();
    for (Map.Entry<SpanMetricsAggregator.Key, SpanMetricsAggregator.Series> e : series.entrySet()) {
      long hour = Partitioning.hourOf(e.getKey().minuteNanos());
      if (Partitioning.endNanos(hour) <= oldest) {
        continue; // its partition expired meanwhile: writing would only recreate it
      }
      byHour.computeIfAbsent(hour, k -> new ArrayList<>()).add(e);
    }
    // One transaction per partition (DuckDB writes one attached database per transaction).
    for (Map.Entry<Long, List<Map.Entry<SpanMetricsAggregator.Key, SpanMetricsAggregator.Series>>> h
        : byHour.entrySet()) {
      PartitionWriter w = null;
      try {
        tx.begin();
        w = writer(h.getKey());
        for (Map.Entry<SpanMetricsAggregator.Key, SpanMetricsAggregator.Series> e : h.getValue()) {
          w.appendSpanMetric(e.getKey(), e.getValue());
        }
        w.flush(committedSeq.get());
        tx.commit();
      } catch (SQLException | RuntimeException e) {
        rollback(w == null ? Set.of() : Set.of(w));
        metrics.writeErrors().inc();
        warn.warn("cannot write {} span metric series to the store, they are lost: {}", h.getValue().size(),
            e.toString());
      }
    }
  }

  // ------------------------------------------------------------------ maintenance

  private void maintenance() {
    retention();
    compactOne();
    // Appenders of partitions no longer written to (the previous hour, after late data stops) are released.
    long idleNanos = Duration.ofMinutes(5).toNanos();
    long now = System.nanoTime();
    for (Iterator<PartitionWriter> it = writers.values().iterator(); it.hasNext(); ) {
      PartitionWriter w = it.next();
      if (now - w.lastUsedNanos > idleNanos) {
        w.close();
        it.remove();
      }
    }
  }

  /**
   * Compacts the oldest partition whose hour ended more than {@link #COMPACTION_GRACE} ago (late
   * spans of that hour have arrived by then); one per maintenance round, so writes stall only briefly.
   */
  private void compactOne() {
    long now = Partitioning.nanos(options.clock().instant());
    long oldest = now - options.retention().toNanos();
    for (Partition p : store.partitions().snapshot()) {
      if (store.isCompacted(p) || p.endNanos() > now - COMPACTION_GRACE.toNanos() || p.endNanos() <= oldest) {
        continue;
      }
      PartitionWriter w = writers.remove(p.hour());
      if (w != null) {
        w.close();
      }
      long t0 = System.nanoTime();
      try {
        long before = Files.size(p.file());
        store.compact(p);
        log.info("compacted partition {}: {} -> {} bytes in {} ms", p.file().getFileName(), before,
            Files.size(p.file()), (System.nanoTime() - t0) / 1_000_000);
      } catch (SQLException | IOException | RuntimeException e) {
        warn.warn("cannot compact partition {} (it stays as it is): {}", p.file().getFileName(), e.toString());
      }
      return;
    }
  }

  private void retention() {
    long oldest = Partitioning.nanos(options.clock().instant()) - options.retention().toNanos();
    for (Partition p : store.partitions().snapshot()) {
      if (p.endNanos() > oldest) {
        continue;
      }
      PartitionWriter w = writers.remove(p.hour());
      if (w != null) {
        w.close();
      }
      try {
        if (store.drop(p)) {
          metrics.droppedPartitions().inc();
          log.info("retention: dropped partition {} (older than {})", p.file().getFileName(),
              Durations.format(options.retention()));
        }
      } catch (RuntimeException e) {
        warn.warn("retention: cannot drop partition {}: {}", p.file().getFileName(), e.toString());
      }
    }
  }
}
