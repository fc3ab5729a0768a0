package dev.traceyard.store;

import static dev.traceyard.store.TestData.MS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.traceyard.store.query.TraceId;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every search filter, alone and combined, checked against an oracle evaluated over the same spans
 * in Java: a trace matches when one of its spans in the window satisfies all conditions.
 */
class SearchIT {
  @TempDir
  static Path dir;
  static StoreHarness store;
  static final List<SpanFact> FACTS = new ArrayList<>();
  static final Map<TraceId, Long> TRACE_START = new HashMap<>();
  static final int TRACES = 60;
  static long now;

  /** What the oracle knows of one stored span. */
  record SpanFact(TraceId trace, String service, String name, int kind, int status, long start, long duration,
      Map<String, Object> spanAttrs, Map<String, Object> resourceAttrs) {}

  @BeforeAll
  static void load() throws Exception {
    store = StoreHarness.start(dir);
    now = store.clock.nanos();
    for (int i = 0; i < TRACES; i++) {
      store.send(trace(i));
    }
    store.flush();
  }

  @AfterAll
  static void stop() {
    store.close();
  }

  /** Trace i: frontend root -> client call -> cart server (-> payment consumer every 4th). */
  static ExportTraceServiceRequest trace(int i) {
    TraceId id = TestData.traceId(1000 + i);
    long start = now - (i + 1) * 30_000 * MS;
    TRACE_START.put(id, start);
    String env = i % 3 == 0 ? "staging" : "prod";
    String[] names = {"GET /", "GET /cart", "POST /checkout"};
    String route = i % 3 == 0 ? "/" : i % 3 == 1 ? "/cart" : "/checkout";
    boolean error = i % 7 == 0;
    Status.StatusCode status = error ? Status.StatusCode.STATUS_CODE_ERROR : Status.StatusCode.STATUS_CODE_UNSET;
    long rootDuration = (i + 1) * 10 * MS;
    Resource front = TestData.resource("frontend", TestData.str("deployment.environment", env),
        TestData.integer("pod.index", i % 5));
    Resource cart = TestData.resource("cart", TestData.str("deployment.environment", env));
    Resource payment = TestData.resource("payment", TestData.str("deployment.environment", env));
    List<Span> frontSpans = new ArrayList<>();
    frontSpans.add(fact(front, TestData.span(id, 1, null, names[i % 3], Span.SpanKind.SPAN_KIND_SERVER, start,
        rootDuration, status, TestData.str("http.route", route),
        TestData.integer("http.response.status_code", error ? 500 : 200), TestData.bool("retry", i % 2 == 0),
        TestData.dbl("ratio", i / 10.0))));
    frontSpans.add(fact(front, TestData.span(id, 2, 1L, "call cart", Span.SpanKind.SPAN_KIND_CLIENT, start + MS,
        rootDuration / 2, status, TestData.str("peer.service", "cart"))));
    if (i % 5 == 0) {
      frontSpans.add(fact(front, TestData.span(id, 5, 1L, "render", Span.SpanKind.SPAN_KIND_INTERNAL,
          start + rootDuration / 2, rootDuration / 4, Status.StatusCode.STATUS_CODE_UNSET)));
    }
    List<Span> cartSpans = List.of(fact(cart, TestData.span(id, 3, 2L, "GET /items", Span.SpanKind.SPAN_KIND_SERVER,
        start + 2 * MS, rootDuration / 2 - 2 * MS, Status.StatusCode.STATUS_CODE_UNSET,
        TestData.str("http.route", "/items"), TestData.integer("items", i))));
    ExportTraceServiceRequest.Builder req = ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(rs(front, frontSpans)).addResourceSpans(rs(cart, cartSpans));
    if (i % 4 == 0) {
      req.addResourceSpans(rs(payment, List.of(fact(payment, TestData.span(id, 4, 3L, "process payment",
          Span.SpanKind.SPAN_KIND_CONSUMER, start + 3 * MS, 5 * MS, Status.StatusCode.STATUS_CODE_OK)))));
    }
    return req.build();
  }

