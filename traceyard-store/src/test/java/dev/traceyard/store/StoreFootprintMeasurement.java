package dev.traceyard.store;

import static dev.traceyard.store.TestData.MS;

import com.google.protobuf.ByteString;
import dev.traceyard.store.db.Partition;
import dev.traceyard.store.db.Partitions;
import dev.traceyard.store.query.Ids;
import dev.traceyard.store.query.TraceId;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.duckdb.DuckDBConnection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Not a test: measures bytes per span on disk and rough write/query costs for loadgen-like traffic.
 * Run on demand: {@code mvn -o -pl traceyard-store -am test -Dtest=StoreFootprintMeasurement
 * -Dsurefire.failIfNoSpecifiedTests=false}. Figures are printed, never asserted.
 */
class StoreFootprintMeasurement {
  static final String[] SERVICES = {"frontend", "checkout", "cart", "payment", "inventory", "shipping", "currency",
      "recommendation"};
  static final String[] OPS = {"list", "get", "update"};
  static final String[] METHODS = {"GET", "GET", "POST"};

  @TempDir
  Path dir;

  @Test
  void measure() throws Exception {
    int totalSpans = Integer.getInteger("spans", 100_000);
    int spansPerTrace = 10;
    int batchSpans = 500;
    // All traffic within one hourly partition, as in steady state.
    MutableClock clock = new MutableClock(java.time.Instant.parse("2026-11-24T10:59:00Z"));
    try (StoreHarness store = StoreHarness.start(dir, clock, StoreHarness.options(dir, clock)
        .withSpanMetricsFlushInterval(java.time.Duration.ofSeconds(5)).withMemoryLimit("1GB")
        .withMaintenanceInterval(java.time.Duration.ofMillis(200)))) {
      long now = store.clock.nanos();
      SplittableRandom random = new SplittableRandom(42);
      List<ExportTraceServiceRequest> batches = new ArrayList<>();
      List<TraceId> ids = new ArrayList<>();
      List<Span> pending = new ArrayList<>();
      List<Integer> pendingService = new ArrayList<>();
      int traces = totalSpans / spansPerTrace;
      long protoBytes = 0;
      for (int t = 0; t < traces; t++) {
        // Traces spread over the 50 minutes before the clock, as a steady stream would be.
        long start = now - 50 * 60_000 * MS + (long) t * (50 * 60_000 * MS / traces);
        TraceId id = new TraceId(random.nextLong(), random.nextLong());
        ids.add(id);
        generate(random, id, start, spansPerTrace, t % 100 == 0, pending, pendingService);
        if (pending.size() >= batchSpans) {
          ExportTraceServiceRequest r = request(pending, pendingService);
          protoBytes += r.getSerializedSize();
          batches.add(r);
          pending.clear();
          pendingService.clear();
        }
      }
      if (!pending.isEmpty()) {
        batches.add(request(pending, pendingService));
      }
      long t0 = System.nanoTime();
      for (ExportTraceServiceRequest b : batches) {
        while (!store.send(b).isSuccess()) {
          Thread.onSpinWait();
        }
      }
      store.flush();
      long writeNanos = System.nanoTime() - t0;
      System.out.printf("wrote %d spans in %d batches in %.2f s: %.0f spans/s (OTLP protobuf %.1f bytes/span)%n",
          totalSpans, batches.size(), writeNanos / 1e9, totalSpans / (writeNanos / 1e9), protoBytes / (double) totalSpans);

      DuckDBConnection c = store.exporter.store().pool().borrow();
      try (Statement s = c.createStatement(); Partitions.Lease lease = store.exporter.store().partitions().lease()) {
        for (Partition p : lease.all()) {
          s.execute("CHECKPOINT " + p.alias());
        }
        long bytes = 0;
        for (Partition p : lease.all()) {
          bytes += Files.size(p.file());
          try (ResultSet r = s.executeQuery("SELECT (SELECT count(*) FROM " + p.alias() + ".spans),"
              + " (SELECT sum(len(attr_vids)) FROM " + p.alias() + ".spans), (SELECT count(*) FROM " + p.alias()
              + ".trace_index), (SELECT count(*) FROM " + p.alias() + ".span_metrics)")) {
            r.next();
            System.out.printf("partition %s: %d spans, %d attribute rows, %d trace index rows, %d RED rows, %d bytes%n",
                p.alias(), r.getLong(1), r.getLong(2), r.getLong(3), r.getLong(4), Files.size(p.file()));
          }
          for (String table : List.of("spans", "span_attr_values", "trace_index", "span_metrics")) {
            Path pq = dir.resolve(p.alias() + "-" + table + ".parquet");
            s.execute("COPY (SELECT * FROM " + p.alias() + "." + table + ") TO '" + pq + "' (FORMAT parquet,"
                + " COMPRESSION zstd)");
            System.out.printf("  %s as Parquet/zstd: %d bytes%n", table, Files.size(pq));
          }
          s.execute("COPY (SELECT * FROM " + p.alias() + ".spans ORDER BY service_name, trace_hi, trace_lo) TO '"
              + dir.resolve("sorted.parquet") + "' (FORMAT parquet, COMPRESSION zstd)");
          System.out.printf("  spans sorted by service, trace as Parquet/zstd: %d bytes%n",
              Files.size(dir.resolve("sorted.parquet")));
        }
        System.out.printf("on disk: %d bytes = %.1f bytes/span (all tables, after checkpoint)%n", bytes,
            bytes / (double) totalSpans);
      } finally {
        store.exporter.store().pool().release(c);
      }

      // The hour ends: the partition is compacted.
      clock.advance(java.time.Duration.ofMinutes(15));
      Path file = dir.resolve("partitions").resolve("2026-11-24T10.duckdb");
      long beforeCompaction = Files.size(file);
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofMinutes(5))
          .until(() -> Files.size(file) != beforeCompaction);
      System.out.printf("after compaction: %d bytes = %.1f bytes/span%n", Files.size(file),
          Files.size(file) / (double) totalSpans);

      // Query costs, warm, averaged (indicative only: the machine is shared).
      for (int round = 0; round < 2; round++) {
        long q0 = System.nanoTime();
        for (int i = 0; i < 100; i++) {
          store.getBytes("/api/v1/traces/" + ids.get(random.nextInt(ids.size())).toHex());
        }
        System.out.printf("trace by id over HTTP: %.1f ms avg%n", (System.nanoTime() - q0) / 100 / 1e6);
        q0 = System.nanoTime();
        for (int i = 0; i < 100; i++) {
          store.exporter.queryService().trace(ids.get(random.nextInt(ids.size())));
        }
        System.out.printf("trace by id in process: %.1f ms avg%n", (System.nanoTime() - q0) / 100 / 1e6);
      }
      time(store, "search service=cart limit=20", "/api/v1/traces?service=cart&limit=20");
      time(store, "search attr span.http.response.status_code>=500", "/api/v1/traces?attr="
          + StoreHarness.enc("span.http.response.status_code>=500") + "&limit=20");
      time(store, "search attr resource.service.instance.id=cart-1 + minDuration",
          "/api/v1/traces?attr=" + StoreHarness.enc("resource.service.instance.id=cart-1") + "&minDuration=5ms");
      time(store, "RED per span name, 1h", "/api/v1/red?service=cart&groupBy=name");
      time(store, "service graph, 1h", "/api/v1/dependencies");
      time(store, "attribute values autocomplete", "/api/v1/attributes/http.route/values?scope=span");
      time(store, "jaeger search 20 full traces", "/api/traces?service=frontend&limit=20");
    }
    String keep = System.getProperty("keep");
    if (keep != null) {
      Files.createDirectories(Path.of(keep));
      try (Stream<Path> files = Files.list(dir.resolve("partitions"))) {
        for (Path f : (Iterable<Path>) files::iterator) {
          Files.copy(f, Path.of(keep).resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  static void time(StoreHarness store, String what, String url) {
    store.json(url);
    long t0 = System.nanoTime();
    for (int i = 0; i < 10; i++) {
      store.json(url);
    }
    System.out.printf("%s: %.1f ms avg%n", what, (System.nanoTime() - t0) / 10 / 1e6);
  }

  static void generate(SplittableRandom random, TraceId id, long start, int n, boolean error, List<Span> out,
      List<Integer> services) {
    long rootDuration = 5 * MS + random.nextLong(45 * MS);
    long[] spanIds = new long[n];
    int[] svc = new int[n];
    long[] starts = new long[n];
    long[] ends = new long[n];
    for (int i = 0; i < n; i++) {
      spanIds[i] = random.nextLong() | 1;
    }
    svc[0] = 0;
    starts[0] = start;
    ends[0] = start + rootDuration;
    ByteString trace = id.toBytes();
    for (int i = 0; i < n; i++) {
      int parent = i == 0 ? -1 : (i - 1) / 2 * 2;
      Span.SpanKind kind;
      if (i == 0) {
        kind = Span.SpanKind.SPAN_KIND_SERVER;
      } else if (i % 2 == 1) {
        kind = Span.SpanKind.SPAN_KIND_CLIENT;
        svc[i] = svc[parent];
        long d = ends[parent] - starts[parent];
        starts[i] = starts[parent] + d / 10;
        ends[i] = starts[i] + d / 2;
      } else {
        kind = Span.SpanKind.SPAN_KIND_SERVER;
        parent = i - 1;
        svc[i] = 1 + random.nextInt(SERVICES.length - 1);
        long d = ends[parent] - starts[parent];
        starts[i] = starts[parent] + d / 20;
        ends[i] = ends[parent] - d / 20;
      }
      int op = random.nextInt(OPS.length);
      boolean failed = error && i == n - 1;
      Span.Builder b = Span.newBuilder().setTraceId(trace).setSpanId(Ids.spanIdBytes(spanIds[i])).setKind(kind)
          .setName(METHODS[op] + " /api/" + SERVICES[svc[i]] + "/" + OPS[op])
          .setStartTimeUnixNano(starts[i]).setEndTimeUnixNano(ends[i])
          .addAttributes(TestData.str("http.request.method", METHODS[op]))
          .addAttributes(kind == Span.SpanKind.SPAN_KIND_SERVER
              ? TestData.str("http.route", "/api/" + SERVICES[svc[i]] + "/" + OPS[op])
              : TestData.str("server.address", SERVICES[svc[Math.min(i + 1, n - 1)]]))
          .addAttributes(TestData.integer("http.response.status_code", failed ? 500 : 200));
      if (parent >= 0) {
        b.setParentSpanId(Ids.spanIdBytes(spanIds[parent]));
      }
      if (failed) {
        b.setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR).setMessage("simulated failure"));
        b.addEvents(Span.Event.newBuilder().setName("exception").setTimeUnixNano(ends[i] - MS)
            .addAttributes(TestData.str("exception.type", "SimulatedException"))
            .addAttributes(TestData.str("exception.stacktrace", "SimulatedException\n\tat Handler.handle(Handler.java:42)")));
      }
      out.add(b.build());
      services.add(svc[i]);
    }
  }

  static ExportTraceServiceRequest request(List<Span> spans, List<Integer> services) {
    ExportTraceServiceRequest.Builder r = ExportTraceServiceRequest.newBuilder();
    InstrumentationScope scope = InstrumentationScope.newBuilder().setName("dev.traceyard.loadgen").setVersion("1.0.0")
        .build();
    for (int s = 0; s < SERVICES.length; s++) {
      List<Span> mine = new ArrayList<>();
      for (int i = 0; i < spans.size(); i++) {
        if (services.get(i) == s) {
          mine.add(spans.get(i));
        }
      }
      if (!mine.isEmpty()) {
        Resource res = Resource.newBuilder().addAttributes(TestData.str("service.name", SERVICES[s]))
            .addAttributes(TestData.str("service.instance.id", SERVICES[s] + "-1"))
            .addAttributes(TestData.str("telemetry.sdk.name", "traceyard-loadgen")).build();
        r.addResourceSpans(ResourceSpans.newBuilder().setResource(res)
            .addScopeSpans(ScopeSpans.newBuilder().setScope(scope).addAllSpans(mine)));
      }
    }
    return r.build();
  }
}
