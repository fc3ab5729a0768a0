package dev.traceyard.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.traceyard.collector.Components;
import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.config.ConfigLoader;
import dev.traceyard.collector.otlp.Hex;
import dev.traceyard.collector.otlp.OtlpJson;
import dev.traceyard.collector.service.Service;
import dev.traceyard.collector.service.ServiceConfig;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.KeyValue;
import io.opentelemetry.api.common.Value;
import io.opentelemetry.api.logs.Severity;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.metrics.OtlpGrpcMetricExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.export.SimpleLogRecordProcessor;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real OpenTelemetry SDK clients -> Traceyard A (agent: otlp -> memory_limiter -> batch -> otlp) ->
 * Traceyard B (gateway: otlp -> batch -> file). What lands in B's file must be exactly what the clients sent.
 */
class PipelineEndToEndIT {
  @TempDir Path dir;
  private Service gateway;
  private Service agent;
  private Path output;

  @BeforeEach
  void startTwoInstances() throws Exception {
    output = dir.resolve("out.jsonl");
    gateway = start(String.join("\n",
        "receivers:",
        "  otlp:",
        "    protocols:",
        "      grpc:",
        "        endpoint: 127.0.0.1:0",
        "processors:",
        "  batch:",
        "    timeout: 50ms",
        "exporters:",
        "  file:",
        "    path: " + output,
        "service:",
        "  telemetry: {metrics: {address: '127.0.0.1:0'}}",
        "  pipelines:",
        "    traces: {receivers: [otlp], processors: [batch], exporters: [file]}",
        "    metrics: {receivers: [otlp], processors: [batch], exporters: [file]}",
        "    logs: {receivers: [otlp], processors: [batch], exporters: [file]}",
        ""));
    int gatewayPort = gateway.receiver(ComponentId.of("otlp")).boundAddresses().get("grpc").getPort();
    agent = start(String.join("\n",
        "receivers:",
        "  otlp:",
        "    protocols:",
        "      grpc:",
        "        endpoint: 127.0.0.1:0",
        "      http:",
        "        endpoint: 127.0.0.1:0",
        "processors:",
        "  memory_limiter:",
        "    check_interval: 1s",
        "    limit_percentage: 95",
        "    spike_limit_percentage: 5",
        "  batch:",
        "    timeout: 50ms",
        "exporters:",
        "  otlp:",
        "    endpoint: 127.0.0.1:" + gatewayPort,
        "    tls:",
        "      insecure: true",
        "service:",
        "  telemetry: {metrics: {address: '127.0.0.1:0'}}",
        "  pipelines:",
        "    traces: {receivers: [otlp], processors: [memory_limiter, batch], exporters: [otlp]}",
        "    metrics: {receivers: [otlp], processors: [memory_limiter, batch], exporters: [otlp]}",
        "    logs: {receivers: [otlp], processors: [memory_limiter, batch], exporters: [otlp]}",
        ""));
  }

  @AfterEach
  void stop() {
    if (agent != null) {
      agent.shutdown(Duration.ofSeconds(10));
    }
    if (gateway != null) {
      gateway.shutdown(Duration.ofSeconds(10));
    }
  }

  private static Service start(String yaml) throws Exception {
    ServiceConfig config = ServiceConfig.parse(new ConfigLoader(k -> null).loadString("test", yaml), Components.builtIn());
    Service s = Service.create(config, SelfTelemetry.create());
    s.start();
    return s;
  }

  private InetSocketAddress agentAddress(String transport) {
    return agent.receiver(ComponentId.of("otlp")).boundAddresses().get(transport);
  }

  @Test
  void spansFromGrpcHttpAndJsonClients_arriveIdentical() throws Exception {
    List<SpanData> sent = new ArrayList<>();
    sent.addAll(SdkSpans.emit("grpc-client", OtlpGrpcSpanExporter.builder()
        .setEndpoint("http://127.0.0.1:" + agentAddress("grpc").getPort()).build()));
    sent.addAll(SdkSpans.emit("http-client", OtlpHttpSpanExporter.builder()
        .setEndpoint("http://127.0.0.1:" + agentAddress("http").getPort() + "/v1/traces").build()));
    ExportTraceServiceRequest json = jsonRequestWithEveryValueType();
    HttpResponse<String> resp = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + agentAddress("http").getPort() + "/v1/traces"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(OtlpJson.encode(json))).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(resp.statusCode()).isEqualTo(200);

