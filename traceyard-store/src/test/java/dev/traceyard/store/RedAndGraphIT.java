package dev.traceyard.store;

import static dev.traceyard.store.TestData.MS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.traceyard.store.query.TraceId;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RED series from the span-metric table and the service graph from span pairs. */
class RedAndGraphIT {
  @TempDir
  static Path dir;
  static StoreHarness store;
  /** The start of a whole minute, 10 minutes before the clock. */
  static long minute;

  @BeforeAll
  static void load() throws Exception {
    store = StoreHarness.start(dir);
    minute = (store.clock.nanos() / 60_000_000_000L - 10) * 60_000_000_000L;
    // 100 frontend -> cart calls in one minute: server durations 1..100 ms, every 10th call fails.
    ExportTraceServiceRequest.Builder req = ExportTraceServiceRequest.newBuilder();
    ResourceSpans.Builder front = ResourceSpans.newBuilder().setResource(TestData.resource("frontend"));
    ScopeSpans.Builder frontScope = ScopeSpans.newBuilder().setScope(TestData.SCOPE);
    ResourceSpans.Builder cart = ResourceSpans.newBuilder().setResource(TestData.resource("cart"));
    ScopeSpans.Builder cartScope = ScopeSpans.newBuilder().setScope(TestData.SCOPE);
    for (int i = 1; i <= 100; i++) {
      TraceId id = TestData.traceId(i);
      long start = minute + i * 100 * MS;
      Status.StatusCode status = i % 10 == 0 ? Status.StatusCode.STATUS_CODE_ERROR : Status.StatusCode.STATUS_CODE_UNSET;
      frontScope.addSpans(TestData.span(id, 1, null, "GET /", Span.SpanKind.SPAN_KIND_SERVER, start, (i + 10) * MS,
          Status.StatusCode.STATUS_CODE_UNSET));
      frontScope.addSpans(TestData.span(id, 2, 1L, "GET /cart", Span.SpanKind.SPAN_KIND_CLIENT, start + MS, (i + 2) * MS,
          status));
      cartScope.addSpans(TestData.span(id, 3, 2L, "GET /cart", Span.SpanKind.SPAN_KIND_SERVER, start + 2 * MS, i * MS,
          status));
    }
    // A producer -> consumer hop, and a same-service client -> server pair that is not an edge.
    TraceId msg = TestData.traceId(500);
    frontScope.addSpans(TestData.span(msg, 1, null, "publish", Span.SpanKind.SPAN_KIND_PRODUCER, minute, MS,
        Status.StatusCode.STATUS_CODE_UNSET));
    ResourceSpans.Builder worker = ResourceSpans.newBuilder().setResource(TestData.resource("worker"))
        .addScopeSpans(ScopeSpans.newBuilder().setScope(TestData.SCOPE).addSpans(TestData.span(msg, 2, 1L, "consume",
            Span.SpanKind.SPAN_KIND_CONSUMER, minute + 5 * MS, 3 * MS, Status.StatusCode.STATUS_CODE_UNSET)));
    TraceId self = TestData.traceId(501);
    cartScope.addSpans(TestData.span(self, 1, null, "self call", Span.SpanKind.SPAN_KIND_CLIENT, minute, MS,
        Status.StatusCode.STATUS_CODE_UNSET));
    cartScope.addSpans(TestData.span(self, 2, 1L, "self serve", Span.SpanKind.SPAN_KIND_SERVER, minute, MS,
        Status.StatusCode.STATUS_CODE_UNSET));
    req.addResourceSpans(front.addScopeSpans(frontScope)).addResourceSpans(cart.addScopeSpans(cartScope));
    store.send(req.build());
    store.flush();
    // The consumer arrives in a later write group than its producer parent: that edge joins on the
    // stored parent id, the others (parent in the same group) on the parent's row (parent_off).
    store.send(ExportTraceServiceRequest.newBuilder().addResourceSpans(worker).build());
    store.flush();
  }

  @AfterAll
  static void stop() {
    store.close();
  }

  static String range() {
    return "start=" + Instant.ofEpochSecond(0, minute) + "&end=" + Instant.ofEpochSecond(0, minute + 60_000_000_000L);
  }

  @Test
  void red_perSpanName_countsEverySpan_withRateErrorsAndPercentiles() {
    JsonNode r = store.json("/api/v1/red?service=cart&name=" + StoreHarness.enc("GET /cart") + "&step=1m&" + range());

    assertThat(r.path("stepSeconds").asLong()).isEqualTo(60);
    assertThat(r.path("series")).hasSize(1);
    JsonNode s = r.path("series").get(0);
    assertThat(s.path("service").asText()).isEqualTo("cart");
    assertThat(s.path("spanName").asText()).isEqualTo("GET /cart");
    JsonNode p = s.path("points").get(0);
    assertThat(Long.parseLong(p.path("timeUnixNano").asText())).isEqualTo(minute);
    assertThat(p.path("count").asLong()).isEqualTo(100);
    assertThat(p.path("errors").asLong()).isEqualTo(10);
    assertThat(p.path("rate").asDouble()).isCloseTo(100 / 60.0, within(1e-9));
    assertThat(p.path("errorRate").asDouble()).isCloseTo(0.1, within(1e-9));
    assertThat(p.path("avgMs").asDouble()).isCloseTo(50.5, within(1e-9));
    // Durations 1..100 ms: percentiles interpolated within the histogram buckets.
    assertThat(p.path("p50Ms").asDouble()).isCloseTo(50, within(5.0));
    assertThat(p.path("p95Ms").asDouble()).isCloseTo(95, within(10.0));
    assertThat(p.path("p99Ms").asDouble()).isCloseTo(99, within(10.0));
  }

