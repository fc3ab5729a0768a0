package dev.traceyard.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.otlp.OtlpJson;
import dev.traceyard.collector.service.Service;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import dev.traceyard.server.loadgen.DemoTraffic;
import dev.traceyard.store.TraceyardExporter;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The all-in-one of {@code traceyard start}: its built-in config, OTLP and Zipkin in, the query API out. */
class StartCommandIT {
  private static final String LOOPBACK_PORTS = String.join("\n",
      "receivers:",
      "  otlp:",
      "    protocols:",
      "      grpc: {endpoint: '127.0.0.1:0'}",
      "      http: {endpoint: '127.0.0.1:0'}",
      "  zipkin: {endpoint: '127.0.0.1:0'}",
      "exporters:",
      "  traceyard:",
      "    query: {endpoint: '127.0.0.1:0'}",
      "extensions:",
      "  health_check: {endpoint: '127.0.0.1:0'}",
      "service:",
      "  telemetry: {metrics: {address: '127.0.0.1:0'}}",
      "");

  @TempDir Path dir;
  private Service service;
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stop() {
    if (service != null) {
      service.shutdown(Duration.ofSeconds(20));
    }
  }

  private void start() throws Exception {
    Path override = dir.resolve("ports.yaml");
    Files.writeString(override, LOOPBACK_PORTS);
    StartCommand cmd = new StartCommand();
    cmd.configs = List.of(override);
    cmd.dataDir = dir.resolve("data");
    service = Service.create(cmd.load(), SelfTelemetry.create());
    service.start();
  }

  private int port(String receiver, String transport) {
    InetSocketAddress a = service.receiver(ComponentId.parse(receiver)).boundAddresses().get(transport);
    return a.getPort();
  }

  private String query(String pathAndQuery) throws Exception {
    int port = ((TraceyardExporter) service.exporter(ComponentId.of("traceyard"))).queryAddress().getPort();
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery)).build(),
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
