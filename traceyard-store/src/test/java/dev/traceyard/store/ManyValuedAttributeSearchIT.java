package dev.traceyard.store;

import static dev.traceyard.store.TestData.MS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.traceyard.store.db.Partition;
import dev.traceyard.store.db.Partitions;
import dev.traceyard.store.query.TraceId;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.duckdb.DuckDBConnection;
import org.junit.jupiter.api.io.TempDir;

/**
 * Span-attribute searches over attributes with many distinct values, in two partitions, one of
 * whose dictionaries restarted (so it holds some values twice): a filter matching one dictionary
 * entry, a few, none, more than are listed in the statement (the semi-join), and every copy of a
 * value; each checked against an oracle over the same spans, through every page.
 */
class ManyValuedAttributeSearchIT {
  @TempDir
  static Path dir;
  static StoreHarness store;
  static long now;
  /** Root span attributes of each trace, and its child span's. */
  static final Map<TraceId, Map<String, Object>> ROOT = new HashMap<>();
  static final Map<TraceId, Map<String, Object>> CHILD = new HashMap<>();
  static final int TRACES = 600;
  /** More distinct values than the writer keeps ids for, so the newer partition's dictionary restarts. */
  static final int FILLER_SPANS = 66_000;
  static final int LATE_TRACES = 60;

  @BeforeAll
  static void load() throws Exception {
    store = StoreHarness.start(dir);
    now = store.clock.nanos(); // 10:30: traces over the last 90 minutes land in the 09:00 and 10:00 partitions
    Resource resource = TestData.resource("svc");
    for (int i = 0; i < TRACES; i++) {
      store.send(trace(resource, i, now - 90 * 60_000 * MS + i * 9_000 * MS));
    }
    store.flush();
    // Filler spans with distinct values fill the 10:00 partition's id cache; the late traces' values
    // (tier t0..t2 again) then get second dictionary entries.
    TraceId filler = TestData.traceId(99_999);
    List<Span> spans = new ArrayList<>();
    for (int k = 0; k < FILLER_SPANS; k++) {
      spans.add(TestData.span(filler, 1_000_000 + k, null, "filler", Span.SpanKind.SPAN_KIND_INTERNAL,
          now - 20 * 60_000 * MS, MS, Status.StatusCode.STATUS_CODE_UNSET, TestData.str("filler.id", "f-" + k)));
    }
    store.send(TestData.request(resource, spans.toArray(Span[]::new)));
    store.flush();
    for (int i = TRACES; i < TRACES + LATE_TRACES; i++) {
      store.send(trace(resource, i, now - 10 * 60_000 * MS + (i - TRACES) * 1_000 * MS));
    }
    store.flush();
  }

  @AfterAll
  static void stop() {
    store.close();
  }

  static ExportTraceServiceRequest trace(Resource resource, int i, long start) {
    TraceId id = TestData.traceId(1 + i);
    List<KeyValue> rootAttrs = List.of(TestData.str("request.id", "req-" + i), TestData.integer("seq", i),
        TestData.str("tier", "t" + i % 3));
    ROOT.put(id, Map.of("request.id", "req-" + i, "seq", (long) i, "tier", "t" + i % 3));
    CHILD.put(id, Map.of("peer", "db"));
    Span root = TestData.span(id, 1, null, "root", Span.SpanKind.SPAN_KIND_SERVER, start, 10 * MS,
        Status.StatusCode.STATUS_CODE_UNSET, rootAttrs.toArray(KeyValue[]::new));
    Span child = TestData.span(id, 2, 1L, "query", Span.SpanKind.SPAN_KIND_CLIENT, start + MS, 5 * MS,
        Status.StatusCode.STATUS_CODE_UNSET, TestData.str("peer", "db"));
    return TestData.request(resource, root, child);
  }

  /** All pages of a search over the last two hours, 50 traces a page. */
  static List<TraceId> search(String... filters) {
    StringBuilder q = new StringBuilder("/api/v1/traces?limit=50&start=" + (now - 120 * 60_000 * MS) / MS
        + "&end=" + now / MS);
    for (String f : filters) {
      q.append("&attr=").append(StoreHarness.enc(f));
    }
    List<TraceId> out = new ArrayList<>();
    String cursor = null;
    do {
      JsonNode r = store.json(q + (cursor == null ? "" : "&cursor=" + cursor));
      r.path("traces").forEach(t -> out.add(TraceId.parseHex(t.path("traceId").asText())));
      cursor = r.path("nextCursor").isNull() ? null : r.path("nextCursor").asText();
    } while (cursor != null);
    return out;
  }