  static ResourceSpans rs(Resource r, List<Span> spans) {
    return ResourceSpans.newBuilder().setResource(r)
        .addScopeSpans(ScopeSpans.newBuilder().setScope(TestData.SCOPE).addAllSpans(spans)).build();
  }

  static Span fact(Resource r, Span s) {
    FACTS.add(new SpanFact(TraceId.fromBytes(s.getTraceId()), r.getAttributes(0).getValue().getStringValue(),
        s.getName(), s.getKindValue(), s.getStatus().getCodeValue(), s.getStartTimeUnixNano(),
        s.getEndTimeUnixNano() - s.getStartTimeUnixNano(), values(s.getAttributesList()), values(r.getAttributesList())));
    return s;
  }

  static Map<String, Object> values(List<KeyValue> kvs) {
    Map<String, Object> m = new HashMap<>();
    for (KeyValue kv : kvs) {
      switch (kv.getValue().getValueCase()) {
        case STRING_VALUE -> m.put(kv.getKey(), kv.getValue().getStringValue());
        case INT_VALUE -> m.put(kv.getKey(), kv.getValue().getIntValue());
        case DOUBLE_VALUE -> m.put(kv.getKey(), kv.getValue().getDoubleValue());
        case BOOL_VALUE -> m.put(kv.getKey(), kv.getValue().getBoolValue());
        default -> { }
      }
    }
    return m;
  }

  // ------------------------------------------------------------------ oracle helpers

  static Set<TraceId> expected(Predicate<SpanFact> p) {
    return expected(p, now - 3_600_000 * MS, now);
  }

  static Set<TraceId> expected(Predicate<SpanFact> p, long from, long to) {
    return FACTS.stream().filter(f -> f.start >= from && f.start <= to).filter(p).map(SpanFact::trace)
        .collect(Collectors.toSet());
  }

  static Predicate<SpanFact> spanAttr(String key, Predicate<Object> value) {
    return f -> f.spanAttrs.containsKey(key) && value.test(f.spanAttrs.get(key));
  }

  static Predicate<SpanFact> resourceAttr(String key, Predicate<Object> value) {
    return f -> f.resourceAttrs.containsKey(key) && value.test(f.resourceAttrs.get(key));
  }

  static double num(Object v) {
    return v instanceof Number ? ((Number) v).doubleValue() : Double.NaN;
  }

  /** Runs the search (all pages) and returns the trace ids in the order returned. */
  static List<TraceId> search(String query) {
    List<TraceId> out = new ArrayList<>();
    String cursor = null;
    do {
      JsonNode r = store.json("/api/v1/traces?limit=1000&" + query
          + (cursor == null ? "" : "&cursor=" + cursor));
      r.path("traces").forEach(t -> out.add(TraceId.parseHex(t.path("traceId").asText())));
      cursor = r.path("nextCursor").isNull() ? null : r.path("nextCursor").asText();
    } while (cursor != null);
    return out;
  }

  static void assertSearch(String query, Predicate<SpanFact> oracle) {
    List<TraceId> got = search(query);
    Set<TraceId> want = expected(oracle);
    assertThat(want).as("the oracle must expect something for " + query).isNotEmpty();
    assertThat(new LinkedHashSet<>(got)).as(query).hasSameSizeAs(got).containsExactlyInAnyOrderElementsOf(want);
    List<Long> starts = got.stream().map(TRACE_START::get).toList();
    assertThat(starts).as("newest first").isSortedAccordingTo((a, b) -> Long.compare(b, a));
  }

  static String q(String s) {
    return StoreHarness.enc(s);
  }

  // ------------------------------------------------------------------ single filters

  @Test
  void noFilter_returnsEveryTraceOfTheLastHour_newestFirst() {
    assertSearch("", f -> true);
    assertThat(search("")).hasSize(TRACES);
  }

  @Test
  void byService() {
    assertSearch("service=payment", f -> f.service.equals("payment"));
  }