  @Test
  void red_perService_aggregatesSpanNamesAndKinds_andZeroFillsEmptySteps() {
    JsonNode r = store.json("/api/v1/red?service=frontend&step=1m&start="
        + Instant.ofEpochSecond(0, minute - 120_000_000_000L) + "&end=" + Instant.ofEpochSecond(0, minute + 60_000_000_000L));

    JsonNode s = r.path("series").get(0);
    assertThat(s.path("spanName").isNull()).isTrue();
    assertThat(s.path("points")).hasSize(3);
    assertThat(s.path("points").get(0).path("count").asLong()).isZero();
    assertThat(s.path("points").get(0).path("p50Ms").isNull()).isTrue();
    assertThat(s.path("points").get(2).path("count").asLong()).isEqualTo(201);
  }

  @Test
  void red_groupByName_givesOneSeriesPerSpanName_andKindFilters() {
    JsonNode r = store.json("/api/v1/red?service=frontend&groupBy=name&kind=server&step=1m&" + range());
    assertThat(r.path("series")).extracting(n -> n.path("spanName").asText()).containsExactly("GET /");
  }

  @Test
  void serviceGraph_hasClientServerAndProducerConsumerEdges_withRed() {
    JsonNode edges = store.json("/api/v1/dependencies?" + range()).path("edges");

    assertThat(edges).extracting(e -> e.path("parent").asText() + "->" + e.path("child").asText())
        .containsExactly("frontend->cart", "frontend->worker");
    JsonNode cart = edges.get(0);
    assertThat(cart.path("callCount").asLong()).isEqualTo(100);
    assertThat(cart.path("errorCount").asLong()).isEqualTo(10);
    assertThat(cart.path("errorRate").asDouble()).isCloseTo(0.1, within(1e-9));
    assertThat(cart.path("rate").asDouble()).isCloseTo(100 / 60.0, within(1e-9));
    assertThat(cart.path("p50Ms").asDouble()).isCloseTo(50.5, within(0.01));
    assertThat(cart.path("p99Ms").asDouble()).isCloseTo(99.01, within(0.01));
  }

  @Test
  void exemplars_nearAPercentile_areTheSpansOfThatMomentClosestToIt() {
    JsonNode r = store.json("/api/v1/exemplars?service=cart&name=" + StoreHarness.enc("GET /cart") + "&near=95ms&limit=3&"
        + range());

    // Durations 1..100 ms: 95 is exact; 96 and 94 tie on distance, the later one first.
    assertThat(r.path("exemplars")).extracting(e -> e.path("durationNanos").asLong())
        .containsExactly(95 * MS, 96 * MS, 94 * MS);
    JsonNode first = r.path("exemplars").get(0);
    assertThat(first.path("traceId").asText()).isEqualTo(TestData.traceId(95).toHex());
    assertThat(first.path("spanId").asText()).isEqualTo(dev.traceyard.collector.otlp.Hex.encode(
        TestData.spanId(3).toByteArray()));
    assertThat(first.path("service").asText()).isEqualTo("cart");
    assertThat(first.path("spanName").asText()).isEqualTo("GET /cart");
    assertThat(Long.parseLong(first.path("startTimeUnixNano").asText())).isEqualTo(minute + 95 * 100 * MS + 2 * MS);
    assertThat(first.path("status").asText()).isEqualTo("unset");
  }

  @Test
  void exemplars_ofErrors_areErrorSpansSlowestFirst() {
    JsonNode r = store.json("/api/v1/exemplars?service=cart&status=error&limit=3&" + range());

    assertThat(r.path("exemplars")).extracting(e -> e.path("durationNanos").asLong())
        .containsExactly(100 * MS, 90 * MS, 80 * MS);
    assertThat(r.path("exemplars")).extracting(e -> e.path("status").asText()).containsOnly("error");
  }

  @Test
  void exemplars_giveOneSpanPerTrace() {
    // Every frontend trace has two frontend spans; each trace is listed once, by its slowest span.
    JsonNode r = store.json("/api/v1/exemplars?service=frontend&kind=server&limit=100&" + range());
    assertThat(r.path("exemplars")).hasSize(100);
    JsonNode all = store.json("/api/v1/exemplars?service=frontend&limit=100&" + range()).path("exemplars");
    java.util.Set<String> traces = new java.util.HashSet<>();
    all.forEach(e -> traces.add(e.path("traceId").asText()));
    assertThat(traces).hasSize(all.size());
    assertThat(all.get(0).path("spanName").asText()).isEqualTo("GET /");
    assertThat(all.get(0).path("durationNanos").asLong()).isEqualTo(110 * MS);
  }

  @Test
  void exemplars_outsideTheMoment_areNone_andBadParametersAre400() {
    JsonNode r = store.json("/api/v1/exemplars?service=cart&start=" + Instant.ofEpochSecond(0, minute - 60_000_000_000L)
        + "&end=" + Instant.ofEpochSecond(0, minute));
    assertThat(r.path("exemplars")).isEmpty();

    assertThat(store.get("/api/v1/exemplars?near=fast").statusCode()).isEqualTo(400);
    assertThat(store.get("/api/v1/exemplars?limit=0").body()).contains("limit");
    assertThat(store.get("/api/v1/exemplars?status=bad").statusCode()).isEqualTo(400);
    assertThat(store.get("/api/v1/exemplars?traceId=1").body()).contains("traceId");
  }
}
