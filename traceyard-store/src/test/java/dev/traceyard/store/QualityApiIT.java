package dev.traceyard.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.traceyard.store.query.Ids;
import dev.traceyard.store.query.TraceId;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.resource.v1.Resource;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The "Instrumentation health" API over records shaped like the trace_quality contract
 * (docs/query-api.md), sent through the real exporter into a real
 * DuckDB store: aggregation, sorting by share of traces affected, trend buckets, examples, cost math,
 * levers, decoys that must not count, the empty state and bad parameters.
 */
class QualityApiIT {
  private static final long MIN = 60_000_000_000L;
  private static final InstrumentationScope QUALITY = InstrumentationScope.newBuilder()
      .setName("traceyard.trace_quality").build();
  @TempDir
  static Path dir;
  static StoreHarness store;
  static long t0;

  /** Report interval {@code i} (0..9) ends at t0 - (10 - i) minutes. */
  static long at(int i) {
    return t0 - (10 - i) * MIN;
  }

  static TraceId trace(int n) {
    return TestData.traceId(10_000 + n);
  }

  @BeforeAll
  static void load() throws Exception {
    store = StoreHarness.start(dir);
    t0 = store.clock.nanos();
    List<LogRecord> checkout = new ArrayList<>();
    List<LogRecord> inventory = new ArrayList<>();
    List<LogRecord> clean = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      // B: every interval, half of the traces; the example of interval 8 repeats the trace of interval 9.
      checkout.add(finding(at(i), trace(i == 8 ? 209 : 200 + i), 2, "high_cardinality_attribute",
          "GET /users/{id}", "user.id", null, 1, 50, 100, "user.id has ~" + (i + 1) * 1000 + " distinct values",
          (i + 1) * 1000L));
      // A: intervals 2..5, 3 orphans in 2 traces each.
      if (i >= 2 && i <= 5) {
        checkout.add(finding(at(i), trace(100 + i), 3, "orphan_span", "GET /cart", null, null, 3, 2, 100,
            "3 spans whose parent never arrived", null));
      }
      // Cost: two span names and the service row "*".
      checkout.add(cost(at(i), "GET /cart", 300, 100, 150_000, 100_000));
      checkout.add(cost(at(i), "SELECT", 700, 100, 70_000, 20_000));
      checkout.add(cost(at(i), "*", 1000, 100, 0, 0));
      checkout.add(costAttribute(at(i), "http.request.header.cookie", 60_000, 300));
      checkout.add(costAttribute(at(i), "user.id", 10_000, 1000));
      inventory.add(cost(at(i), "GET /stock", 200, 200, 40_000, 5_000));
      inventory.add(cost(at(i), "*", 200, 200, 0, 0));
      clean.add(cost(at(i), "ping", 10, 10, 1_000, 100));
      clean.add(cost(at(i), "*", 10, 10, 0, 0));
    }
    // C: once, a service-pair finding, without example span.
    checkout.add(finding(at(9), trace(300), 0, "missing_client_side", "POST /pay", null, "frontend", 1, 1, 100,
        "frontend never reports the CLIENT side", null));
    // A finding without an example trace still counts.
    inventory.add(finding(at(9), null, 0, "missing_service_version", null, null, null, 200, 200, 200,
        "service.version is missing", null));
    // Outside the 15-minute window: counts only with a wider one.
    checkout.add(finding(t0 - 120 * MIN, trace(400), 1, "clock_skew", "GET /cart", null, null, 5, 5, 100, "skew",
        null));
    store.send(report("checkout", checkout));
    store.send(report("inventory", inventory));
    store.send(report("clean", clean));

