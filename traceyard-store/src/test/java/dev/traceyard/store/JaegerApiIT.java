package dev.traceyard.store;

import static dev.traceyard.store.TestData.MS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.traceyard.collector.otlp.Hex;
import dev.traceyard.store.query.TraceId;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The Jaeger query API contract: envelope, field names and JSON types as Jaeger's UI model defines them. */
class JaegerApiIT {
  @TempDir
  static Path dir;
  static StoreHarness store;
  static final TraceId TRACE = TestData.traceId(77);
  static long start;

  @BeforeAll
  static void load() throws Exception {
    store = StoreHarness.start(dir);
    start = store.clock.nanos() - 60_000 * MS;
    store.send(TestData.fullTrace(TRACE, start));
    store.flush();
  }

  @AfterAll
  static void stop() {
    store.close();
  }

  static void assertEnvelope(JsonNode r) {
    assertThat(r.has("data")).isTrue();
    assertThat(r.path("total").isInt()).isTrue();
    assertThat(r.path("limit").isInt()).isTrue();
    assertThat(r.path("offset").isInt()).isTrue();
    assertThat(r.path("errors").isNull()).isTrue();
  }

  @Test
  void services_listsServiceNames() {
    JsonNode r = store.json("/api/services");
    assertEnvelope(r);
    assertThat(r.path("data")).extracting(JsonNode::asText).containsExactly("backend", "frontend");
    assertThat(r.path("total").asInt()).isEqualTo(2);
  }

  @Test
  void operations_legacyAndWithSpanKind() {
    JsonNode legacy = store.json("/api/services/frontend/operations");
    assertEnvelope(legacy);
    assertThat(legacy.path("data")).extracting(JsonNode::asText)
        .containsExactlyInAnyOrder("GET /checkout", "POST /pay", "render");

    JsonNode ops = store.json("/api/operations?service=frontend&spanKind=client");
    assertEnvelope(ops);
    assertThat(ops.path("data")).hasSize(1);
    assertThat(ops.path("data").get(0).path("name").asText()).isEqualTo("POST /pay");
    assertThat(ops.path("data").get(0).path("spanKind").asText()).isEqualTo("client");
  }

  @Test
  void traceById_hasJaegerShape() {
    JsonNode r = store.json("/api/traces/" + TRACE.toHex());
    assertEnvelope(r);
    JsonNode trace = r.path("data").get(0);
    assertThat(trace.path("traceID").asText()).isEqualTo(TRACE.toHex());
    assertThat(trace.path("spans")).hasSize(4);
    assertThat(trace.path("processes").size()).isEqualTo(2);

    JsonNode root = find(trace.path("spans"), "GET /checkout");
    assertThat(root.path("spanID").asText()).isEqualTo(Hex.encode(TestData.spanId(1)));
    assertThat(root.path("traceID").asText()).isEqualTo(TRACE.toHex());
    assertThat(root.path("startTime").isIntegralNumber()).isTrue();
    assertThat(root.path("startTime").asLong()).isEqualTo(start / 1000);
    assertThat(root.path("duration").asLong()).isEqualTo(250_000);
    assertThat(root.path("flags").asLong()).isEqualTo(0x301);
    // The link is a FOLLOWS_FROM reference; the root has no parent.
    assertThat(root.path("references")).hasSize(1);
    assertThat(root.path("references").get(0).path("refType").asText()).isEqualTo("FOLLOWS_FROM");
    assertThat(root.path("references").get(0).path("spanID").asText()).isEqualTo(Hex.encode(TestData.spanId(42)));
    JsonNode tags = root.path("tags");
    assertThat(tag(tags, "span.string").path("type").asText()).isEqualTo("string");
    assertThat(tag(tags, "span.int").path("type").asText()).isEqualTo("int64");
    assertThat(tag(tags, "span.int").path("value").isIntegralNumber()).isTrue();
    assertThat(tag(tags, "span.double").path("type").asText()).isEqualTo("float64");
    assertThat(tag(tags, "span.double").path("value").asDouble()).isEqualTo(3.25);
    assertThat(tag(tags, "span.bool").path("type").asText()).isEqualTo("bool");
    assertThat(tag(tags, "span.bool").path("value").isBoolean()).isTrue();
    assertThat(tag(tags, "span.bytes").path("type").asText()).isEqualTo("binary");
    assertThat(tag(tags, "span.bytes").path("value").asText()).isEqualTo("AAH/");
    assertThat(tag(tags, "span.kind").path("value").asText()).isEqualTo("server");
    assertThat(tag(tags, "otel.status_code").path("value").asText()).isEqualTo("ERROR");
    assertThat(tag(tags, "error").path("value").asBoolean()).isTrue();
    assertThat(tag(tags, "otel.status_description").path("value").asText()).isEqualTo("payment failed");
    assertThat(tag(tags, "otel.scope.name").path("value").asText()).isEqualTo("io.example.http");
    assertThat(tag(tags, "w3c.tracestate").path("value").asText()).isEqualTo("vendor=value,other=x");
    // Events are logs with an "event" field.
    JsonNode log = root.path("logs").get(0);
    assertThat(log.path("timestamp").asLong()).isEqualTo((start + 5 * MS) / 1000);
    assertThat(tag(log.path("fields"), "event").path("value").asText()).isEqualTo("exception");
    assertThat(tag(log.path("fields"), "exception.message").path("value").asText()).isEqualTo("boom");

    JsonNode client = find(trace.path("spans"), "POST /pay");
    assertThat(client.path("references").get(0).path("refType").asText()).isEqualTo("CHILD_OF");
    assertThat(client.path("references").get(0).path("spanID").asText()).isEqualTo(Hex.encode(TestData.spanId(1)));

    JsonNode process = trace.path("processes").path(root.path("processID").asText());
    assertThat(process.path("serviceName").asText()).isEqualTo("frontend");
    assertThat(process.path("tags")).extracting(t -> t.path("key").asText()).contains("res.string", "res.int")
        .doesNotContain("service.name");
  }

