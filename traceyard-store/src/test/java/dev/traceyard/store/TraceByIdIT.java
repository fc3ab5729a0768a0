package dev.traceyard.store;

import static dev.traceyard.store.TestData.MS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.traceyard.collector.otlp.OtlpJson;
import dev.traceyard.store.query.TraceId;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trace by id on a real DuckDB store: spans and attribute rows read by one statement, resources and
 * scopes from the per-partition cache (filled on first use, read again for resources it has not seen,
 * forgotten with the partition).
 */
class TraceByIdIT {
  @TempDir
  Path dir;

  private static Span span(TraceId trace, long id, String name, long start, KeyValue... attributes) {
    return TestData.span(trace, id, id == 1 ? null : 1L, name, Span.SpanKind.SPAN_KIND_INTERNAL, start, 2 * MS,
        Status.StatusCode.STATUS_CODE_UNSET, attributes);
  }

  private static ExportTraceServiceRequest get(StoreHarness store, TraceId id) throws Exception {
    var r = store.getBytes("/api/v1/traces/" + id.toHex());
    assertThat(r.statusCode()).isEqualTo(200);
    return OtlpJson.decodeTraces(r.body());
  }

  private static List<Span> spans(ExportTraceServiceRequest r) {
    List<Span> out = new ArrayList<>();
    for (ResourceSpans rs : r.getResourceSpansList()) {
      rs.getScopeSpansList().forEach(ss -> out.addAll(ss.getSpansList()));
    }
    return out;
  }

  private static String service(ResourceSpans rs) {
    return rs.getResource().getAttributesList().stream().filter(kv -> kv.getKey().equals("service.name"))
        .findFirst().orElseThrow().getValue().getStringValue();
  }

  @Test
  void traceWrittenByManyWriteGroups_comesBackWhole_inStartOrder_withAttributesInTheirOrder_andNoForeignSpan()
      throws Exception {
    try (StoreHarness store = StoreHarness.start(dir)) {
      TraceId id = TestData.traceId(1);
      TraceId other = TestData.traceId(2); // same high half as id: only the full id tells them apart
      long start = store.clock.nanos() - 60_000 * MS;
      int groups = 40; // more sid ranges than the statement lists one by one (32)
      for (int i = groups; i >= 1; i--) { // written newest first: the answer is ordered by start
        store.send(TestData.request(TestData.resource("svc"),
            span(id, i, "op-" + i, start + i * MS, TestData.str("z", "z" + i), TestData.integer("a", i),
                TestData.str("m", "m" + i)),
            span(other, 100 + i, "foreign-" + i, start + i * MS)));
        store.flush(); // each its own write group, so the trace has one sid range per group
      }

      List<Span> got = spans(get(store, id));

      assertThat(got).hasSize(groups);
      assertThat(got).extracting(Span::getName).allMatch(n -> n.startsWith("op-"));
      assertThat(got.get(0).getName()).isEqualTo("op-1");
      assertThat(got.get(groups - 1).getName()).isEqualTo("op-" + groups);
      for (Span s : got) {
        String n = s.getName().substring(3);
        assertThat(s.getAttributesList()).extracting(KeyValue::getKey).containsExactly("z", "a", "m");
        assertThat(s.getAttributes(0).getValue().getStringValue()).isEqualTo("z" + n);
        assertThat(s.getAttributes(1).getValue().getIntValue()).isEqualTo(Long.parseLong(n));
      }
      assertThat(spans(get(store, other))).hasSize(groups).extracting(Span::getAttributesCount).containsOnly(0);
    }
  }

  @Test
  void resourceWrittenAfterTheCacheWasFilled_comesBackWithItsSpans() throws Exception {
    try (StoreHarness store = StoreHarness.start(dir)) {
      long start = store.clock.nanos() - 60_000 * MS;
      TraceId first = TestData.traceId(11);
      TraceId second = TestData.traceId(12);
      store.send(TestData.request(TestData.resource("svc-first", TestData.str("k", "1")), span(first, 1, "a", start)));
      store.flush();
      assertThat(service(get(store, first).getResourceSpans(0))).isEqualTo("svc-first");

      // Same partition, a resource the cache has not seen yet.
      store.send(TestData.request(TestData.resource("svc-second", TestData.str("k", "2")),
          span(second, 1, "b", start + MS)));
      store.flush();

      ExportTraceServiceRequest got = get(store, second);
      assertThat(got.getResourceSpansCount()).isEqualTo(1);
      assertThat(service(got.getResourceSpans(0))).isEqualTo("svc-second");
      assertThat(got.getResourceSpans(0).getResource().getAttributes(1).getValue().getStringValue()).isEqualTo("2");
      assertThat(got.getResourceSpans(0).getScopeSpans(0).getScope()).isEqualTo(TestData.SCOPE);
      assertThat(service(get(store, first).getResourceSpans(0))).isEqualTo("svc-first");
    }
  }

  @Test
  void partitionDroppedByRetention_andCreatedAgain_doesNotServeTheDroppedPartitionsResources() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-11-24T10:30:00Z"));
    try (StoreHarness store = StoreHarness.start(dir, clock, StoreHarness.options(dir, clock)
        .withRetention(Duration.ofHours(2)).withMaintenanceInterval(Duration.ofMillis(50)))) {
      long tenTwenty = Instant.parse("2026-11-24T10:20:00Z").getEpochSecond() * 1_000_000_000L;
      Path file = dir.resolve("partitions").resolve("2026-11-24T10.duckdb");
      TraceId old = TestData.traceId(21);
      store.send(TestData.request(TestData.resource("svc-old"), span(old, 1, "a", tenTwenty)));
      store.flush();
      assertThat(service(get(store, old).getResourceSpans(0))).isEqualTo("svc-old"); // cached: rid 0 of 10:00

      clock.advance(Duration.ofHours(3)); // 13:30: the 10:00 hour is past retention
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(file).doesNotExist());
      assertThat(store.get("/api/v1/traces/" + old.toHex()).statusCode()).isEqualTo(404);