    // Decoys: the same event name and attributes from an application (no traceyard.internal), and an
    // internal resource under another scope. Neither may count.
    LogRecord fake = finding(at(9), trace(205), 1, "orphan_span", "GET /cart", null, null, 1000, 1000, 1000, "fake",
        null);
    store.send(ExportLogsServiceRequest.newBuilder().addResourceLogs(ResourceLogs.newBuilder()
        .setResource(TestData.resource("checkout"))
        .addScopeLogs(ScopeLogs.newBuilder().setScope(QUALITY).addLogRecords(fake))
        .addScopeLogs(ScopeLogs.newBuilder().setScope(TestData.SCOPE).addLogRecords(fake))).build());
    store.send(ExportLogsServiceRequest.newBuilder().addResourceLogs(ResourceLogs.newBuilder()
        .setResource(internal("checkout"))
        .addScopeLogs(ScopeLogs.newBuilder().setScope(TestData.SCOPE).addLogRecords(fake))).build());
    store.flush();
  }

  @AfterAll
  static void stop() {
    store.close();
  }

  static Resource internal(String service) {
    return TestData.resource(service, TestData.bool("traceyard.internal", true));
  }

  static ExportLogsServiceRequest report(String service, List<LogRecord> records) {
    return ExportLogsServiceRequest.newBuilder().addResourceLogs(ResourceLogs.newBuilder()
        .setResource(internal(service))
        .addScopeLogs(ScopeLogs.newBuilder().setScope(QUALITY).addAllLogRecords(records))).build();
  }

  static LogRecord finding(long time, TraceId trace, long span, String kind, String spanName, String attributeKey,
      String peer, long count, long affected, long total, String detail, Long cardinality) {
    List<KeyValue> a = new ArrayList<>();
    a.add(TestData.str("quality.kind", kind));
    if (spanName != null) {
      a.add(TestData.str("quality.span_name", spanName));
    }
    if (attributeKey != null) {
      a.add(TestData.str("quality.attribute_key", attributeKey));
    }
    if (peer != null) {
      a.add(TestData.str("quality.peer_service", peer));
    }
    a.add(TestData.integer("quality.count", count));
    a.add(TestData.integer("quality.traces_affected", affected));
    a.add(TestData.integer("quality.traces_total", total));
    if (trace != null) {
      a.add(TestData.str("quality.example_trace_id", trace.toHex()));
    }
    a.add(TestData.str("quality.detail", detail));
    if (cardinality != null) {
      a.add(TestData.integer("quality.cardinality_estimate", cardinality));
    }
    a.add(TestData.integer("quality.interval_seconds", 60));
    LogRecord.Builder b = record(time, "trace_quality.finding", a);
    if (trace != null) {
      b.setTraceId(trace.toBytes());
      if (span != 0) {
        b.setSpanId(TestData.spanId(span));
      }
    }
    return b.build();
  }

  static LogRecord cost(long time, String spanName, long spans, long traces, long bytes, long attributeBytes) {
    return record(time, "trace_quality.cost", List.of(TestData.str("cost.span_name", spanName),
        TestData.integer("cost.spans", spans), TestData.integer("cost.traces", traces),
        TestData.integer("cost.bytes", bytes), TestData.integer("cost.attribute_bytes", attributeBytes),
        TestData.integer("quality.interval_seconds", 60))).build();
  }

  static LogRecord costAttribute(long time, String key, long bytes, long count) {
    return record(time, "trace_quality.cost_attribute", List.of(TestData.str("cost.attribute_key", key),
        TestData.integer("cost.bytes", bytes), TestData.integer("cost.count", count),
        TestData.integer("quality.interval_seconds", 60))).build();
  }

  static LogRecord.Builder record(long time, String event, List<KeyValue> attributes) {
    return LogRecord.newBuilder().setTimeUnixNano(time).setObservedTimeUnixNano(time).setEventName(event)
        .setBody(io.opentelemetry.proto.common.v1.AnyValue.newBuilder().setStringValue(event))
        .addAllAttributes(attributes);
  }

  static List<JsonNode> list(JsonNode array) {
    return StreamSupport.stream(array.spliterator(), false).toList();
  }

  @Test
  void findingsOfAService_areSummedOverTheRange_andSortedByShareOfTracesAffected() {
    JsonNode r = store.json("/api/v1/quality/findings?service=checkout&lookback=15m");
    assertThat(r.path("service").asText()).isEqualTo("checkout");
    assertThat(r.path("tracesTotal").asLong()).isEqualTo(1000); // 10 reports of 100 traces
    List<JsonNode> f = list(r.path("findings"));
    assertThat(f).extracting(n -> n.path("kind").asText())
        .containsExactly("high_cardinality_attribute", "orphan_span", "missing_client_side");

    JsonNode b = f.get(0);
    assertThat(b.path("spanName").asText()).isEqualTo("GET /users/{id}");
    assertThat(b.path("attributeKey").asText()).isEqualTo("user.id");
    assertThat(b.path("peerService").isNull()).isTrue();
    assertThat(b.path("count").asLong()).isEqualTo(10);
    assertThat(b.path("tracesAffected").asLong()).isEqualTo(500);
    assertThat(b.path("tracesTotal").asLong()).isEqualTo(1000);
    assertThat(b.path("share").asDouble()).isCloseTo(0.5, within(1e-9));
    assertThat(b.path("cardinalityEstimate").asLong()).isEqualTo(10_000);
    assertThat(b.path("detail").asText()).isEqualTo("user.id has ~10000 distinct values"); // the latest report's
    assertThat(b.path("lastSeenUnixNano").asText()).isEqualTo(Long.toString(at(9)));

    JsonNode a = f.get(1);
    assertThat(a.path("spanName").asText()).isEqualTo("GET /cart");
    assertThat(a.path("attributeKey").isNull()).isTrue();
    assertThat(a.path("count").asLong()).isEqualTo(12); // not the application's fake 1000
    assertThat(a.path("tracesAffected").asLong()).isEqualTo(8);
    assertThat(a.path("share").asDouble()).isCloseTo(0.008, within(1e-9));
    assertThat(a.path("cardinalityEstimate").isNull()).isTrue();

    JsonNode c = f.get(2);
    assertThat(c.path("peerService").asText()).isEqualTo("frontend");
    assertThat(c.path("share").asDouble()).isCloseTo(0.001, within(1e-9));
  }

  @Test
  void trend_hasOneCountPerBucket_withTheBucketChosenFromTheRange() {
    JsonNode r = store.json("/api/v1/quality/findings?service=checkout&lookback=15m");
    assertThat(r.path("bucketSeconds").asLong()).isEqualTo(60);
    long first = t0 - 15 * MIN; // t0 is a whole minute
    assertThat(r.path("bucketStartUnixNano").asText()).isEqualTo(Long.toString(first));
    JsonNode orphans = list(r.path("findings")).get(1);
    long[] expected = new long[16];
    for (int i = 2; i <= 5; i++) {
      expected[(int) ((at(i) - first) / MIN)] = 3;
    }
    assertThat(list(orphans.path("trend")).stream().mapToLong(JsonNode::asLong).toArray()).containsExactly(expected);

    // A day: half-hour buckets, aligned to multiples of 30 minutes; the counts still add up.
    JsonNode day = store.json("/api/v1/quality/findings?service=checkout&lookback=24h");
    assertThat(day.path("bucketSeconds").asLong()).isEqualTo(1800);
    long dayFirst = Math.floorDiv(t0 - 1440 * MIN, 30 * MIN) * 30 * MIN;
    assertThat(day.path("bucketStartUnixNano").asText()).isEqualTo(Long.toString(dayFirst));
    for (JsonNode f : day.path("findings")) {
      assertThat(f.path("trend").size()).isEqualTo((int) ((t0 - dayFirst) / (30 * MIN)) + 1);
      assertThat(list(f.path("trend")).stream().mapToLong(JsonNode::asLong).sum()).isEqualTo(f.path("count").asLong());
    }
    // The older clock_skew report is inside the day.
    assertThat(list(day.path("findings"))).extracting(n -> n.path("kind").asText()).contains("clock_skew");
  }

  @Test
  void examples_areTheFiveMostRecentDistinctTraces_withTheirSpans() {
    List<JsonNode> f = list(store.json("/api/v1/quality/findings?service=checkout&lookback=15m").path("findings"));
    assertThat(list(f.get(0).path("examples"))).extracting(e -> e.path("traceId").asText())
        .containsExactly(trace(209).toHex(), trace(207).toHex(), trace(206).toHex(), trace(205).toHex(),
            trace(204).toHex());
    JsonNode latest = f.get(0).path("examples").get(0);
    assertThat(latest.path("spanId").asText()).isEqualTo(Ids.hex(Ids.spanId(TestData.spanId(2))));
    assertThat(latest.path("timeUnixNano").asText()).isEqualTo(Long.toString(at(9)));
    assertThat(list(f.get(1).path("examples"))).extracting(e -> e.path("traceId").asText())
        .containsExactly(trace(105).toHex(), trace(104).toHex(), trace(103).toHex(), trace(102).toHex());
    JsonNode pair = f.get(2).path("examples").get(0);
    assertThat(pair.path("traceId").asText()).isEqualTo(trace(300).toHex());
    assertThat(pair.path("spanId").isNull()).isTrue();
  }

  @Test
  void withoutService_listsEveryReportingService_worstFirst_cleanOnesIncluded() {
    JsonNode r = store.json("/api/v1/quality/findings?lookback=15m");
    assertThat(r.has("findings")).isFalse();
    List<JsonNode> s = list(r.path("services"));
    assertThat(s).extracting(n -> n.path("service").asText()).containsExactly("checkout", "inventory", "clean");
    assertThat(s.get(0).path("worstShare").asDouble()).isCloseTo(0.5, within(1e-9));
    assertThat(s.get(0).path("worstKind").asText()).isEqualTo("high_cardinality_attribute");
    assertThat(s.get(0).path("findings").asInt()).isEqualTo(3);
    assertThat(s.get(0).path("findingKinds").asInt()).isEqualTo(3);
    assertThat(s.get(1).path("worstShare").asDouble()).isCloseTo(0.1, within(1e-9)); // 200 of 2000 traces
    assertThat(s.get(1).path("worstKind").asText()).isEqualTo("missing_service_version");
    assertThat(s.get(1).path("tracesTotal").asLong()).isEqualTo(2000);
    assertThat(s.get(2).path("worstShare").asDouble()).isZero();
    assertThat(s.get(2).path("findings").asInt()).isZero();
    assertThat(s.get(2).path("worstKind").isNull()).isTrue();
    assertThat(s.get(2).path("tracesTotal").asLong()).isEqualTo(100);
  }

  @Test
  void cost_derivesRatesPerTraceAndPerSpan_andSharesOfAllBytes() {
    JsonNode r = store.json("/api/v1/quality/cost?service=checkout&lookback=15m");
    assertThat(r.path("observedSeconds").asDouble()).isCloseTo(600, within(1e-9)); // 10 one-minute reports
    assertThat(r.path("totalBytes").asLong()).isEqualTo(2_200_000 + 400_000 + 10_000);
    assertThat(r.path("services").size()).isEqualTo(1);
    JsonNode s = r.path("services").get(0);
    assertThat(s.path("service").asText()).isEqualTo("checkout");
    assertThat(s.path("traces").asLong()).isEqualTo(1000);
    assertThat(s.path("spans").asLong()).isEqualTo(10_000);
    assertThat(s.path("bytes").asLong()).isEqualTo(2_200_000);
    assertThat(s.path("attributeBytes").asLong()).isEqualTo(1_200_000);
    assertThat(s.path("tracesPerSecond").asDouble()).isCloseTo(1000 / 600.0, within(1e-9));
    assertThat(s.path("spansPerTrace").asDouble()).isCloseTo(10, within(1e-9));
    assertThat(s.path("bytesPerSpan").asDouble()).isCloseTo(220, within(1e-9));
    assertThat(s.path("share").asDouble()).isCloseTo(2_200_000 / 2_610_000.0, within(1e-9));
    assertThat(s.path("lever").path("name").asText()).isEqualTo("trim_attributes");
    assertThat(s.path("lever").path("reason").asText()).contains("55%").contains("http.request.header.cookie");

    List<JsonNode> names = list(s.path("spanNames"));
    assertThat(names).extracting(n -> n.path("name").asText()).containsExactly("GET /cart", "SELECT");
    assertThat(names.get(0).path("spans").asLong()).isEqualTo(3000);
    assertThat(names.get(0).path("bytes").asLong()).isEqualTo(1_500_000);
    assertThat(names.get(0).path("spansPerSecond").asDouble()).isCloseTo(5, within(1e-9));
    assertThat(names.get(0).path("spansPerTrace").asDouble()).isCloseTo(3, within(1e-9));
    assertThat(names.get(0).path("bytesPerSpan").asDouble()).isCloseTo(500, within(1e-9));
    assertThat(names.get(0).path("share").asDouble()).isCloseTo(1_500_000 / 2_200_000.0, within(1e-9));
    assertThat(names.get(1).path("spansPerTrace").asDouble()).isCloseTo(7, within(1e-9));

    List<JsonNode> keys = list(s.path("attributes"));
    assertThat(keys).extracting(n -> n.path("key").asText()).containsExactly("http.request.header.cookie", "user.id");
    assertThat(keys.get(0).path("bytes").asLong()).isEqualTo(600_000);
    assertThat(keys.get(0).path("count").asLong()).isEqualTo(3000);
    assertThat(keys.get(0).path("share").asDouble()).isCloseTo(600_000 / 2_200_000.0, within(1e-9));
  }

  @Test
  void costWithoutService_listsEveryService_biggestFirst_withItsLever() {
    JsonNode r = store.json("/api/v1/quality/cost?lookback=15m");
    List<JsonNode> s = list(r.path("services"));
    assertThat(s).extracting(n -> n.path("service").asText()).containsExactly("checkout", "inventory", "clean");
    assertThat(s).extracting(n -> n.path("lever").path("name").asText())
        .containsExactly("trim_attributes", "lower_sample_rate", "none");
    assertThat(s.get(1).path("tracesPerSecond").asDouble()).isCloseTo(2000 / 600.0, within(1e-9));
    assertThat(s.get(0).has("spanNames")).isFalse();
    assertThat(s.stream().mapToDouble(n -> n.path("share").asDouble()).sum()).isCloseTo(1.0, within(1e-9));
  }

  @Test
  void aRangeWithoutReports_isEmpty_notAnError() {
    String range = "start=2026-11-20T00:00:00Z&end=2026-11-20T01:00:00Z";
    assertThat(store.json("/api/v1/quality/findings?" + range).path("services")).isEmpty();
    assertThat(store.json("/api/v1/quality/findings?service=checkout&" + range).path("findings")).isEmpty();
    assertThat(store.json("/api/v1/quality/cost?" + range).path("services")).isEmpty();
    assertThat(store.json("/api/v1/quality/findings?service=nobody&lookback=15m").path("findings")).isEmpty();
  }

  @Test
  void reportsAreNotListedAmongTheLogsOfTheirExampleTrace() {
    // The example trace of interval 5 also has the application's fake record (no traceyard.internal).
    JsonNode logs = store.json("/api/v1/traces/" + trace(205).toHex() + "/logs");
    List<String> bodies = new ArrayList<>();
    for (JsonNode rl : logs.path("resourceLogs")) {
      for (JsonNode sl : rl.path("scopeLogs")) {
        for (JsonNode l : sl.path("logRecords")) {
          bodies.add(l.path("attributes").toString());
        }
      }
    }
    assertThat(bodies).hasSize(2).allMatch(b -> b.contains("fake")); // the two application decoys only
  }

  @Test
  void reportResources_areNotOfferedAsResourceAttributeKeysForSearch() {
    JsonNode keys = store.json("/api/v1/attributes?scope=resource");
    assertThat(list(keys.path("keys"))).extracting(k -> k.path("key").asText()).doesNotContain("traceyard.internal");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "/api/v1/quality/findings?start=2026-11-24T10:00:00Z&end=2026-11-24T09:00:00Z | start is after end",
      "/api/v1/quality/findings?kind=orphan_span | unknown parameter 'kind'",
      "/api/v1/quality/findings?lookback=forever | parameter 'lookback'",
      "/api/v1/quality/cost?end=yesterday | parameter 'end' must be an RFC 3339 timestamp",
      "/api/v1/quality/cost?service=a&limit=3 | unknown parameter 'limit'"})
  void badParameters_are400sThatSayWhatIsWrong(String path, String message) {
    HttpResponse<String> r = store.get(path.trim());
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(StoreHarness.parse(r.body()).path("error").asText()).contains(message.trim());
  }
}