    int expected = sent.size() + 1;
    await().atMost(Duration.ofSeconds(60)).until(() -> receivedSpans().size() == expected);
    Map<String, ReceivedSpan> received = receivedSpans().stream()
        .collect(Collectors.toMap(r -> Hex.encode(r.span.getSpanId()), r -> r));

    for (SpanData s : sent) {
      ReceivedSpan r = received.get(s.getSpanId());
      assertThat(r).as("span %s", s.getName()).isNotNull();
      SdkSpans.assertSame(s, r.resource(), r.scope(), r.span());
    }
    Span jsonSpan = json.getResourceSpans(0).getScopeSpans(0).getSpans(0);
    ReceivedSpan r = received.get(Hex.encode(jsonSpan.getSpanId()));
    assertThat(r.span).isEqualTo(jsonSpan);
    assertThat(r.resource).isEqualTo(json.getResourceSpans(0));
  }

  @Test
  void metricsAndLogs_passThroughTheSameWay() throws Exception {
    SdkMeterProvider meters = SdkMeterProvider.builder()
        .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "metrics-client"))))
        .registerMetricReader(PeriodicMetricReader.builder(OtlpGrpcMetricExporter.builder()
            .setEndpoint("http://127.0.0.1:" + agentAddress("grpc").getPort()).build()).setInterval(Duration.ofHours(1)).build())
        .build();
    meters.get("e2e").counterBuilder("e2e.requests").build().add(7, Attributes.of(AttributeKey.stringKey("route"), "/a"));
    meters.get("e2e").histogramBuilder("e2e.latency").build().record(12.5);
    assertThat(meters.forceFlush().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    meters.shutdown().join(10, TimeUnit.SECONDS);

    SdkLoggerProvider logs = SdkLoggerProvider.builder()
        .setResource(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "logs-client")))
        .addLogRecordProcessor(SimpleLogRecordProcessor.create(OtlpHttpLogRecordExporter.builder()
            .setEndpoint("http://127.0.0.1:" + agentAddress("http").getPort() + "/v1/logs").build()))
        .build();
    SpanContext ctx = SpanContext.create("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", TraceFlags.getSampled(), TraceState.getDefault());
    logs.get("e2e").logRecordBuilder()
        .setContext(Context.root().with(io.opentelemetry.api.trace.Span.wrap(ctx)))
        .setSeverity(Severity.WARN)
        .setSeverityText("WARN")
        .setBody(Value.of(KeyValue.of("msg", Value.of("hello")), KeyValue.of("raw", Value.of(new byte[] {1, 2, 3}))))
        .setAttribute(AttributeKey.longKey("attempt"), 3L)
        .setTimestamp(1_700_000_000_123L, TimeUnit.MILLISECONDS)
        .emit();
    assertThat(logs.forceFlush().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    logs.shutdown().join(10, TimeUnit.SECONDS);

    await().atMost(Duration.ofSeconds(60)).until(() -> receivedMetrics().size() >= 2 && receivedLogs().size() == 1);
    Map<String, Metric> metrics = receivedMetrics().stream().collect(Collectors.toMap(Metric::getName, m -> m, (a, b) -> a));
    assertThat(metrics.get("e2e.requests").getSum().getDataPoints(0).getAsInt()).isEqualTo(7);
    assertThat(metrics.get("e2e.requests").getSum().getDataPoints(0).getAttributes(0).getValue().getStringValue()).isEqualTo("/a");
    assertThat(metrics.get("e2e.latency").getHistogram().getDataPoints(0).getSum()).isEqualTo(12.5);

    LogRecord log = receivedLogs().get(0);
    assertThat(Hex.encode(log.getTraceId())).isEqualTo("0af7651916cd43dd8448eb211c80319c");
    assertThat(Hex.encode(log.getSpanId())).isEqualTo("b7ad6b7169203331");
    assertThat(log.getSeverityNumberValue()).isEqualTo(13);
    assertThat(log.getTimeUnixNano()).isEqualTo(1_700_000_000_123_000_000L);
    KeyValueList body = log.getBody().getKvlistValue();
    assertThat(body.getValues(0).getValue().getStringValue()).isEqualTo("hello");
    assertThat(body.getValues(1).getValue().getBytesValue().toByteArray()).containsExactly(1, 2, 3);
    assertThat(log.getAttributes(0).getValue().getIntValue()).isEqualTo(3);
  }

  private static ExportTraceServiceRequest jsonRequestWithEveryValueType() {
    AnyValue kv = AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder()
        .addValues(io.opentelemetry.proto.common.v1.KeyValue.newBuilder().setKey("inner").setValue(AnyValue.newBuilder().setIntValue(5))))
        .build();
    Span span = Span.newBuilder()
        .setTraceId(com.google.protobuf.ByteString.copyFrom(Hex.decode("6bf92f3577b34da6a3ce929d0e0e4736")))
        .setSpanId(com.google.protobuf.ByteString.copyFrom(Hex.decode("20f067aa0ba902b7")))
        .setParentSpanId(com.google.protobuf.ByteString.copyFrom(Hex.decode("30f067aa0ba902b7")))
        .setTraceState("k=v")
        .setName("json span")
        .setKind(Span.SpanKind.SPAN_KIND_PRODUCER)
        .setStartTimeUnixNano(1_700_000_000_000_000_000L)
        .setEndTimeUnixNano(1_700_000_000_100_000_000L)
        .addAttributes(attr("kv", kv))
        .addAttributes(attr("bytes", AnyValue.newBuilder().setBytesValue(com.google.protobuf.ByteString.copyFrom(new byte[] {0, -1, 7})).build()))
        .addAttributes(attr("str", AnyValue.newBuilder().setStringValue("é✓").build()))
        .addAttributes(attr("dbl", AnyValue.newBuilder().setDoubleValue(-1.5e300).build()))
        .addAttributes(attr("int", AnyValue.newBuilder().setIntValue(Long.MIN_VALUE).build()))
        .setDroppedAttributesCount(2)
        .setStatus(io.opentelemetry.proto.trace.v1.Status.newBuilder().setCode(io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_OK))
        .build();
    return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .setResource(io.opentelemetry.proto.resource.v1.Resource.newBuilder().addAttributes(attr("service.name",
            AnyValue.newBuilder().setStringValue("json-client").build())))
        .addScopeSpans(ScopeSpans.newBuilder()
            .setScope(io.opentelemetry.proto.common.v1.InstrumentationScope.newBuilder().setName("raw").setVersion("1")
                .addAttributes(attr("scope.attr", AnyValue.newBuilder().setBoolValue(true).build())))
            .addSpans(span))
        .setSchemaUrl("https://example.com/schema"))
        .build();
  }

  private static io.opentelemetry.proto.common.v1.KeyValue attr(String key, AnyValue v) {
    return io.opentelemetry.proto.common.v1.KeyValue.newBuilder().setKey(key).setValue(v).build();
  }

  private record ReceivedSpan(ResourceSpans resource, ScopeSpans scope, Span span) {}

  private List<String> outputLines() throws Exception {
    if (!Files.exists(output)) {
      return List.of();
    }
    return Files.readAllLines(output, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).collect(Collectors.toList());
  }

  private List<ReceivedSpan> receivedSpans() throws Exception {
    List<ReceivedSpan> out = new ArrayList<>();
    for (String line : outputLines()) {
      if (!line.contains("\"resourceSpans\"")) {
        continue;
      }
      ExportTraceServiceRequest req = OtlpJson.decodeTraces(line.getBytes(StandardCharsets.UTF_8));
      for (ResourceSpans rs : req.getResourceSpansList()) {
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          for (Span sp : ss.getSpansList()) {
            out.add(new ReceivedSpan(rs, ss, sp));
          }
        }
      }
    }
    return out;
  }

  private List<Metric> receivedMetrics() throws Exception {
    List<Metric> out = new ArrayList<>();
    for (String line : outputLines()) {
      if (line.contains("\"resourceMetrics\"")) {
        ExportMetricsServiceRequest req = OtlpJson.decodeMetrics(line.getBytes(StandardCharsets.UTF_8));
        req.getResourceMetricsList().forEach(rm -> rm.getScopeMetricsList().forEach(sm -> out.addAll(sm.getMetricsList())));
      }
    }
    return out;
  }

  private List<LogRecord> receivedLogs() throws Exception {
    List<LogRecord> out = new ArrayList<>();
    for (String line : outputLines()) {
      if (line.contains("\"resourceLogs\"")) {
        ExportLogsServiceRequest req = OtlpJson.decodeLogs(line.getBytes(StandardCharsets.UTF_8));
        req.getResourceLogsList().forEach(rl -> rl.getScopeLogsList().forEach(sl -> out.addAll(sl.getLogRecordsList())));
      }
    }
    return out;
  }
}