  @Test
  void bySpanName() {
    assertSearch("name=" + q("GET /cart"), f -> f.name.equals("GET /cart"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"server", "client", "consumer", "internal", "SPAN_KIND_CLIENT"})
  void byKind(String kind) {
    int k = dev.traceyard.store.query.SpanKinds.parseKind(kind);
    assertSearch("kind=" + kind, f -> f.kind == k);
  }

  @ParameterizedTest
  @ValueSource(strings = {"error", "ok", "unset"})
  void byStatus(String status) {
    int s = dev.traceyard.store.query.SpanKinds.parseStatus(status);
    assertSearch("status=" + status, f -> f.status == s);
  }

  @Test
  void byMinAndMaxDuration() {
    assertSearch("minDuration=200ms", f -> f.duration >= 200 * MS);
    assertSearch("maxDuration=20ms", f -> f.duration <= 20 * MS);
    assertSearch("minDuration=100ms&maxDuration=0.3s", f -> f.duration >= 100 * MS && f.duration <= 300 * MS);
  }

  @Test
  void byTimeRange() {
    long from = now - 10 * 60_000 * MS;
    long to = now - 5 * 60_000 * MS;
    List<TraceId> got = search("start=" + from / MS + "&end=" + to / MS);
    assertThat(got).containsExactlyInAnyOrderElementsOf(expected(f -> true, from, to));
    assertThat(got).isNotEmpty();
  }

  @Test
  void byTimeRange_rfc3339() {
    java.time.Instant to = java.time.Instant.ofEpochSecond(0, now).minusSeconds(300);
    java.time.Instant from = to.minusSeconds(300);
    List<TraceId> got = search("start=" + from + "&end=" + to);
    long f = from.getEpochSecond() * 1_000_000_000L;
    long t = to.getEpochSecond() * 1_000_000_000L + to.getNano();
    assertThat(got).containsExactlyInAnyOrderElementsOf(expected(x -> true, f, t));
  }

  @Test
  void spanAttribute_stringEquality_andInequality() {
    assertSearch("attr=" + q("span.http.route=/cart"), spanAttr("http.route", v -> v.equals("/cart")));
    assertSearch("attr=" + q("span.http.route!=/cart"), spanAttr("http.route", v -> !v.equals("/cart")));
  }

  @Test
  void spanAttribute_numericComparisons() {
    assertSearch("attr=" + q("span.http.response.status_code>=500"),
        spanAttr("http.response.status_code", v -> num(v) >= 500));
    assertSearch("attr=" + q("span.http.response.status_code=200"),
        spanAttr("http.response.status_code", v -> num(v) == 200));
    assertSearch("attr=" + q("span.ratio>2.5"), spanAttr("ratio", v -> num(v) > 2.5));
    assertSearch("attr=" + q("span.ratio<1"), spanAttr("ratio", v -> num(v) < 1));
    assertSearch("attr=" + q("span.items<=3"), spanAttr("items", v -> num(v) <= 3));
    assertSearch("attr=" + q("span.ratio=2"), spanAttr("ratio", v -> num(v) == 2));
  }

  @Test
  void spanAttribute_boolean() {
    assertSearch("attr=" + q("span.retry=true"), spanAttr("retry", v -> v.equals(true)));
  }

  @Test
  void spanAttribute_regex() {
    assertSearch("attr=" + q("span.http.route=~/c.*"), spanAttr("http.route", v -> ((String) v).matches("/c.*")));
    assertSearch("attr=" + q("span.http.route!~/c.*"), spanAttr("http.route", v -> !((String) v).matches("/c.*")));
  }

  @Test
  void resourceAttribute() {
    assertSearch("attr=" + q("resource.deployment.environment=staging"),
        resourceAttr("deployment.environment", v -> v.equals("staging")));
    assertSearch("attr=" + q("resource.pod.index>2"), resourceAttr("pod.index", v -> num(v) > 2));
  }

  // ------------------------------------------------------------------ combinations

  @Test
  void combination_allConditionsOnTheSameSpan() {
    assertSearch("service=frontend&status=error&attr=" + q("resource.deployment.environment=prod"),
        f -> f.service.equals("frontend") && f.status == 2 && "prod".equals(f.resourceAttrs.get("deployment.environment")));
    assertSearch("kind=server&minDuration=150ms&attr=" + q("span.retry=false") + "&attr=" + q("span.ratio>=2"),
        f -> f.kind == 2 && f.duration >= 150 * MS && Boolean.FALSE.equals(f.spanAttrs.get("retry"))
            && num(f.spanAttrs.getOrDefault("ratio", Double.NaN)) >= 2);
    assertSearch("service=cart&name=" + q("GET /items") + "&attr=" + q("span.items>10") + "&maxDuration=200ms",
        f -> f.service.equals("cart") && f.name.equals("GET /items") && num(f.spanAttrs.get("items")) > 10
            && f.duration <= 200 * MS);
  }

  @Test
  void combination_conditionsOnDifferentSpansDoNotMatch() {
    // The cart service never has a span named "GET /cart" (that is frontend's root).
    assertThat(search("service=cart&name=" + q("GET /cart"))).isEmpty();
  }

  @Test
  void summaries_describeTheWholeTrace() {
    JsonNode r = store.json("/api/v1/traces?service=payment&limit=1");
    JsonNode t = r.path("traces").get(0);
    TraceId id = TraceId.parseHex(t.path("traceId").asText());
    List<SpanFact> spans = FACTS.stream().filter(f -> f.trace.equals(id)).toList();

    assertThat(t.path("rootServiceName").asText()).isEqualTo("frontend");
    assertThat(t.path("rootSpanName").asText()).isIn("GET /", "GET /cart", "POST /checkout");
    assertThat(t.path("spanCount").asLong()).isEqualTo(spans.size());
    assertThat(t.path("errorCount").asLong()).isEqualTo(spans.stream().filter(f -> f.status == 2).count());
    assertThat(t.path("startTimeUnixNano").asText()).isEqualTo(Long.toString(TRACE_START.get(id)));
    assertThat(t.path("durationNanos").asLong()).isEqualTo(spans.get(0).duration);
    assertThat(t.path("services")).extracting(JsonNode::asText).containsExactly("cart", "frontend", "payment");
    assertThat(r.path("nextCursor").isNull()).isFalse();
  }

  @Test
  void servicesAndSpanNames_listWhatWasStored() {
    assertThat(store.json("/api/v1/services").path("services")).extracting(JsonNode::asText)
        .containsExactly("cart", "frontend", "payment");
    JsonNode names = store.json("/api/v1/services/frontend/spans").path("spanNames");
    assertThat(names).extracting(n -> n.path("name").asText() + "/" + n.path("kind").asText())
        .containsExactlyInAnyOrder("GET //server", "GET /cart/server", "POST /checkout/server", "call cart/client",
            "render/internal");
    assertThat(store.json("/api/v1/services/frontend/spans?kind=client").path("spanNames"))
        .extracting(n -> n.path("name").asText()).containsExactly("call cart");
  }

  @Test
  void attributeKeysAndValues_forAutocomplete() {
    JsonNode keys = store.json("/api/v1/attributes?scope=span&service=frontend").path("keys");
    assertThat(keys).extracting(n -> n.path("key").asText())
        .contains("http.route", "http.response.status_code", "retry", "ratio", "peer.service")
        .doesNotContain("items");
    JsonNode values = store.json("/api/v1/attributes/http.route/values?scope=span&service=frontend&prefix=/c").path("values");
    assertThat(values).extracting(n -> n.path("value").asText()).containsExactlyInAnyOrder("/cart", "/checkout");
    assertThat(values.get(0).path("count").asLong()).isEqualTo(20);
    JsonNode resKeys = store.json("/api/v1/attributes?scope=resource").path("keys");
    assertThat(resKeys).extracting(n -> n.path("key").asText())
        .contains("service.name", "deployment.environment", "pod.index");
    JsonNode envs = store.json("/api/v1/attributes/deployment.environment/values?scope=resource").path("values");
    assertThat(envs).extracting(n -> n.path("value").asText()).containsExactlyInAnyOrder("prod", "staging");
  }

  @Test
  void cursorOfAnotherSearch_is400() {
    String cursor = store.json("/api/v1/traces?limit=5").path("nextCursor").asText();
    HttpResponse<String> r = store.get("/api/v1/traces?limit=5&service=cart&cursor=" + cursor);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("cursor");
  }
}