      clock.advance(Duration.ofHours(-3)); // the clock set back: the 10:00 partition is created afresh
      TraceId fresh = TestData.traceId(22);
      store.send(TestData.request(TestData.resource("svc-new"), span(fresh, 1, "b", tenTwenty + MS)));
      store.flush();
      assertThat(file).exists();

      assertThat(service(get(store, fresh).getResourceSpans(0))).isEqualTo("svc-new"); // rid 0 again, new resource
    }
  }

  private static String hex(com.google.protobuf.ByteString id) {
    return java.util.HexFormat.of().formatHex(id.toByteArray());
  }

  private static String hex(long spanId) {
    return hex(TestData.spanId(spanId));
  }

  private static Span child(TraceId trace, long id, long parent, long start) {
    return TestData.span(trace, id, parent, "s" + id, Span.SpanKind.SPAN_KIND_INTERNAL, start, MS,
        Status.StatusCode.STATUS_CODE_UNSET);
  }

  @Test
  void parentIds_comeBack_whetherTheParentWasWrittenInTheSameWriteGroup_anotherOne_orNever() throws Exception {
    TraceId id = TestData.traceId(31);
    try (StoreHarness store = StoreHarness.start(dir)) {
      long start = store.clock.nanos() - 60_000 * MS;
      // Group 1: a root, a chain under it (child listed before its parent), a span whose parent never arrives.
      store.send(TestData.request(TestData.resource("svc"), child(id, 3, 2, start + 3 * MS),
          span(id, 1, "root", start), child(id, 2, 1, start + MS), child(id, 4, 9, start + 4 * MS)));
      store.flush();
      // Group 2: a child of a span of group 1, and its own child.
      store.send(TestData.request(TestData.resource("svc"), child(id, 6, 5, start + 6 * MS),
          child(id, 5, 2, start + 5 * MS)));
      store.flush();

      List<Span> got = spans(get(store, id));

      assertThat(got).extracting(s -> hex(s.getSpanId()) + "<" + hex(s.getParentSpanId())).containsExactly(
          hex(1) + "<", hex(2) + "<" + hex(1), hex(3) + "<" + hex(2), hex(4) + "<" + hex(9), hex(5) + "<" + hex(2),
          hex(6) + "<" + hex(5));
      JsonNode summary = store.json("/api/v1/traces?service=svc&start=" + (start / 1_000_000 - 1000)
          + "&end=" + (start / 1_000_000 + 60_000)).path("traces").get(0);
      assertThat(summary.path("rootSpanName").asText()).isEqualTo("root");
    }
    // On disk: a parent written in the same group is an offset to its row, not a second random id.
    try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:duckdb:"
        + dir.resolve("partitions").toFile().listFiles((d, n) -> n.endsWith(".duckdb"))[0]);
        java.sql.Statement st = c.createStatement();
        java.sql.ResultSet r = st.executeQuery("SELECT count(parent_span_id), count(parent_off) FROM spans")) {
      r.next();
      assertThat(r.getLong(1)).as("parents stored by id: 4 -> 9 (never arrives), 5 -> 2 (other group)").isEqualTo(2);
      assertThat(r.getLong(2)).as("parents stored as offsets: 2 -> 1, 3 -> 2, 6 -> 5").isEqualTo(3);
    }
  }

  @Test
  void partitionWhoseSpanNumbersAreNotRowNumbers_stillAnswersWholeTraces() throws Exception {
    TraceId id = TestData.traceId(41);
    TraceId other = TestData.traceId(42);
    long start;
    try (StoreHarness store = StoreHarness.start(dir)) {
      start = store.clock.nanos() - 60_000 * MS;
      for (int g = 0; g < 3; g++) { // three write groups: the trace has three sid ranges
        store.send(TestData.request(TestData.resource("svc"), span(other, 10 + g, "o" + g, start + g * MS),
            span(id, g + 1, "op-" + g, start + g * MS, TestData.str("g", "g" + g))));
        store.flush();
      }
      assertThat(spans(get(store, id))).extracting(Span::getName).containsExactly("op-0", "op-1", "op-2");
    }
    // Renumber the spans, as a store that numbered them differently would have: sids no longer equal
    // row numbers, so the lookup by row number finds other rows and must fall back to the sids.
    try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:duckdb:"
        + dir.resolve("partitions").toFile().listFiles((d, n) -> n.endsWith(".duckdb"))[0]);
        java.sql.Statement st = c.createStatement()) {
      st.execute("UPDATE spans SET sid = sid + 1");
      st.execute("UPDATE trace_index SET min_sid = min_sid + 1");
    }
    try (StoreHarness store = StoreHarness.start(dir)) {
      for (int round = 0; round < 2; round++) { // the second time on the kept prepared statements
        List<Span> got = spans(get(store, id));
        assertThat(got).extracting(Span::getName).containsExactly("op-0", "op-1", "op-2");
        assertThat(got).extracting(s -> s.getAttributes(0).getValue().getStringValue()).containsExactly("g0", "g1", "g2");
        assertThat(spans(get(store, other))).extracting(Span::getName).containsExactly("o0", "o1", "o2");
      }
    }
  }
}
