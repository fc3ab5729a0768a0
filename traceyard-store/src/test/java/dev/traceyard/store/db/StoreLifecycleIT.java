package dev.traceyard.store.db;

import static dev.traceyard.store.TestData.MS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import dev.traceyard.store.MutableClock;
import dev.traceyard.store.StoreHarness;
import dev.traceyard.store.TestData;
import dev.traceyard.store.query.TraceId;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Retention, restart, single-writer lock and backpressure. */
class StoreLifecycleIT {
  @TempDir
  Path dir;

  static ExportTraceServiceRequest trace(TraceId id, long start, String route) {
    return TestData.request(TestData.resource("svc"),
        TestData.span(id, 1, null, "op", Span.SpanKind.SPAN_KIND_SERVER, start, 5 * MS, Status.StatusCode.STATUS_CODE_UNSET,
            TestData.str("http.route", route)));
  }

  static Path partitionFile(Path dir, Instant hour) {
    return dir.resolve("partitions").resolve(Partitioning.fileName(hour.getEpochSecond() / 3600));
  }

  @Test
  void retention_dropsExpiredPartitionsPeriodically_andKeepsTheRest() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-11-24T10:30:00Z"));
    StoreOptions options = StoreHarness.options(dir, clock).withRetention(Duration.ofHours(2))
        .withMaintenanceInterval(Duration.ofMillis(50));
    try (StoreHarness store = StoreHarness.start(dir, clock, options)) {
      TraceId old = TestData.traceId(1);
      TraceId recent = TestData.traceId(2);
      store.send(trace(old, Instant.parse("2026-11-24T08:40:00Z").getEpochSecond() * 1_000_000_000L, "/old"));
      store.send(trace(recent, Instant.parse("2026-11-24T10:20:00Z").getEpochSecond() * 1_000_000_000L, "/new"));
      store.flush();
      Path oldFile = partitionFile(dir, Instant.parse("2026-11-24T08:00:00Z"));
      assertThat(oldFile).exists();
      assertThat(store.get("/api/v1/traces/" + old.toHex()).statusCode()).isEqualTo(200);

      clock.advance(Duration.ofHours(1)); // 11:30: the 08:00 hour is now older than 2h

      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(oldFile).doesNotExist());
      assertThat(store.get("/api/v1/traces/" + old.toHex()).statusCode()).isEqualTo(404);
      assertThat(store.get("/api/v1/traces/" + recent.toHex()).statusCode()).isEqualTo(200);
      assertThat(partitionFile(dir, Instant.parse("2026-11-24T10:00:00Z"))).exists();
      assertThat(store.telemetry.value("traceyard_store_retention_dropped_partitions", "traceyard")).isEqualTo(1);
      assertThat(store.telemetry.scrape()).contains("traceyard_store_partitions{exporter=\"traceyard\"} 1.0");
    }
  }

  @Test
  void finishedHour_isCompacted_andKeepsServingItsData_andTakesLateSpans() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-11-24T10:05:00Z"));
    StoreOptions options = StoreHarness.options(dir, clock).withMaintenanceInterval(Duration.ofMillis(50));
    try (StoreHarness store = StoreHarness.start(dir, clock, options)) {
      long nineThirty = Instant.parse("2026-11-24T09:30:00Z").getEpochSecond() * 1_000_000_000L;
      TraceId id = TestData.traceId(1);
      store.send(TestData.fullTrace(id, nineThirty));
      store.send(TestData.logs(id, nineThirty));
      store.flush();
      Store s = store.exporter.store();
      Partition nine;
      try (Partitions.Lease lease = s.partitions().lease()) {
        nine = lease.all().get(0);
      }
      String before = store.get("/api/v1/traces/" + id.toHex()).body();
      assertThat(s.isCompacted(nine)).isFalse();

      clock.advance(Duration.ofMinutes(10)); // 10:15: the 09:00 hour ended more than 10 minutes ago

      await().atMost(Duration.ofSeconds(30)).until(() -> s.isCompacted(nine));
      assertThat(store.get("/api/v1/traces/" + id.toHex()).body()).isEqualTo(before);
      assertThat(ids(store.json("/api/v1/traces?start=2026-11-24T09:00:00Z&attr="
          + StoreHarness.enc("span.http.route=/pay")))).containsExactly(id.toHex());
      assertThat(store.json("/api/v1/traces/" + id.toHex() + "/logs").path("resourceLogs").get(0)
          .path("scopeLogs").get(0).path("logRecords")).hasSize(2);
      try (java.util.stream.Stream<Path> files = Files.list(dir.resolve("partitions"))) {
        assertThat(files.map(f -> f.getFileName().toString())).noneMatch(n -> n.contains("compacting"));
      }

      // A late span of that hour still lands in it.
      store.send(TestData.request(TestData.resource("late"), TestData.span(id, 9, 1L, "late", Span.SpanKind.SPAN_KIND_INTERNAL,
          nineThirty + 500 * MS, MS, Status.StatusCode.STATUS_CODE_UNSET)));
      store.flush();
      assertThat(store.json("/api/v1/traces?start=2026-11-24T09:00:00Z&service=late").path("traces")).hasSize(1);
    }
    // And all of it survives a restart.
    try (StoreHarness store = StoreHarness.start(dir, clock, options)) {
      assertThat(store.json("/api/v1/traces?start=2026-11-24T09:00:00Z").path("traces").get(0).path("spanCount").asInt())
          .isEqualTo(5);
    }
  }

  @Test
  void retention_runsAtStart() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-11-24T10:30:00Z"));
    StoreOptions options = StoreHarness.options(dir, clock).withRetention(Duration.ofHours(2));
    try (StoreHarness store = StoreHarness.start(dir, clock, options)) {
      store.send(trace(TestData.traceId(1), clock.nanos() - 60_000 * MS, "/x"));
      store.flush();
    }
    Path file = partitionFile(dir, Instant.parse("2026-11-24T10:00:00Z"));
    assertThat(file).exists();

    clock.advance(Duration.ofHours(3));
    try (StoreHarness store = StoreHarness.start(dir, clock, options)) {
      assertThat(file).doesNotExist();
      assertThat(store.get("/api/v1/traces/" + TestData.traceId(1).toHex()).statusCode()).isEqualTo(404);
    }
  }

  @Test
  void restart_keepsData_andNewWritesDoNotCollideWithOld() throws Exception {
    MutableClock clock = new MutableClock(StoreHarness.T0);
    StoreOptions options = StoreHarness.options(dir, clock);
    TraceId before = TestData.traceId(1);
    TraceId after = TestData.traceId(2);
    try (StoreHarness store = StoreHarness.start(dir, clock, options)) {
      store.send(trace(before, clock.nanos() - 120_000 * MS, "/before"));
      store.send(TestData.logs(before, clock.nanos() - 120_000 * MS));
      store.flush();
    }
    try (StoreHarness store = StoreHarness.start(dir, clock, options)) {
      store.send(trace(after, clock.nanos() - 60_000 * MS, "/after"));
      store.flush();

      assertThat(store.get("/api/v1/traces/" + before.toHex()).statusCode()).isEqualTo(200);
      assertThat(store.json("/api/v1/traces/" + before.toHex() + "/logs").path("resourceLogs").get(0)
          .path("scopeLogs").get(0).path("logRecords")).hasSize(2);
      assertThat(ids(store.json("/api/v1/traces?attr=" + StoreHarness.enc("span.http.route=/before"))))
          .containsExactly(before.toHex());
      assertThat(ids(store.json("/api/v1/traces?attr=" + StoreHarness.enc("span.http.route=/after"))))
          .containsExactly(after.toHex());
      assertThat(ids(store.json("/api/v1/traces"))).containsExactly(after.toHex(), before.toHex());
      assertThat(store.json("/api/v1/services").path("services")).extracting(JsonNode::asText).containsExactly("svc");
    }
  }

  static java.util.List<String> ids(JsonNode search) {
    java.util.List<String> out = new java.util.ArrayList<>();
    search.path("traces").forEach(t -> out.add(t.path("traceId").asText()));
    return out;
  }

  @Test
  void secondStoreOnTheSameDirectory_failsWithAClearError() throws Exception {
    try (StoreHarness first = StoreHarness.start(dir)) {
      assertThatThrownBy(() -> StoreHarness.start(dir))
          .hasMessageContaining("data directory " + dir.toAbsolutePath().normalize()
              + " is in use by another Traceyard process (pid " + ProcessHandle.current().pid() + ")");
      // The first store is unaffected.
      first.send(trace(TestData.traceId(1), first.clock.nanos() - MS, "/x"));
      first.flush();
      assertThat(first.get("/api/v1/traces/" + TestData.traceId(1).toHex()).statusCode()).isEqualTo(200);
    }
    // Released on close: a new store can open it.
    try (StoreHarness again = StoreHarness.start(dir)) {
      assertThat(again.get("/api/v1/traces/" + TestData.traceId(1).toHex()).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void directoryLockedByAnotherProcess_failsNamingThatProcess() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        LockHolderMain.class.getName(), dir.toString()).redirectErrorStream(true).start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      assertThat(line).startsWith("LOCKED ");
      assertThatThrownBy(() -> Store.open(StoreOptions.defaults(dir), SelfTelemetry.forTesting(),
          ComponentId.of("traceyard"), LoggerFactory.getLogger("test")))
          .isInstanceOf(StoreException.class)
          .hasMessage("data directory " + dir.toAbsolutePath().normalize()
              + " is in use by another Traceyard process (pid " + child.pid() + ")");
    } finally {
      child.getOutputStream().close();
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    try (Store store = Store.open(StoreOptions.defaults(dir), SelfTelemetry.forTesting(), ComponentId.of("traceyard"),
        LoggerFactory.getLogger("test"))) {
      assertThat(store.committedSeq()).isZero();
      assertThat(Files.readString(dir.resolve(DataDirLock.FILE_NAME)).trim())
          .isEqualTo(Long.toString(ProcessHandle.current().pid()));
    }
  }

  @Test
  void checkpointThreshold_isWhatDuckDbUses() throws Exception {
    String expected;
    try (java.sql.Connection fresh = java.sql.DriverManager.getConnection("jdbc:duckdb:");
        java.sql.Statement s = fresh.createStatement()) {
      s.execute("SET checkpoint_threshold = '64MB'");
      expected = setting(s);
    }
    try (Store store = Store.open(StoreOptions.defaults(dir).withCheckpointThreshold("64MB"), SelfTelemetry.forTesting(),
        ComponentId.of("traceyard"), LoggerFactory.getLogger("test"))) {
      org.duckdb.DuckDBConnection c = store.pool().borrow();
      try (java.sql.Statement s = c.createStatement()) {
        assertThat(setting(s)).isEqualTo(expected).isNotEqualTo(defaultSetting());
      } finally {
        store.pool().release(c);
      }
    }
    assertThatThrownBy(() -> Store.open(StoreOptions.defaults(dir).withCheckpointThreshold("often"),
        SelfTelemetry.forTesting(), ComponentId.of("traceyard"), LoggerFactory.getLogger("test")))
        .isInstanceOf(StoreException.class).hasMessageContaining("invalid checkpoint threshold 'often'");
  }

  @Test
  void duckdbThreads_isWhatDuckDbUses_andAutoIsHalfTheCores() throws Exception {
    for (int threads : new int[] {3, StoreOptions.AUTO_THREADS}) {
      try (Store store = Store.open(StoreOptions.defaults(dir).withDuckdbThreads(threads), SelfTelemetry.forTesting(),
          ComponentId.of("traceyard"), LoggerFactory.getLogger("test"))) {
        org.duckdb.DuckDBConnection c = store.pool().borrow();
        try (java.sql.Statement s = c.createStatement();
            java.sql.ResultSet r = s.executeQuery("SELECT current_setting('threads')")) {
          r.next();
          assertThat(r.getLong(1)).isEqualTo(threads == 3 ? 3
              : Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
        } finally {
          store.pool().release(c);
        }
      }
    }
    assertThat(StoreOptions.autoThreads(1)).isEqualTo(1);
    assertThat(StoreOptions.autoThreads(2)).isEqualTo(1);
    assertThat(StoreOptions.autoThreads(16)).isEqualTo(8);
  }

  private static String setting(java.sql.Statement s) throws java.sql.SQLException {
    try (java.sql.ResultSet r = s.executeQuery("SELECT current_setting('checkpoint_threshold')")) {
      r.next();
      return r.getString(1);
    }
  }

  private static String defaultSetting() throws java.sql.SQLException {
    try (java.sql.Connection fresh = java.sql.DriverManager.getConnection("jdbc:duckdb:");
        java.sql.Statement s = fresh.createStatement()) {
      return setting(s);
    }
  }

  @Test
  void fullWriteQueue_refusesAsThrottled_thenAcceptsOnceDrained() throws Exception {
    MutableClock clock = new MutableClock(StoreHarness.T0);
    StoreOptions options = StoreHarness.options(dir, clock).withQueueItems(10).withQueueFullWait(Duration.ZERO);
    try (StoreHarness store = StoreHarness.start(dir, clock, options)) {
      CountDownLatch release = stallWriter(store);
      ExportTraceServiceRequest ten = TestData.request(TestData.resource("svc"), spans(10, clock.nanos() - MS));

      ConsumeResult first = store.exporter.consume(Batch.of(ten));
      ConsumeResult second = store.exporter.consume(Batch.of(ten));

      assertThat(first.isSuccess()).isTrue();
      assertThat(second.isRetryable()).isTrue();
      assertThat(second.isThrottled()).isTrue();
      assertThat(second.message()).contains("queue is full");
      assertThat(store.telemetry.value("traceyard_exporter_enqueue_failed_spans", "traceyard")).isEqualTo(10);
      assertThat(store.telemetry.scrape()).contains("traceyard_exporter_queue_size{exporter=\"traceyard\"} 10.0");

      release.countDown();
      await().atMost(Duration.ofSeconds(30)).until(() -> store.exporter.consume(Batch.of(ten)).isSuccess());
      store.flush();
      assertThat(store.telemetry.value("traceyard_exporter_sent_spans", "traceyard")).isEqualTo(20);
    }
  }

  @Test
  void fullWriteQueue_holdsTheBatchUntilTheWriterMakesRoom_withinQueueFullWait() throws Exception {
    MutableClock clock = new MutableClock(StoreHarness.T0);
    // Far longer than the test needs: the batch must be taken as soon as room is made, not at the deadline.
    StoreOptions options = StoreHarness.options(dir, clock).withQueueItems(10).withQueueFullWait(Duration.ofMinutes(2));
    try (StoreHarness store = StoreHarness.start(dir, clock, options)) {
      CountDownLatch release = stallWriter(store);
      ExportTraceServiceRequest ten = TestData.request(TestData.resource("svc"), spans(10, clock.nanos() - MS));
      assertThat(store.exporter.consume(Batch.of(ten)).isSuccess()).isTrue();

      CompletableFuture<ConsumeResult> waiting = CompletableFuture.supplyAsync(() -> store.exporter.consume(Batch.of(ten)));
      // Still waiting while the writer is stalled: neither taken nor refused.
      await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> !waiting.isDone());

      release.countDown();
      assertThat(waiting.get(30, TimeUnit.SECONDS).isSuccess()).isTrue();
      store.flush();
      assertThat(store.telemetry.value("traceyard_exporter_sent_spans", "traceyard")).isEqualTo(20);
      assertThat(store.telemetry.value("traceyard_exporter_enqueue_failed_spans", "traceyard")).isZero();
    }
  }

  @Test
  void fullWriteQueue_refusesAfterQueueFullWait_whenTheWriterMakesNoRoom() throws Exception {
    MutableClock clock = new MutableClock(StoreHarness.T0);
    StoreOptions options = StoreHarness.options(dir, clock).withQueueItems(10).withQueueFullWait(Duration.ofMillis(200));
    try (StoreHarness store = StoreHarness.start(dir, clock, options)) {
      CountDownLatch release = stallWriter(store);
      ExportTraceServiceRequest ten = TestData.request(TestData.resource("svc"), spans(10, clock.nanos() - MS));
      assertThat(store.exporter.consume(Batch.of(ten)).isSuccess()).isTrue();

      ConsumeResult refused = store.exporter.consume(Batch.of(ten));

      assertThat(refused.isThrottled()).isTrue();
      assertThat(refused.message()).contains("queue is full");
      assertThat(store.telemetry.value("traceyard_exporter_enqueue_failed_spans", "traceyard")).isEqualTo(10);
      release.countDown();
      store.flush();
      assertThat(store.telemetry.value("traceyard_exporter_sent_spans", "traceyard")).isEqualTo(10);
    }
  }

  /**
   * Stalls the store's writer the next time it opens a partition (it then needs the partitions'
   * exclusive lock, held here) until the returned latch is released.
   */
  private CountDownLatch stallWriter(StoreHarness store) throws InterruptedException {
    Partitions partitions = store.exporter.store().partitions();
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch holding = new CountDownLatch(1);
    Thread holder = new Thread(() -> {
      try {
        partitions.remove(new Partition(-1, "none", dir.resolve("none")), 10_000, () -> {
          holding.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    holder.setDaemon(true);
    holder.start();
    assertThat(holding.await(30, TimeUnit.SECONDS)).isTrue();
    return release;
  }

  static Span[] spans(int n, long start) {
    Span[] out = new Span[n];
    for (int i = 0; i < n; i++) {
      out[i] = TestData.span(TestData.traceId(100 + i), 1, null, "op", Span.SpanKind.SPAN_KIND_SERVER, start, MS,
          Status.StatusCode.STATUS_CODE_UNSET);
    }
    return out;
  }

  @Test
  void damagedPartitionFile_isMovedAside_andTheStoreStarts() throws Exception {
    Path partitions = Files.createDirectories(dir.resolve("partitions"));
    Path damaged = partitions.resolve("2026-11-24T09.duckdb");
    Files.writeString(damaged, "this is not a database file, just text that is long enough to look like one");
    try (StoreHarness store = StoreHarness.start(dir)) {
      assertThat(damaged).doesNotExist();
      try (java.util.stream.Stream<Path> files = Files.list(partitions)) {
        assertThat(files.map(f -> f.getFileName().toString()))
            .anySatisfy(n -> assertThat(n).startsWith("2026-11-24T09.duckdb.damaged-"));
      }
      store.send(trace(TestData.traceId(1), store.clock.nanos() - 3_600_000 * MS, "/x"));
      store.flush();
      assertThat(store.get("/api/v1/traces/" + TestData.traceId(1).toHex()).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void partitionOfThePreviousLayout_isMovedAside_andTheStoreStarts() throws Exception {
    Path partitions = Files.createDirectories(dir.resolve("partitions"));
    Path previous = partitions.resolve("2026-11-24T08.duckdb");
    // Layout 2: one typed row per span attribute, no span_attr_values dictionary.
    try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:duckdb:" + previous);
        java.sql.Statement s = c.createStatement()) {
      s.execute("CREATE TABLE spans (sid BIGINT, trace_hi BIGINT, trace_lo BIGINT, name VARCHAR)");
      s.execute("CREATE TABLE span_attrs (sid BIGINT, key VARCHAR, type TINYINT, str VARCHAR, num DOUBLE)");
      s.execute("INSERT INTO spans VALUES (0, 1, 2, 'old')");
    }
    try (StoreHarness store = StoreHarness.start(dir)) {
      assertThat(previous).doesNotExist();
      try (java.util.stream.Stream<Path> files = Files.list(partitions)) {
        assertThat(files.map(f -> f.getFileName().toString()))
            .anySatisfy(n -> assertThat(n).startsWith("2026-11-24T08.duckdb.damaged-"));
      }
      store.send(trace(TestData.traceId(1), store.clock.nanos() - 3_600_000 * MS, "/x"));
      store.flush();
      assertThat(store.get("/api/v1/traces/" + TestData.traceId(1).toHex()).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void afterShutdown_batchesAreRefusedAsRetryable() throws Exception {
    StoreHarness store = StoreHarness.start(dir);
    store.close();
    ConsumeResult r = store.exporter.consume(Batch.of(trace(TestData.traceId(1), store.clock.nanos(), "/x")));
    assertThat(r.isRetryable()).isTrue();
  }
}