  static Set<TraceId> roots(Predicate<Map<String, Object>> p) {
    Set<TraceId> out = new HashSet<>();
    ROOT.forEach((id, attrs) -> {
      if (p.test(attrs)) {
        out.add(id);
      }
    });
    return out;
  }

  static void assertSearch(Set<TraceId> want, String... filters) {
    List<TraceId> got = search(filters);
    assertThat(new LinkedHashSet<>(got)).as(String.join(" ", filters)).hasSameSizeAs(got)
        .containsExactlyInAnyOrderElementsOf(want);
  }

  static long seq(Map<String, Object> attrs) {
    return (Long) attrs.get("seq");
  }

  /** Dictionary rows of {@code key} over all partitions. */
  static long dictionaryEntries(String key) throws Exception {
    DuckDBConnection c = store.exporter.store().pool().borrow();
    try (Partitions.Lease lease = store.exporter.store().partitions().lease()) {
      long n = 0;
      for (Partition p : lease.all()) {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + p.alias()
            + ".span_attr_values WHERE key = ?")) {
          ps.setString(1, key);
          try (ResultSet r = ps.executeQuery()) {
            r.next();
            n += r.getLong(1);
          }
        }
      }
      return n;
    } finally {
      store.exporter.store().pool().release(c);
    }
  }

  @Test
  void filterMatchingOneValue_findsItsTraceOnly() {
    assertSearch(Set.of(TestData.traceId(1 + 42)), "span.request.id=req-42");
    assertSearch(Set.of(TestData.traceId(1 + 620)), "span.seq=620");
  }

  @Test
  void filterMatchingAFewValues_findsEachOfThem() {
    assertSearch(roots(a -> seq(a) < 5), "span.seq<5");
    assertSearch(roots(a -> ((String) a.get("request.id")).matches("req-1[0-9]")), "span.request.id=~req-1[0-9]");
  }

  @Test
  void filterMatchingMoreValuesThanAreListed_findsEveryMatch() {
    assertSearch(roots(a -> seq(a) >= 100), "span.seq>=100");
    assertSearch(roots(a -> !a.get("request.id").equals("req-5")), "span.request.id!=req-5");
    assertSearch(roots(a -> ((String) a.get("request.id")).matches("req-[0-9]*7")), "span.request.id=~req-[0-9]*7");
  }

  @Test
  void valueStoredTwiceInOnePartition_isFoundThroughEveryCopy() throws Exception {
    assertThat(dictionaryEntries("tier")).as("the 10:00 partition stores each tier twice, the 09:00 one once")
        .isEqualTo(9);
    Set<TraceId> want = roots(a -> a.get("tier").equals("t1"));
    assertThat(want).anyMatch(id -> seq(ROOT.get(id)) >= TRACES).anyMatch(id -> seq(ROOT.get(id)) < TRACES);
    assertSearch(want, "span.tier=t1");
    assertSearch(roots(a -> !a.get("tier").equals("t1")), "span.tier!=t1");
  }

  @Test
  void filterMatchingNothing_findsNothing() {
    assertThat(search("span.request.id=none")).isEmpty();
    assertThat(search("span.seq>100000")).isEmpty();
  }

  @Test
  void conditionsOnTheSameSpanCombine_andOnDifferentSpansDoNot() {
    assertSearch(roots(a -> a.get("tier").equals("t2") && seq(a) >= 300), "span.tier=t2", "span.seq>=300");
    assertThat(search("span.peer=db", "span.tier=t2")).isEmpty();
    assertThat(search("span.peer=db")).hasSize(TRACES + LATE_TRACES);
  }

  @Test
  void traceById_rebuildsTheAttributesOfSpansAfterTheDictionaryRestarted() {
    int i = TRACES + 7;
    JsonNode spans = store.json("/api/v1/traces/" + TestData.traceId(1 + i).toHex())
        .path("resourceSpans").path(0).path("scopeSpans").path(0).path("spans");
    assertThat(spans).hasSize(2);
    List<String> rootAttrs = new ArrayList<>();
    for (JsonNode s : spans) {
      if (s.path("name").asText().equals("root")) {
        s.path("attributes").forEach(a -> rootAttrs.add(a.path("key").asText() + "=" + a.path("value").toString()));
      }
    }
    assertThat(rootAttrs).containsExactly("request.id={\"stringValue\":\"req-" + i + "\"}",
        "seq={\"intValue\":\"" + i + "\"}", "tier={\"stringValue\":\"t" + i % 3 + "\"}");
  }
}
