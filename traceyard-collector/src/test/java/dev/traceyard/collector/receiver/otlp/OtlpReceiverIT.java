package dev.traceyard.collector.receiver.otlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.RetryInfo;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import dev.traceyard.collector.component.Receiver;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.LogBatch;
import dev.traceyard.collector.data.MetricBatch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.otlp.Hex;
import dev.traceyard.collector.otlp.OtlpJson;
import dev.traceyard.collector.otlp.OtlpLimits;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporter;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.logs.OtlpGrpcLogRecordExporter;
import io.opentelemetry.exporter.otlp.metrics.OtlpGrpcMetricExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.LogsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.export.LogRecordExporter;
import io.opentelemetry.sdk.logs.export.SimpleLogRecordProcessor;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code otlp} receiver on real loopback servers, fed by the OpenTelemetry Java SDK's own OTLP
 * exporters and by raw HTTP and gRPC requests for every kind of bad input.
 */
class OtlpReceiverIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final int HTTP_MAX_BODY = 64 * 1024;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TRACE_ID = "5b8efff798038103d269b633813fc60c";
  private static final String SPAN_ID = "eee19b7ec3c1b174";
  private static final String PARENT_SPAN_ID = "eee19b7ec3c1b173";
  private static final String GOOD_JSON = "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\","
      + "\"value\":{\"stringValue\":\"checkout\"}}]},\"scopeSpans\":[{\"scope\":{\"name\":\"it\"},\"spans\":[{"
      + "\"traceId\":\"" + TRACE_ID + "\",\"spanId\":\"" + SPAN_ID + "\",\"parentSpanId\":\"" + PARENT_SPAN_ID + "\","
      + "\"name\":\"GET /cart\",\"kind\":2,\"startTimeUnixNano\":\"1544712660000000000\","
      + "\"endTimeUnixNano\":\"1544712661000000000\",\"status\":{\"code\":2}}]}]}]}";

  private static final SelfTelemetry telemetry = SelfTelemetry.forTesting();
  private static final ConcurrentLinkedQueue<Batch> received = new ConcurrentLinkedQueue<>();
  private static volatile Function<Batch, ConsumeResult> outcome = b -> ConsumeResult.success();
  private static Receiver receiver;
  private static int grpcPort;
  private static int httpPort;
  private static HttpClient http;
  private static WebClient grpcRaw;
  private static TraceServiceGrpc.TraceServiceBlockingStub traceStub;

  @BeforeAll
  static void startReceiver() throws Exception {
    receiver = TestReceivers.start(String.join("\n",
        "protocols:",
        "  grpc:",
        "    endpoint: 127.0.0.1:0",
        "    max_recv_msg_size_mib: 1",
        "  http:",
        "    endpoint: 127.0.0.1:0",
        "    max_request_body_size: " + HTTP_MAX_BODY,
        "    cors:",
        "      allowed_origins: [\"https://*.example.com\"]",
        "      max_age: 600"),
        EnumSet.allOf(Signal.class), telemetry, batch -> {
          received.add(batch);
          return outcome.apply(batch);
        });
    grpcPort = receiver.boundAddresses().get("grpc").getPort();
    httpPort = receiver.boundAddresses().get("http").getPort();
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(TIMEOUT).build();
    grpcRaw = WebClient.builder("h2c://127.0.0.1:" + grpcPort).responseTimeout(TIMEOUT).build();
    traceStub = GrpcClients.builder("http://127.0.0.1:" + grpcPort).responseTimeout(TIMEOUT)
        .build(TraceServiceGrpc.TraceServiceBlockingStub.class);
  }

  @AfterAll
  static void stopReceiver() {
    if (receiver != null) {
      receiver.shutdown();
    }
  }

  @BeforeEach
  void reset() {
    received.clear();
    outcome = b -> ConsumeResult.success();
  }

  // ---- real OpenTelemetry SDK clients ----

  @Test
  void sdkGrpcExporters_deliverSpansMetricsAndLogs() {
    String endpoint = "http://127.0.0.1:" + grpcPort;
    sendWithSdk(
        OtlpGrpcSpanExporter.builder().setEndpoint(endpoint).setCompression("gzip").setTimeout(TIMEOUT).build(),
        OtlpGrpcMetricExporter.builder().setEndpoint(endpoint).setTimeout(TIMEOUT).build(),
        OtlpGrpcLogRecordExporter.builder().setEndpoint(endpoint).setTimeout(TIMEOUT).build(),
        "grpc");
  }

  @Test
  void sdkHttpExporters_deliverSpansMetricsAndLogs() {
    String base = "http://127.0.0.1:" + httpPort;
    sendWithSdk(
        OtlpHttpSpanExporter.builder().setEndpoint(base + "/v1/traces").setCompression("gzip").setTimeout(TIMEOUT).build(),
        OtlpHttpMetricExporter.builder().setEndpoint(base + "/v1/metrics").setTimeout(TIMEOUT).build(),
        OtlpHttpLogRecordExporter.builder().setEndpoint(base + "/v1/logs").setTimeout(TIMEOUT).build(),
        "http");
  }

  private void sendWithSdk(SpanExporter spans, MetricExporter metrics, LogRecordExporter logs, String transport) {
    double acceptedSpans = telemetry.value("traceyard_receiver_accepted_spans", "otlp", transport);
    Resource resource = Resource.getDefault().merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "cart")));
    Span parent;
    Span child;
    try (SdkTracerProvider tracing = SdkTracerProvider.builder().setResource(resource)
        .addSpanProcessor(SimpleSpanProcessor.create(spans)).build()) {
      parent = tracing.get("it").spanBuilder("parent").startSpan();
      child = tracing.get("it").spanBuilder("child").setParent(Context.root().with(parent)).startSpan();
      child.end();
      parent.end();
      assertThat(tracing.forceFlush().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    }
    try (SdkMeterProvider meters = SdkMeterProvider.builder().setResource(resource)
        .registerMetricReader(PeriodicMetricReader.builder(metrics).setInterval(Duration.ofHours(1)).build()).build()) {
      meters.get("it").counterBuilder("orders").build().add(3);
      assertThat(meters.forceFlush().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    }
    try (SdkLoggerProvider logging = SdkLoggerProvider.builder().setResource(resource)
        .addLogRecordProcessor(SimpleLogRecordProcessor.create(logs)).build()) {
      logging.get("it").logRecordBuilder().setBody("order placed").emit();
      assertThat(logging.forceFlush().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    }

    await().atMost(TIMEOUT).untilAsserted(() -> {
      List<io.opentelemetry.proto.trace.v1.Span> got = spans();
      assertThat(got).extracting(io.opentelemetry.proto.trace.v1.Span::getName).containsExactlyInAnyOrder("parent", "child");
      assertThat(got).allSatisfy(s -> assertThat(Hex.encode(s.getTraceId())).isEqualTo(parent.getSpanContext().getTraceId()));
      assertThat(received).anySatisfy(b -> assertThat(b).isInstanceOfSatisfying(MetricBatch.class, m ->
          assertThat(m.request().getResourceMetrics(0).getScopeMetrics(0).getMetrics(0).getName()).isEqualTo("orders")));
      assertThat(received).anySatisfy(b -> assertThat(b).isInstanceOfSatisfying(LogBatch.class, l ->
          assertThat(l.request().getResourceLogs(0).getScopeLogs(0).getLogRecords(0).getBody().getStringValue())
              .isEqualTo("order placed")));
    });
    assertThat(telemetry.value("traceyard_receiver_accepted_spans", "otlp", transport)).isEqualTo(acceptedSpans + 2);
    assertThat(child.getSpanContext().getTraceId()).isEqualTo(parent.getSpanContext().getTraceId());
  }

  // ---- OTLP/HTTP good requests ----

  @Test
  void otlpJson_hexIdsRoundTripExactly() throws Exception {
    HttpResponse<byte[]> r = post("/v1/traces", "application/json", utf8(GOOD_JSON));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("application/json"));
    assertThat(JSON.readTree(r.body()).size()).as("empty ExportTraceServiceResponse").isZero();
    io.opentelemetry.proto.trace.v1.Span span = spans().get(0);
    assertThat(Hex.encode(span.getTraceId())).isEqualTo(TRACE_ID);
    assertThat(Hex.encode(span.getSpanId())).isEqualTo(SPAN_ID);
    assertThat(Hex.encode(span.getParentSpanId())).isEqualTo(PARENT_SPAN_ID);
    assertThat(span.getKindValue()).isEqualTo(2);
    // ... and back out again: the re-encoded JSON carries the very same hex strings.
    JsonNode reencoded = JSON.readTree(OtlpJson.encode(((TraceBatch) received.peek()).request()));
    JsonNode s = reencoded.at("/resourceSpans/0/scopeSpans/0/spans/0");
    assertThat(s.get("traceId").asText()).isEqualTo(TRACE_ID);
    assertThat(s.get("spanId").asText()).isEqualTo(SPAN_ID);
    assertThat(s.get("parentSpanId").asText()).isEqualTo(PARENT_SPAN_ID);
  }

  @Test
  void gzippedJson_isAccepted() throws Exception {
    HttpResponse<byte[]> r = post("/v1/traces", "application/json", gzip(utf8(GOOD_JSON)), "Content-Encoding", "gzip");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(spans()).hasSize(1);
  }

  @Test
  void protobufRequest_getsProtobufResponse() throws Exception {
    HttpResponse<byte[]> r = post("/v1/traces", "application/x-protobuf", traceRequest(3).toByteArray());

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/x-protobuf");
    assertThat(ExportTraceServiceResponse.parseFrom(r.body())).isEqualTo(ExportTraceServiceResponse.getDefaultInstance());
    assertThat(spans()).hasSize(3);
  }

  @Test
  void protobufTraceRequests_overGrpcAndHttp_shareRepeatedAttributes() throws Exception {
    // Trace requests go through OtlpTraceDecoder on both transports: an attribute seen before comes
    // back as the very same message (equal to what was sent), so later stages hash and size it once.
    KeyValue method = KeyValue.newBuilder().setKey("http.request.method")
        .setValue(AnyValue.newBuilder().setStringValue("receiver-it-" + System.nanoTime())).build();
    ExportTraceServiceRequest request = ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans
        .newBuilder().addScopeSpans(ScopeSpans.newBuilder().addSpans(traceRequest(1).getResourceSpans(0)
            .getScopeSpans(0).getSpans(0).toBuilder().addAttributes(method)))).build();

    traceStub.export(request);
    assertThat(post("/v1/traces", "application/x-protobuf", request.toByteArray()).statusCode()).isEqualTo(200);

    List<io.opentelemetry.proto.trace.v1.Span> spans = spans();
    assertThat(spans).hasSize(2);
    assertThat(spans.get(0).getAttributes(0)).isEqualTo(method);
    assertThat(spans.get(1).getAttributes(0)).isSameAs(spans.get(0).getAttributes(0));
  }

  @Test
  void chunkedBodyWithoutLength_isAccepted() throws Exception {
    HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(uri("/v1/traces")).timeout(TIMEOUT)
        .header("Content-Type", "application/x-protobuf")
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(traceRequest(2).toByteArray())))
        .build(), HttpResponse.BodyHandlers.ofByteArray());

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(spans()).hasSize(2);
  }

  @Test
  void partialSuccess_isReportedOverHttpAndGrpc() throws Exception {
    outcome = b -> ConsumeResult.partialSuccess(1, "one span was too old");
    double refusedSpans = telemetry.value("traceyard_receiver_refused_spans", "otlp", "http");

    HttpResponse<byte[]> r = post("/v1/traces", "application/json", utf8(GOOD_JSON));
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode partial = JSON.readTree(r.body()).get("partialSuccess");
    assertThat(partial.get("rejectedSpans").asLong()).isEqualTo(1);
    assertThat(partial.get("errorMessage").asText()).isEqualTo("one span was too old");
    assertThat(telemetry.value("traceyard_receiver_refused_spans", "otlp", "http")).isEqualTo(refusedSpans + 1);

    ExportTraceServiceResponse grpc = traceStub.export(traceRequest(2));
    assertThat(grpc.getPartialSuccess().getRejectedSpans()).isEqualTo(1);
    assertThat(grpc.getPartialSuccess().getErrorMessage()).isEqualTo("one span was too old");
  }

  @Test
  void corsPreflight_allowsConfiguredOriginsOnly() throws Exception {
    HttpResponse<byte[]> allowed = preflight("https://shop.example.com");
    assertThat(allowed.statusCode()).isEqualTo(200);
    assertThat(allowed.headers().firstValue("access-control-allow-origin")).hasValue("https://shop.example.com");
    assertThat(allowed.headers().firstValue("access-control-allow-methods").orElse("")).contains("POST");
    assertThat(allowed.headers().firstValue("access-control-max-age")).hasValue("600");

    HttpResponse<byte[]> denied = preflight("https://evil.test");
    assertThat(denied.headers().firstValue("access-control-allow-origin")).isEmpty();

    HttpResponse<byte[]> post = post("/v1/traces", "application/json", utf8(GOOD_JSON), "Origin", "https://shop.example.com");
    assertThat(post.statusCode()).isEqualTo(200);
    assertThat(post.headers().firstValue("access-control-allow-origin")).hasValue("https://shop.example.com");
  }

  private HttpResponse<byte[]> preflight(String origin) throws Exception {
    return http.send(HttpRequest.newBuilder(uri("/v1/traces")).timeout(TIMEOUT)
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type")
        .build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  // ---- OTLP/HTTP bad input: each refused with a clear answer, counted, and the server keeps serving ----

  @Test
  void malformedProtobuf_returns400AndKeepsServing() throws Exception {
    double before = refused("http", "malformed");

    HttpResponse<byte[]> r = post("/v1/traces", "application/x-protobuf", new byte[] {0x0a, 0x7f, 0x01, 0x02});

    assertThat(r.statusCode()).isEqualTo(400);
    com.google.rpc.Status status = com.google.rpc.Status.parseFrom(r.body());
    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT.value());
    assertThat(status.getMessage()).startsWith("invalid protobuf");
    assertRefusedAndStillServing("http", "malformed", before);
  }

  @Test
  void malformedJson_returns400WithMessage() throws Exception {
    double before = refused("http", "malformed");

    HttpResponse<byte[]> r = post("/v1/traces", "application/json", utf8("{\"resourceSpans\": [ {"));

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("application/json"));
    JsonNode status = JSON.readTree(r.body());
    assertThat(status.get("code").asInt()).isEqualTo(3);
    assertThat(status.get("message").asText()).startsWith("invalid JSON");
    assertRefusedAndStillServing("http", "malformed", before);
  }

  @Test
  void badHexTraceId_returns400NamingTheField() throws Exception {
    double before = refused("http", "malformed");

    HttpResponse<byte[]> r = post("/v1/traces", "application/json", utf8(GOOD_JSON.replace(TRACE_ID, "zz" + TRACE_ID.substring(2))));

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(r.body()).get("message").asText())
        .contains("resourceSpans[0].scopeSpans[0].spans[0].traceId").contains("not a hex string");
    assertThat(received).isEmpty();
    assertRefusedAndStillServing("http", "malformed", before);
  }

  @Test
  void oversizedBody_returns413() throws Exception {
    double before = refused("http", "too_large");

    HttpResponse<byte[]> r = post("/v1/traces", "application/x-protobuf", new byte[HTTP_MAX_BODY + 1]);

    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(com.google.rpc.Status.parseFrom(r.body()).getMessage()).contains("max_request_body_size");
    assertRefusedAndStillServing("http", "too_large", before);
  }

  @Test
  void oversizedChunkedBody_returns413() throws Exception {
    double before = refused("http", "too_large");

    HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(uri("/v1/traces")).timeout(TIMEOUT)
        .header("Content-Type", "application/x-protobuf")
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(new byte[HTTP_MAX_BODY * 2])))
        .build(), HttpResponse.BodyHandlers.ofByteArray());

    assertThat(r.statusCode()).isEqualTo(413);
    assertRefusedAndStillServing("http", "too_large", before);
  }

  @Test
  void gzipBomb_returns413() throws Exception {
    double before = refused("http", "too_large");
    byte[] bomb = gzip(new byte[HTTP_MAX_BODY * 16]);
    assertThat(bomb.length).isLessThan(HTTP_MAX_BODY);

    HttpResponse<byte[]> r = post("/v1/traces", "application/x-protobuf", bomb, "Content-Encoding", "gzip");

    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(com.google.rpc.Status.parseFrom(r.body()).getMessage()).contains("decompressed");
    assertRefusedAndStillServing("http", "too_large", before);
  }

  @Test
  void corruptGzip_returns400() throws Exception {
    double before = refused("http", "malformed");
    byte[] corrupt = gzip(traceRequest(1).toByteArray());
    for (int i = 10; i < corrupt.length - 8; i++) {
      corrupt[i] ^= 0x5a;
    }

    HttpResponse<byte[]> r = post("/v1/traces", "application/x-protobuf", corrupt, "Content-Encoding", "gzip");

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(com.google.rpc.Status.parseFrom(r.body()).getMessage()).startsWith("invalid gzip body");
    assertRefusedAndStillServing("http", "malformed", before);
  }

  @Test
  void wrongContentType_returns415() throws Exception {
    double before = refused("http", "unsupported_media_type");

    HttpResponse<byte[]> r = post("/v1/traces", "text/plain", utf8(GOOD_JSON));

    assertThat(r.statusCode()).isEqualTo(415);
    assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("application/x-protobuf");
    assertRefusedAndStillServing("http", "unsupported_media_type", before);
  }

  @Test
  void unsupportedContentEncoding_returns415() throws Exception {
    double before = refused("http", "unsupported_media_type");

    HttpResponse<byte[]> r = post("/v1/traces", "application/json", utf8(GOOD_JSON), "Content-Encoding", "br");

    assertThat(r.statusCode()).isEqualTo(415);
    assertRefusedAndStillServing("http", "unsupported_media_type", before);
  }

  @Test
  void unknownPath_returns404() throws Exception {
    double before = refused("http", "not_found");

    HttpResponse<byte[]> r = post("/v1/trace", "application/json", utf8(GOOD_JSON));

    assertThat(r.statusCode()).isEqualTo(404);
    assertRefusedAndStillServing("http", "not_found", before);
  }

  @Test
  void get_returns405() throws Exception {
    double before = refused("http", "method_not_allowed");

    HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(uri("/v1/traces")).timeout(TIMEOUT).GET().build(),
        HttpResponse.BodyHandlers.ofByteArray());

    assertThat(r.statusCode()).isEqualTo(405);
    assertThat(r.headers().firstValue("allow")).hasValue("POST");
    assertRefusedAndStillServing("http", "method_not_allowed", before);
  }

  // ---- pipeline refusals over HTTP ----

  @Test
  void retryableRefusal_returns503WithRetryAfter() throws Exception {
    outcome = b -> ConsumeResult.retryable("exporter queue is full", Duration.ofMillis(2500));
    double before = refused("http", "refused");
    double refusedSpans = telemetry.value("traceyard_receiver_refused_spans", "otlp", "http");

    HttpResponse<byte[]> r = post("/v1/traces", "application/x-protobuf", traceRequest(2).toByteArray());

    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.headers().firstValue("retry-after")).hasValue("3");
    com.google.rpc.Status status = com.google.rpc.Status.parseFrom(r.body());
    assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE.value());
    assertThat(status.getMessage()).isEqualTo("exporter queue is full");
    assertThat(telemetry.value("traceyard_receiver_refused_spans", "otlp", "http")).isEqualTo(refusedSpans + 2);
    outcome = b -> ConsumeResult.success();
    assertRefusedAndStillServing("http", "refused", before);
  }

  @Test
  void throttledRefusal_returns429WithDefaultRetryAfter() throws Exception {
    outcome = b -> ConsumeResult.throttled("memory limit reached", null);

    HttpResponse<byte[]> r = post("/v1/traces", "application/json", utf8(GOOD_JSON));

    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(r.headers().firstValue("retry-after")).hasValue("1");
    assertThat(JSON.readTree(r.body()).get("code").asInt()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED.value());
  }

  @Test
  void permanentRefusal_returns400() throws Exception {
    outcome = b -> ConsumeResult.permanent("no traces pipeline");

    HttpResponse<byte[]> r = post("/v1/traces", "application/json", utf8(GOOD_JSON));

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.headers().firstValue("retry-after")).isEmpty();
    assertThat(JSON.readTree(r.body()).get("message").asText()).isEqualTo("no traces pipeline");
  }

  // ---- gRPC ----

  @Test
  void grpcRetryableRefusal_isUnavailableWithRetryInfo() throws Exception {
    outcome = b -> ConsumeResult.retryable("exporter queue is full", Duration.ofSeconds(7));
    double before = refused("grpc", "refused");

    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> traceStub.export(traceRequest(1)));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(e.getStatus().getDescription()).isEqualTo("exporter queue is full");
    assertThat(retryInfo(e).getRetryDelay().getSeconds()).isEqualTo(7);
    outcome = b -> ConsumeResult.success();
    assertRefusedAndStillServing("grpc", "refused", before);
  }

  @Test
  void grpcThrottledRefusal_isResourceExhaustedWithRetryInfo() throws Exception {
    outcome = b -> ConsumeResult.throttled("memory limit reached", null);

    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> traceStub.export(traceRequest(1)));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(retryInfo(e).getRetryDelay().getSeconds()).isEqualTo(1);
  }

  @Test
  void grpcPermanentRefusal_isInvalidArgument() {
    outcome = b -> ConsumeResult.permanent("bad data");

    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> traceStub.export(traceRequest(1)));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).isEqualTo("bad data");
  }

  @Test
  void grpcMalformedMessage_isInvalidArgumentAndKeepsServing() throws Exception {
    double before = refused("grpc", "malformed");

    AggregatedHttpResponse r = grpcCall(frame(new byte[] {0x0a, 0x7f, 0x01, 0x02}, false), false);

    assertThat(grpcStatus(r)).isEqualTo(Status.Code.INVALID_ARGUMENT.value());
    assertRefusedAndStillServing("grpc", "malformed", before);
  }

  @Test
  void wrongLengthTraceIdInProtobuf_returns400NamingTheSpan() throws Exception {
    double before = refused("http", "malformed");
    double refusedSpans = telemetry.value("traceyard_receiver_refused_spans", "otlp", "http");
    ExportTraceServiceRequest request = traceRequest(2);
    request = request.toBuilder().setResourceSpans(0, request.getResourceSpans(0).toBuilder().setScopeSpans(0,
        request.getResourceSpans(0).getScopeSpans(0).toBuilder().setSpans(1, request.getResourceSpans(0)
            .getScopeSpans(0).getSpans(1).toBuilder().setTraceId(ByteString.copyFrom(new byte[5]))))).build();

    HttpResponse<byte[]> r = post("/v1/traces", "application/x-protobuf", request.toByteArray());

    assertThat(r.statusCode()).isEqualTo(400);
    com.google.rpc.Status status = com.google.rpc.Status.parseFrom(r.body());
    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT.value());
    assertThat(status.getMessage())
        .isEqualTo("resourceSpans[0].scopeSpans[0].spans[1].traceId: expected 16 bytes, got 5");
    assertThat(received).isEmpty();
    assertThat(telemetry.value("traceyard_receiver_refused_spans", "otlp", "http")).isEqualTo(refusedSpans + 2);
    assertRefusedAndStillServing("http", "malformed", before);
  }

  @Test
  void attributeNestedTooDeepInJson_returns400NamingTheAttribute() throws Exception {
    double before = refused("http", "malformed");
    String value = "{\"stringValue\":\"leaf\"}";
    for (int i = 1; i <= OtlpLimits.MAX_VALUE_DEPTH; i++) {
      value = "{\"arrayValue\":{\"values\":[" + value + "]}}";
    }
    String json = GOOD_JSON.replace("\"name\":\"GET /cart\"",
        "\"name\":\"GET /cart\",\"attributes\":[{\"key\":\"deep\",\"value\":" + value + "}]");

    HttpResponse<byte[]> r = post("/v1/traces", "application/json", utf8(json));

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(r.body()).get("message").asText())
        .startsWith("resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.arrayValue.values[0]")
        .endsWith(": nested deeper than the limit of " + OtlpLimits.MAX_VALUE_DEPTH + " levels");
    assertThat(received).isEmpty();
    assertRefusedAndStillServing("http", "malformed", before);
  }

  @Test
  void grpcTooManyAttributes_isInvalidArgumentAndCounted() throws Exception {
    double before = refused("grpc", "malformed");
    io.opentelemetry.proto.trace.v1.Span.Builder span = traceRequest(1).getResourceSpans(0).getScopeSpans(0)
        .getSpans(0).toBuilder();
    for (int i = 0; i <= OtlpLimits.MAX_ATTRIBUTES; i++) {
      span.addAttributes(KeyValue.newBuilder().setKey("k" + i).setValue(AnyValue.newBuilder().setIntValue(i)));
    }
    ExportTraceServiceRequest request = ExportTraceServiceRequest.newBuilder().addResourceSpans(
        ResourceSpans.newBuilder().addScopeSpans(ScopeSpans.newBuilder().addSpans(span))).build();

    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> traceStub.export(request));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).isEqualTo("resourceSpans[0].scopeSpans[0].spans[0].attributes: "
        + (OtlpLimits.MAX_ATTRIBUTES + 1) + " attributes, more than the limit of " + OtlpLimits.MAX_ATTRIBUTES);
    assertThat(received).isEmpty();
    assertRefusedAndStillServing("grpc", "malformed", before);
  }

  @Test
  void grpcOversizedMessage_isResourceExhausted() throws Exception {
    double before = refused("grpc", "too_large");

    AggregatedHttpResponse r = grpcCall(frame(bigTraceRequest(2 * 1024 * 1024).toByteArray(), false), false);

    assertThat(grpcStatus(r)).isEqualTo(Status.Code.RESOURCE_EXHAUSTED.value());
    assertRefusedAndStillServing("grpc", "too_large", before);
  }

  @Test
  void grpcOversizedStreamedMessage_isResourceExhausted() throws Exception {
    double before = refused("grpc", "too_large");
    byte[] frame = frame(bigTraceRequest(2 * 1024 * 1024).toByteArray(), false);
    RequestHeaders headers = grpcHeaders(false);

    // Sent in chunks without a content-length, as gRPC clients do: only the deframer can refuse it.
    AggregatedHttpResponse r = grpcRaw.execute(com.linecorp.armeria.common.HttpRequest.of(headers,
        com.linecorp.armeria.common.stream.StreamMessage.of(
            HttpData.wrap(frame, 0, 1024), HttpData.wrap(frame, 1024, frame.length - 1024)))).aggregate().join();

    assertThat(grpcStatus(r)).isEqualTo(Status.Code.RESOURCE_EXHAUSTED.value());
    assertRefusedAndStillServing("grpc", "too_large", before);
  }

  @Test
  void grpcGzipBomb_isResourceExhausted() throws Exception {
    double before = refused("grpc", "too_large");
    byte[] bomb = gzip(bigTraceRequest(4 * 1024 * 1024).toByteArray());
    assertThat(bomb.length).isLessThan(64 * 1024);

    AggregatedHttpResponse r = grpcCall(frame(bomb, true), true);

    assertThat(grpcStatus(r)).isEqualTo(Status.Code.RESOURCE_EXHAUSTED.value());
    assertRefusedAndStillServing("grpc", "too_large", before);
  }

  @Test
  void grpcCorruptGzip_isRefusedAndKeepsServing() throws Exception {
    double before = refused("grpc", "malformed");
    byte[] corrupt = gzip(traceRequest(1).toByteArray());
    for (int i = 10; i < corrupt.length - 8; i++) {
      corrupt[i] ^= 0x5a;
    }

    AggregatedHttpResponse r = grpcCall(frame(corrupt, true), true);

    assertThat(grpcStatus(r)).isEqualTo(Status.Code.INVALID_ARGUMENT.value());
    assertRefusedAndStillServing("grpc", "malformed", before);
  }

  // ---- protocols, wiring, lifecycle (their own receivers) ----

  @Test
  void onlyWiredSignalsAreServed_othersAreUnimplementedOrNotFound() throws Exception {
    SelfTelemetry t = SelfTelemetry.forTesting();
    Receiver r = TestReceivers.start(String.join("\n",
        "protocols:",
        "  grpc: {endpoint: '127.0.0.1:0'}",
        "  http: {endpoint: '127.0.0.1:0', traces_url_path: 'custom/traces'}"),
        EnumSet.of(Signal.TRACES), t, b -> ConsumeResult.success());
    try {
      LogsServiceGrpc.LogsServiceBlockingStub logs = GrpcClients
          .builder("http://127.0.0.1:" + r.boundAddresses().get("grpc").getPort()).responseTimeout(TIMEOUT)
          .build(LogsServiceGrpc.LogsServiceBlockingStub.class);
      StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
          () -> logs.export(ExportLogsServiceRequest.getDefaultInstance()));
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);

      String base = "http://127.0.0.1:" + r.boundAddresses().get("http").getPort();
      assertThat(send(base + "/v1/logs", "application/json", utf8("{}")).statusCode()).isEqualTo(404);
      assertThat(send(base + "/v1/traces", "application/json", utf8(GOOD_JSON)).statusCode()).isEqualTo(404);
      assertThat(send(base + "/custom/traces", "application/json", utf8(GOOD_JSON)).statusCode()).isEqualTo(200);
      assertThat(t.value(TransportTelemetry.REFUSED_REQUESTS, "otlp", "grpc", "not_found")).isEqualTo(1);
      assertThat(t.value(TransportTelemetry.REFUSED_REQUESTS, "otlp", "http", "not_found")).isEqualTo(2);
    } finally {
      r.shutdown();
    }
  }

  @Test
  void onlyConfiguredProtocolsStart() throws Exception {
    Receiver r = TestReceivers.start("protocols: {grpc: {endpoint: '127.0.0.1:0'}}", EnumSet.allOf(Signal.class),
        SelfTelemetry.forTesting(), b -> ConsumeResult.success());
    try {
      assertThat(r.boundAddresses()).containsOnlyKeys("grpc");
    } finally {
      r.shutdown();
    }
  }

  @Test
  void portInUse_failsStartWithTheEndpoint() throws Exception {
    String yaml = "protocols: {http: {endpoint: '127.0.0.1:" + httpPort + "'}}";
    assertThatThrownBy(() -> TestReceivers.start(yaml, EnumSet.allOf(Signal.class), SelfTelemetry.forTesting(),
        b -> ConsumeResult.success()))
        .hasMessageContaining("protocols.http: cannot listen on 127.0.0.1:" + httpPort);
  }

  @Test
  void shutdown_letsInFlightRequestsFinishThenRefusesConnections() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Receiver r = TestReceivers.start("protocols: {http: {endpoint: '127.0.0.1:0'}}", EnumSet.allOf(Signal.class),
        SelfTelemetry.forTesting(), b -> {
          entered.countDown();
          try {
            release.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return ConsumeResult.success();
        });
    String url = "http://127.0.0.1:" + r.boundAddresses().get("http").getPort() + "/v1/traces";
    CompletableFuture<HttpResponse<byte[]>> inFlight = http.sendAsync(HttpRequest.newBuilder(URI.create(url))
        .timeout(TIMEOUT).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(GOOD_JSON)).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();

    Thread stopper = new Thread(r::shutdown, "stopper");
    stopper.start();
    await().atMost(TIMEOUT).until(() -> stopper.getState() == Thread.State.TIMED_WAITING
        || stopper.getState() == Thread.State.WAITING);
    release.countDown();

    assertThat(inFlight.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    stopper.join(TIMEOUT.toMillis());
    assertThat(stopper.isAlive()).isFalse();
    assertThatThrownBy(() -> send(url, "application/json", utf8(GOOD_JSON))).isInstanceOf(IOException.class);
  }

  // ---- helpers ----

  private static void assertRefusedAndStillServing(String transport, String reason, double before) throws Exception {
    // Some refusals are counted by a callback that may run just after the response went out.
    await().atMost(TIMEOUT).untilAsserted(() ->
        assertThat(refused(transport, reason)).as("refused requests for %s/%s", transport, reason).isEqualTo(before + 1));
    received.clear();
    if (transport.equals("http")) {
      assertThat(post("/v1/traces", "application/x-protobuf", traceRequest(1).toByteArray()).statusCode()).isEqualTo(200);
    } else {
      assertThat(traceStub.export(traceRequest(1))).isEqualTo(ExportTraceServiceResponse.getDefaultInstance());
    }
    assertThat(spans()).hasSize(1);
  }

  private static double refused(String transport, String reason) {
    return telemetry.value(TransportTelemetry.REFUSED_REQUESTS, "otlp", transport, reason);
  }

  private static List<io.opentelemetry.proto.trace.v1.Span> spans() {
    List<io.opentelemetry.proto.trace.v1.Span> out = new ArrayList<>();
    for (Batch b : received) {
      if (b instanceof TraceBatch) {
        for (ResourceSpans rs : ((TraceBatch) b).request().getResourceSpansList()) {
          for (ScopeSpans ss : rs.getScopeSpansList()) {
            out.addAll(ss.getSpansList());
          }
        }
      }
    }
    return out;
  }

  private static ExportTraceServiceRequest traceRequest(int spans) {
    ScopeSpans.Builder ss = ScopeSpans.newBuilder();
    for (int i = 0; i < spans; i++) {
      ss.addSpans(io.opentelemetry.proto.trace.v1.Span.newBuilder()
          .setTraceId(ByteString.copyFrom(Hex.decode(TRACE_ID)))
          .setSpanId(ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, (byte) i}))
          .setName("span-" + i));
    }
    return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(ss)).build();
  }

  /** A valid request of about {@code bytes} bytes, which gzip shrinks to almost nothing. */
  private static ExportTraceServiceRequest bigTraceRequest(int bytes) {
    return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(
        ScopeSpans.newBuilder().addSpans(io.opentelemetry.proto.trace.v1.Span.newBuilder().setName("a".repeat(bytes)))))
        .build();
  }

  private static RetryInfo retryInfo(StatusRuntimeException e) throws InvalidProtocolBufferException {
    com.google.rpc.Status status = StatusProto.fromThrowable(e);
    assertThat(status).as("grpc-status-details-bin").isNotNull();
    assertThat(status.getDetailsList()).anySatisfy(d -> assertThat(d.is(RetryInfo.class)).isTrue());
    for (com.google.protobuf.Any d : status.getDetailsList()) {
      if (d.is(RetryInfo.class)) {
        return d.unpack(RetryInfo.class);
      }
    }
    throw new AssertionError("no RetryInfo");
  }

  private static AggregatedHttpResponse grpcCall(byte[] frame, boolean gzip) {
    return grpcRaw.execute(grpcHeaders(gzip), HttpData.wrap(frame)).aggregate().join();
  }

  private static RequestHeaders grpcHeaders(boolean gzip) {
    RequestHeadersBuilder headers = RequestHeaders.builder(HttpMethod.POST, "/opentelemetry.proto.collector.trace.v1.TraceService/Export")
        .contentType(MediaType.parse("application/grpc"))
        .add("te", "trailers");
    if (gzip) {
      headers.add("grpc-encoding", "gzip");
    }
    return headers.build();
  }

  private static int grpcStatus(AggregatedHttpResponse r) {
    String s = r.trailers().get("grpc-status");
    if (s == null) {
      s = r.headers().get("grpc-status");
    }
    assertThat(s).as("grpc-status of %s", r).isNotNull();
    return Integer.parseInt(s);
  }

  /** A gRPC length-prefixed message. */
  private static byte[] frame(byte[] message, boolean compressed) {
    return ByteBuffer.allocate(5 + message.length).put((byte) (compressed ? 1 : 0)).putInt(message.length).put(message)
        .array();
  }

  private static HttpResponse<byte[]> post(String path, String contentType, byte[] body, String... headers)
      throws Exception {
    return send("http://127.0.0.1:" + httpPort + path, contentType, body, headers);
  }

  private static HttpResponse<byte[]> send(String url, String contentType, byte[] body, String... headers)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT)
        .header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + httpPort + path);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    }
    return out.toByteArray();
  }
}
