package dev.traceyard.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.traceyard.collector.otlp.Hex;
import dev.traceyard.collector.otlp.OtlpJson;
import dev.traceyard.server.loadgen.DemoTraffic;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.KeyValue;
import io.opentelemetry.api.common.Value;
import io.opentelemetry.api.logs.Severity;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.logs.OtlpGrpcLogRecordExporter;
import io.opentelemetry.exporter.otlp.metrics.OtlpGrpcMetricExporter;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.export.SimpleLogRecordProcessor;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.trace.data.SpanData;
import zipkin2.reporter.AsyncReporter;
import zipkin2.reporter.urlconnection.URLConnectionSender;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The all-in-one of {@code traceyard start}: its built-in config, OTLP and Zipkin in, the query API out. */
class StartCommandIT {
  @TempDir Path dir;
  private AllInOneFixture allInOne;
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stop() {
    if (allInOne != null) {
      allInOne.close();
    }
  }

  private void start() throws Exception {
    allInOne = AllInOneFixture.start(dir);
  }

  private int port(String receiver, String transport) {
    return allInOne.port(receiver, transport);
  }

  private String query(String pathAndQuery) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(allInOne.queryBase() + pathAndQuery)).build(),
        HttpResponse.BodyHandlers.ofString());
    return r.statusCode() + " " + r.body();
  }

  @Test
  void otlpAndZipkinSpans_areQueryableThroughNativeAndJaegerApis() throws Exception {
    start();
    SdkTracerProvider provider = SdkTracerProvider.builder()
        .setResource(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "otlp-svc")))
        .addSpanProcessor(SimpleSpanProcessor.create(OtlpGrpcSpanExporter.builder()
            .setEndpoint("http://127.0.0.1:" + port("otlp", "grpc")).build()))
        .build();
    io.opentelemetry.api.trace.Span span = provider.get("it").spanBuilder("GET /items").setSpanKind(SpanKind.SERVER)
        .setAttribute("http.route", "/items").startSpan();
    String otlpTraceId = span.getSpanContext().getTraceId();
    span.end();
    assertThat(provider.forceFlush().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    provider.shutdown().join(10, TimeUnit.SECONDS);

    String zipkinTraceId = "00000000000000005af7183fb1d4cf5f";
    String zipkin = "[{\"traceId\":\"5af7183fb1d4cf5f\",\"id\":\"352bff9a74ca9ad2\",\"name\":\"get /api\",\"kind\":\"SERVER\","
        + "\"timestamp\":" + (System.currentTimeMillis() * 1000) + ",\"duration\":20000,"
        + "\"localEndpoint\":{\"serviceName\":\"zipkin-svc\"},\"tags\":{\"http.method\":\"GET\"}}]";
    HttpResponse<String> z = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port("zipkin", "http") + "/api/v2/spans"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(zipkin)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(z.statusCode()).isEqualTo(202);

    await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
        assertThat(query("/api/v1/services")).startsWith("200").contains("otlp-svc").contains("zipkin-svc"));

    String trace = query("/api/v1/traces/" + otlpTraceId);
    assertThat(trace).startsWith("200");
    ExportTraceServiceRequest req = OtlpJson.decodeTraces(trace.substring(4).getBytes(StandardCharsets.UTF_8));
    assertThat(req.getResourceSpans(0).getScopeSpans(0).getSpans(0).getName()).isEqualTo("GET /items");

    assertThat(query("/api/traces/" + zipkinTraceId)).startsWith("200").contains("\"operationName\":\"get /api\"")
        .contains("zipkin-svc");
    assertThat(query("/api/traces/not-hex")).startsWith("400");
  }

  @Test
  void sdkSpansLogsAndMetrics_comeBackFromTheQueryApiUnchanged() throws Exception {
    start();
    String grpc = "http://127.0.0.1:" + port("otlp", "grpc");
    List<SpanData> sent = SdkSpans.emit("roundtrip", OtlpGrpcSpanExporter.builder().setEndpoint(grpc).build());
    String traceId = sent.get(0).getTraceId();

    SdkLoggerProvider logs = SdkLoggerProvider.builder()
        .setResource(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "roundtrip")))
        .addLogRecordProcessor(SimpleLogRecordProcessor.create(OtlpGrpcLogRecordExporter.builder().setEndpoint(grpc).build()))
        .build();
    SpanContext ctx = sent.get(0).getSpanContext();
    logs.get("it").logRecordBuilder()
        .setContext(Context.root().with(io.opentelemetry.api.trace.Span.wrap(ctx)))
        .setSeverity(Severity.ERROR).setSeverityText("ERROR")
        .setBody(Value.of(KeyValue.of("msg", Value.of("charge failed")), KeyValue.of("raw", Value.of(new byte[] {9, 8}))))
        .setAttribute(AttributeKey.longKey("attempt"), 2L)
        .setTimestamp(1_700_000_000_500L, TimeUnit.MILLISECONDS)
        .emit();
    assertThat(logs.forceFlush().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    logs.shutdown().join(10, TimeUnit.SECONDS);

    SdkMeterProvider meters = SdkMeterProvider.builder()
        .setResource(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "roundtrip")))
        .registerMetricReader(PeriodicMetricReader.builder(OtlpGrpcMetricExporter.builder().setEndpoint(grpc).build())
            .setInterval(Duration.ofHours(1)).build())
        .build();
    meters.get("it").counterBuilder("roundtrip.requests").build().add(5, Attributes.of(AttributeKey.stringKey("route"), "/pay"));
    meters.get("it").histogramBuilder("roundtrip.latency").build().record(42.0);
    assertThat(meters.forceFlush().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    meters.shutdown().join(10, TimeUnit.SECONDS);

    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      String body = query("/api/v1/traces/" + traceId);
      assertThat(body).startsWith("200");
      ExportTraceServiceRequest got = OtlpJson.decodeTraces(body.substring(4).getBytes(StandardCharsets.UTF_8));
      Map<String, Object[]> byId = new HashMap<>();
      for (ResourceSpans rs : got.getResourceSpansList()) {
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          for (Span sp : ss.getSpansList()) {
            byId.put(Hex.encode(sp.getSpanId()), new Object[] {rs, ss, sp});
          }
        }
      }
      assertThat(byId).hasSize(sent.size());
      for (SpanData s : sent) {
        Object[] r = byId.get(s.getSpanId());
        SdkSpans.assertSame(s, (ResourceSpans) r[0], (ScopeSpans) r[1], (Span) r[2]);
      }
    });

    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      String body = query("/api/v1/traces/" + traceId + "/logs");
      assertThat(body).startsWith("200");
      LogRecord log = OtlpJson.decodeLogs(body.substring(4).getBytes(StandardCharsets.UTF_8))
          .getResourceLogs(0).getScopeLogs(0).getLogRecords(0);
      assertThat(Hex.encode(log.getSpanId())).isEqualTo(ctx.getSpanId());
      assertThat(log.getSeverityNumberValue()).isEqualTo(17);
      assertThat(log.getSeverityText()).isEqualTo("ERROR");
      assertThat(log.getTimeUnixNano()).isEqualTo(1_700_000_000_500_000_000L);
      assertThat(log.getBody().getKvlistValue().getValues(0).getValue().getStringValue()).isEqualTo("charge failed");
      assertThat(log.getBody().getKvlistValue().getValues(1).getValue().getBytesValue().toByteArray()).containsExactly(9, 8);
      assertThat(log.getAttributes(0).getValue().getIntValue()).isEqualTo(2);
    });

    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      String body = query("/api/v1/metrics?service=roundtrip");
      assertThat(body).startsWith("200");
      Map<String, Metric> metrics = new HashMap<>();
      OtlpJson.decodeMetrics(body.substring(4).getBytes(StandardCharsets.UTF_8)).getResourceMetricsList()
          .forEach(rm -> rm.getScopeMetricsList().forEach(sm -> sm.getMetricsList().forEach(m -> metrics.put(m.getName(), m))));
      assertThat(metrics.get("roundtrip.requests").getSum().getDataPoints(0).getAsInt()).isEqualTo(5);
      assertThat(metrics.get("roundtrip.requests").getSum().getIsMonotonic()).isTrue();
      assertThat(metrics.get("roundtrip.latency").getHistogram().getDataPoints(0).getSum()).isEqualTo(42.0);
    });
  }

  @Test
  void zipkinReporterSpans_comeBackTranslatedThroughTheJaegerApi() throws Exception {
    start();
    URLConnectionSender sender = URLConnectionSender.create("http://127.0.0.1:" + port("zipkin", "http") + "/api/v2/spans");
    long now = System.currentTimeMillis() * 1000;
    try (AsyncReporter<zipkin2.Span> reporter = AsyncReporter.create(sender)) {
      reporter.report(zipkin2.Span.newBuilder().traceId("463ac35c9f6413ad48485a3953bb6124").id("a2fb4a1d1a96d312")
          .name("POST /charge").kind(zipkin2.Span.Kind.CLIENT).timestamp(now).duration(15_000)
          .localEndpoint(zipkin2.Endpoint.newBuilder().serviceName("billing").ip("10.0.0.7").build())
          .remoteEndpoint(zipkin2.Endpoint.newBuilder().serviceName("bank").ip("10.0.0.9").port(443).build())
          .putTag("http.method", "POST").putTag("error", "card declined")
          .addAnnotation(now + 1000, "retrying")
          .build());
      reporter.flush();
    }
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      String body = query("/api/traces/463ac35c9f6413ad48485a3953bb6124");
      assertThat(body).startsWith("200")
          // The Zipkin client library lower-cases span names itself; the receiver keeps what it is given.
          .contains("\"operationName\":\"post /charge\"")
          .contains("\"serviceName\":\"billing\"")
          .contains("\"duration\":15000")
          .contains("\"startTime\":" + now)
          .contains("card declined")
          .contains("retrying");
    });
    String otlp = query("/api/v1/traces/463ac35c9f6413ad48485a3953bb6124");
    Span span = OtlpJson.decodeTraces(otlp.substring(4).getBytes(StandardCharsets.UTF_8))
        .getResourceSpans(0).getScopeSpans(0).getSpans(0);
    assertThat(span.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
    assertThat(span.getStatus().getCode()).isEqualTo(io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR);
    assertThat(span.getStatus().getMessage()).isEqualTo("card declined");
    assertThat(span.getStartTimeUnixNano()).isEqualTo(now * 1000);
    assertThat(span.getEndTimeUnixNano() - span.getStartTimeUnixNano()).isEqualTo(15_000_000L);
    assertThat(span.getEvents(0).getName()).isEqualTo("retrying");
  }

  @Test
  void demoTraffic_fillsTheStoreWithSeveralServices() throws Exception {
    start();
    try (DemoTraffic demo = DemoTraffic.start("127.0.0.1:" + port("otlp", "grpc"), 200)) {
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
          assertThat(query("/api/services")).startsWith("200").contains("frontend").contains("checkout"));
    }
  }

  @Test
  void builtInConfig_parsesWithAllThreeSignals() throws Exception {
    assertThat(new StartCommand().load().pipelineIds()).containsExactly("traces", "metrics", "logs");
  }

  @Test
  void dataDirWithoutAStoreExporter_isAConfigError() throws Exception {
    Path override = dir.resolve("nostore.yaml");
    Files.writeString(override, "exporters:\n  traceyard: null\n");
    StartCommand cmd = new StartCommand();
    cmd.configs = List.of(override);
    cmd.dataDir = dir;
    assertThat(org.assertj.core.api.Assertions.catchThrowable(cmd::load))
        .hasMessageContaining("--data-dir");
  }
}