  @Test
  void search_returnsFullTraces_andFiltersByOperationTagsAndDuration() {
    String window = "&start=" + (start / 1000 - 1000) + "&end=" + (start / 1000 + 1_000_000);
    JsonNode r = store.json("/api/traces?service=backend&limit=20" + window);
    assertEnvelope(r);
    assertThat(r.path("data")).hasSize(1);
    assertThat(r.path("data").get(0).path("spans")).hasSize(4);

    assertThat(store.json("/api/traces?service=frontend&operation=" + StoreHarness.enc("POST /pay") + window)
        .path("data")).hasSize(1);
    assertThat(store.json("/api/traces?service=frontend&operation=nope" + window).path("data")).isEmpty();
    assertThat(store.json("/api/traces?service=backend&tags=" + StoreHarness.enc("{\"http.route\":\"/pay\"}") + window)
        .path("data")).hasSize(1);
    // Resource attributes are Jaeger process tags, so they match too.
    assertThat(store.json("/api/traces?service=backend&tags=" + StoreHarness.enc("{\"k8s.namespace.name\":\"shop\"}")
        + window).path("data")).hasSize(1);
    assertThat(store.json("/api/traces?service=frontend&tag=http.response.status_code:500" + window).path("data"))
        .hasSize(1);
    assertThat(store.json("/api/traces?service=backend&tags=" + StoreHarness.enc("{\"http.route\":\"/other\"}") + window)
        .path("data")).isEmpty();
    assertThat(store.json("/api/traces?service=frontend&minDuration=300ms" + window).path("data")).isEmpty();
    assertThat(store.json("/api/traces?service=frontend&minDuration=200ms&maxDuration=1s" + window).path("data"))
        .hasSize(1);
    // The UI's lookback when no start is given.
    assertThat(store.json("/api/traces?service=frontend&lookback=2h&limit=20").path("data")).hasSize(1);
    assertThat(store.json("/api/traces?service=frontend&lookback=2d").path("data")).hasSize(1);
    assertThat(store.json("/api/traces?traceID=" + TRACE.toHex()).path("data")).hasSize(1);
  }

  @Test
  void dependencies_listCallCounts() {
    JsonNode r = store.json("/api/dependencies?endTs=" + (store.clock.nanos() / MS) + "&lookback=3600000");
    assertEnvelope(r);
    assertThat(r.path("data")).hasSize(1);
    JsonNode d = r.path("data").get(0);
    assertThat(d.path("parent").asText()).isEqualTo("frontend");
    assertThat(d.path("child").asText()).isEqualTo("backend");
    assertThat(d.path("callCount").isIntegralNumber()).isTrue();
    assertThat(d.path("callCount").asLong()).isEqualTo(1);
  }

  @Test
  void unknownTrace_is404InJaegerShape() {
    HttpResponse<String> r = store.get("/api/traces/" + TestData.traceId(123456).toHex());
    assertThat(r.statusCode()).isEqualTo(404);
    JsonNode body = StoreHarness.parse(r.body());
    assertThat(body.path("data").isNull()).isTrue();
    assertThat(body.path("errors").get(0).path("code").asInt()).isEqualTo(404);
    assertThat(body.path("errors").get(0).path("msg").asText()).isEqualTo("trace not found");
  }

  @Test
  void shortTraceIds_areLeftPadded() {
    TraceId small = new TraceId(0, 0xabcdefL);
    store.send(TestData.request(TestData.resource("short"), TestData.span(small, 1, null, "x",
        io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_SERVER, start, MS,
        io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_UNSET)));
    store.flush();
    JsonNode r = store.json("/api/traces/abcdef");
    assertThat(r.path("data").get(0).path("traceID").asText()).isEqualTo("0000000000abcdef");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "/api/traces",
      "/api/traces?service=a&minDuration=1x",
      "/api/traces?service=a&minDuration=2s&maxDuration=1s",
      "/api/traces?service=a&start=200&end=100",
      "/api/traces?service=a&start=abc",
      "/api/traces?service=a&limit=-1",
      "/api/traces?service=a&tags=notjson",
      "/api/traces?service=a&tags=" + "%7B%22a%22%3A%7B%7D%7D",
      "/api/traces?service=a&tag=novalue",
      "/api/traces?traceID=xyz",
      "/api/traces/zz",
      "/api/traces/" + "0123456789abcdef0123456789abcdef0",
      "/api/operations",
      "/api/operations?service=a&spanKind=sideways",
      "/api/dependencies?endTs=abc",
  })
  void badQueries_are400WithJaegerErrors(String url) {
    HttpResponse<String> r = store.get(url);
    assertThat(r.statusCode()).as(url).isEqualTo(400);
    JsonNode body = StoreHarness.parse(r.body());
    assertThat(body.path("data").isNull()).isTrue();
    assertThat(body.path("errors").get(0).path("code").asInt()).isEqualTo(400);
    assertThat(body.path("errors").get(0).path("msg").asText()).isNotBlank();
  }

  static JsonNode find(JsonNode spans, String name) {
    List<JsonNode> found = new ArrayList<>();
    spans.forEach(s -> {
      if (s.path("operationName").asText().equals(name)) {
        found.add(s);
      }
    });
    assertThat(found).as("span " + name).isNotEmpty();
    return found.get(0);
  }

  static JsonNode tag(JsonNode tags, String key) {
    for (JsonNode t : tags) {
      if (t.path("key").asText().equals(key)) {
        return t;
      }
    }
    throw new AssertionError("no tag " + key + " in " + tags);
  }
}
