package dev.traceyard.collector.receiver.zipkin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.ComponentKind;
import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Receiver;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.HostPort;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.otlp.Hex;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import zipkin2.Endpoint;
import zipkin2.reporter.AsyncReporter;
import zipkin2.reporter.Encoding;
import zipkin2.reporter.InMemoryReporterMetrics;
import zipkin2.reporter.urlconnection.URLConnectionSender;

/**
 * The receiver on a real port, fed by the real Zipkin reporter (JSON and proto3, gzip as it sends
 * by default) and by raw HTTP requests for every kind of bad input.
 */
class ZipkinReceiverIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final long MAX_BODY = 64 * 1024;
  private static final String TRACE_ID = "463ac35c9f6413ad48485a3953bb6124";
  private static final long START_MICROS = 1_700_000_000_123_456L;

  // One server for the class: Armeria takes ~2 s to stop (its boss event loop's quiet period), so
  // each test resets the capture and reads counters relative to its own start.
  private static final SelfTelemetry telemetry = SelfTelemetry.forTesting();
  private static final List<TraceBatch> received = new CopyOnWriteArrayList<>();
  private static final List<String> consumeThreads = new CopyOnWriteArrayList<>();
  private static final AtomicReference<Supplier<ConsumeResult>> answer = new AtomicReference<>(ConsumeResult::success);
  private static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();
  private static Receiver receiver;
  private static String base;
  private double acceptedAtStart;
  private double refusedSpansAtStart;
  private double refusedRequestsAtStart;

  @BeforeAll
  static void startReceiver() throws Exception {
    receiver = newReceiver();
    InetSocketAddress address = receiver.boundAddresses().get("http");
    assertThat(address.getPort()).isPositive();
    base = "http://127.0.0.1:" + address.getPort();
  }

  private static Receiver newReceiver() throws Exception {
    ComponentSettings settings = new ComponentSettings(ComponentId.of("zipkin"), ComponentKind.RECEIVER, telemetry);
    ZipkinReceiverConfig config = new ZipkinReceiverConfig(HostPort.of("127.0.0.1", 0), false, MAX_BODY);
    Receiver r = new ZipkinReceiverFactory().create(settings, config, ZipkinReceiverIT::consume, Set.of(Signal.TRACES));
    r.start(id -> Optional.empty());
    return r;
  }

  @AfterAll
  static void stopReceiver() {
    receiver.shutdown();
  }

  @BeforeEach
  void reset() {
    received.clear();
    consumeThreads.clear();
    answer.set(ConsumeResult::success);
    acceptedAtStart = value("traceyard_receiver_accepted_spans");
    refusedSpansAtStart = value("traceyard_receiver_refused_spans");
    refusedRequestsAtStart = refusedRequestsTotal();
  }

  private static ConsumeResult consume(Batch batch) {
    consumeThreads.add(Thread.currentThread().getName());
    ConsumeResult r = answer.get().get();
    if (r.isSuccess()) {
      received.add((TraceBatch) batch);
    }
    return r;
  }

  // ---------------------------------------------------------------- a real Zipkin reporter

  private static List<zipkin2.Span> reporterSpans() {
    zipkin2.Span server = zipkin2.Span.newBuilder().traceId(TRACE_ID).id("a2fb4a1d1a96d312").parentId("0020000000000001")
        .name("get /users").kind(zipkin2.Span.Kind.SERVER).timestamp(START_MICROS).duration(1500)
        .localEndpoint(Endpoint.newBuilder().serviceName("frontend").ip("192.168.99.1").port(8080).build())
        .remoteEndpoint(Endpoint.newBuilder().ip("10.0.0.7").port(51234).build())
        .addAnnotation(START_MICROS + 100, "cache miss")
        .putTag("http.method", "GET").putTag("error", "timeout").putTag("otel.scope.name", "my-lib")
        .build();
    zipkin2.Span client = zipkin2.Span.newBuilder().traceId("48485a3953bb6124").id("1").name("select")
        .kind(zipkin2.Span.Kind.CLIENT).timestamp(START_MICROS + 10).duration(700)
        .localEndpoint(Endpoint.newBuilder().serviceName("backend").build())
        .remoteEndpoint(Endpoint.newBuilder().serviceName("mysql").ip("2001:db8::1").port(3306).build())
        .putTag("otel.status_code", "OK")
        .build();
    return List.of(server, client);
  }

  private void reportWith(Encoding encoding, boolean compression) throws IOException {
    InMemoryReporterMetrics metrics = new InMemoryReporterMetrics();
    try (URLConnectionSender sender = URLConnectionSender.newBuilder().endpoint(base + "/api/v2/spans")
        .encoding(encoding).compressionEnabled(compression).build();
         // No timeout: nothing is sent in the background, flush() sends on this thread.
         AsyncReporter<zipkin2.Span> reporter = AsyncReporter.builder(sender).metrics(metrics)
             .messageTimeout(0, TimeUnit.MILLISECONDS).build()) {
      reporterSpans().forEach(reporter::report);
      reporter.flush();
    }
    assertThat(metrics.messagesDropped()).as("reporter messages dropped").isZero();
    assertThat(metrics.messages()).isEqualTo(1);
  }

  private List<Span> receivedSpans() {
    List<Span> spans = new ArrayList<>();
    received.forEach(b -> b.request().getResourceSpansList()
        .forEach(rs -> rs.getScopeSpansList().forEach(ss -> spans.addAll(ss.getSpansList()))));
    return spans;
  }

  private static Map<String, AnyValue> attributes(List<KeyValue> kvs) {
    Map<String, AnyValue> out = new LinkedHashMap<>();
    kvs.forEach(kv -> out.put(kv.getKey(), kv.getValue()));
    return out;
  }

  private static AnyValue str(String s) {
    return AnyValue.newBuilder().setStringValue(s).build();
  }

  private static AnyValue integer(long v) {
    return AnyValue.newBuilder().setIntValue(v).build();
  }

  private void assertReporterSpansArrived() {
    await().atMost(WAIT).until(() -> receivedSpans().size() == 2);
    assertThat(received).hasSize(1);
    List<ResourceSpans> resources = received.get(0).request().getResourceSpansList();
    assertThat(resources).extracting(rs -> attributes(rs.getResource().getAttributesList()).get("service.name"))
        .containsExactly(str("frontend"), str("backend"));

    Span server = resources.get(0).getScopeSpans(0).getSpans(0);
    assertThat(resources.get(0).getScopeSpans(0).getScope().getName()).isEqualTo("my-lib");
    assertThat(Hex.encode(server.getTraceId())).isEqualTo(TRACE_ID);
    assertThat(Hex.encode(server.getSpanId())).isEqualTo("a2fb4a1d1a96d312");
    assertThat(Hex.encode(server.getParentSpanId())).isEqualTo("0020000000000001");
    assertThat(server.getName()).isEqualTo("get /users");
    assertThat(server.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
    assertThat(server.getStartTimeUnixNano()).isEqualTo(START_MICROS * 1000);
    assertThat(server.getEndTimeUnixNano()).isEqualTo((START_MICROS + 1500) * 1000);
    assertThat(server.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
    assertThat(server.getStatus().getMessage()).isEqualTo("timeout");
    assertThat(attributes(server.getAttributesList())).containsEntry("http.method", str("GET"))
        .containsEntry("error", str("timeout"))
        .containsEntry("net.host.ip", str("192.168.99.1"))
        .containsEntry("net.host.port", integer(8080))
        .containsEntry("net.peer.ip", str("10.0.0.7"))
        .containsEntry("net.peer.port", integer(51234))
        .doesNotContainKey("otel.scope.name");
    assertThat(server.getEventsList()).singleElement().satisfies(e -> {
      assertThat(e.getName()).isEqualTo("cache miss");
      assertThat(e.getTimeUnixNano()).isEqualTo((START_MICROS + 100) * 1000);
    });

    Span client = resources.get(1).getScopeSpans(0).getSpans(0);
    assertThat(Hex.encode(client.getTraceId())).isEqualTo("000000000000000048485a3953bb6124");
    assertThat(client.getParentSpanId().isEmpty()).isTrue();
    assertThat(client.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
    assertThat(client.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_OK);
    assertThat(attributes(client.getAttributesList())).containsExactly(
        Map.entry("peer.service", str("mysql")), Map.entry("net.peer.ip", str("2001:db8::1")),
        Map.entry("net.peer.port", integer(3306)));

    assertThat(accepted()).isEqualTo(2);
    assertThat(refusedRequests()).isZero();
    assertThat(consumeThreads).allSatisfy(t -> assertThat(t).doesNotContain("worker").contains("blocking"));
  }

  @Test
  void zipkinReporterJson_spansArriveTranslated() throws Exception {
    reportWith(Encoding.JSON, true);
    assertReporterSpansArrived();
  }

  @Test
  void zipkinReporterProto3_spansArriveTranslated() throws Exception {
    reportWith(Encoding.PROTO3, true);
    assertReporterSpansArrived();
  }

  @Test
  void zipkinReporterUncompressedJson_spansArriveTranslated() throws Exception {
    reportWith(Encoding.JSON, false);
    assertReporterSpansArrived();
  }

  // ---------------------------------------------------------------- raw requests that succeed

  private static final String ONE_SPAN = "[{\"traceId\":\"" + TRACE_ID + "\",\"id\":\"1\",\"name\":\"GET /Mixed\","
      + "\"timestamp\":" + START_MICROS + ",\"localEndpoint\":{\"serviceName\":\"Svc\"}}]";

  private HttpResponse<String> post(String path, String contentType, String encoding, byte[] body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(WAIT)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    if (encoding != null) {
      b.header("Content-Encoding", encoding);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> postJson(String body) throws Exception {
    return post("/api/v2/spans", "application/json", null, body.getBytes(StandardCharsets.UTF_8));
  }

  private void assertStillServing() throws Exception {
    int before = receivedSpans().size();
    assertThat(postJson(ONE_SPAN).statusCode()).isEqualTo(202);
    await().atMost(WAIT).until(() -> receivedSpans().size() == before + 1);
  }

  private static double value(String name) {
    return telemetry.value(name, "zipkin", "http");
  }

  private double accepted() {
    return value("traceyard_receiver_accepted_spans") - acceptedAtStart;
  }

  private double refusedSpans() {
    return value("traceyard_receiver_refused_spans") - refusedSpansAtStart;
  }

  private double refusedRequests() {
    return refusedRequestsTotal() - refusedRequestsAtStart;
  }

  private static double refusedRequestsTotal() {
    double sum = 0;
    for (String reason : new String[] {"malformed", "too_large", "unsupported_media_type", "refused", "not_found",
        "method_not_allowed"}) {
      sum += telemetry.value("traceyard_receiver_refused_requests", "zipkin", "http", reason);
    }
    return sum;
  }

  private static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    }
    return out.toByteArray();
  }

  @Test
  void rawJson_keepsNameCaseAndAnswers202WithEmptyBody() throws Exception {
    HttpResponse<String> r = postJson(ONE_SPAN);

    assertThat(r.statusCode()).isEqualTo(202);
    assertThat(r.body()).isEmpty();
    assertThat(receivedSpans()).singleElement().extracting(Span::getName).isEqualTo("GET /Mixed");
    assertThat(attributes(received.get(0).request().getResourceSpans(0).getResource().getAttributesList()))
        .containsEntry("service.name", str("Svc"));
  }

  @Test
  void jsonWithCharsetOrNoContentType_isAccepted() throws Exception {
    byte[] body = ONE_SPAN.getBytes(StandardCharsets.UTF_8);
    assertThat(post("/api/v2/spans", "application/json; charset=utf-8", null, body).statusCode()).isEqualTo(202);
    assertThat(post("/api/v2/spans", null, null, body).statusCode()).isEqualTo(202);
    assertThat(receivedSpans()).hasSize(2);
  }

  @Test
  void gzipAndDeflateBodies_areDecompressed() throws Exception {
    byte[] body = ONE_SPAN.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream deflated = new ByteArrayOutputStream();
    try (DeflaterOutputStream d = new DeflaterOutputStream(deflated)) {
      d.write(body);
    }

    assertThat(post("/api/v2/spans", "application/json", "gzip", gzip(body)).statusCode()).isEqualTo(202);
    assertThat(post("/api/v2/spans", "application/json", "deflate", deflated.toByteArray()).statusCode()).isEqualTo(202);
    assertThat(receivedSpans()).hasSize(2);
  }

  @Test
  void emptyList_isAcceptedWithoutCallingThePipeline() throws Exception {
    assertThat(postJson("[]").statusCode()).isEqualTo(202);
    assertThat(consumeThreads).isEmpty();
  }

  // ---------------------------------------------------------------- bad input

  @Test
  void malformedJson_returns400AndKeepsServing() throws Exception {
    HttpResponse<String> r = postJson("[{\"traceId\":");

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).startsWith("invalid Zipkin v2 JSON spans: malformed JSON");
    assertThat(refusedRequests()).isEqualTo(1);
    assertStillServing();
  }

  @Test
  void invalidSpan_returns400NamingItAndCountsEverySpanRefused() throws Exception {
    HttpResponse<String> r = postJson("[{\"traceId\":\"1\",\"id\":\"1\"},{\"traceId\":\"nothex\",\"id\":\"2\"}]");

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("span[1].traceId: expected 1 to 32 hex characters, got 'nothex'");
    assertThat(refusedSpans()).isEqualTo(2);
    assertThat(receivedSpans()).isEmpty();
    assertStillServing();
  }

  @Test
  void malformedProtobuf_returns400AndKeepsServing() throws Exception {
    HttpResponse<String> r = post("/api/v2/spans", "application/x-protobuf", null, ONE_SPAN.getBytes(StandardCharsets.UTF_8));

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).startsWith("invalid Zipkin v2 proto3 spans: malformed protobuf");
    assertThat(refusedRequests()).isEqualTo(1);
    assertStillServing();
  }

  @Test
  void corruptGzip_returns400() throws Exception {
    HttpResponse<String> r = post("/api/v2/spans", "application/json", "gzip", "not gzip".getBytes(StandardCharsets.UTF_8));

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).startsWith("body is not valid gzip data");
    assertStillServing();
  }

  @Test
  void emptyBody_returns400() throws Exception {
    HttpResponse<String> r = postJson("");

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("empty request body");
  }

  @Test
  void oversizedBody_returns413AndKeepsServing() throws Exception {
    byte[] big = new byte[(int) MAX_BODY + 1];
    Arrays.fill(big, (byte) ' ');

    HttpResponse<String> r = post("/api/v2/spans", "application/json", null, big);

    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(r.body()).contains("max_request_body_size (65536 bytes)");
    await().atMost(WAIT).until(() -> refusedRequests() >= 1);
    assertThat(refusedRequests()).isEqualTo(1);
    assertStillServing();
  }

  @Test
  void oversizedChunkedBody_returns413AndKeepsServing() throws Exception {
    byte[] big = new byte[(int) MAX_BODY * 2];
    Arrays.fill(big, (byte) ' ');
    HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/api/v2/spans")).timeout(WAIT)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))).build();

    HttpResponse<String> r;
    try {
      r = http.send(req, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      // The server may close the connection while the client is still writing; that is a refusal too.
      r = null;
    }

    if (r != null) {
      assertThat(r.statusCode()).isEqualTo(413);
    }
    await().atMost(WAIT).until(() -> refusedRequests() >= 1);
    assertThat(refusedRequests()).isEqualTo(1);
    assertStillServing();
  }

  @Test
  void bodyInflatingPastTheLimit_returns413() throws Exception {
    byte[] bomb = gzip(new byte[(int) MAX_BODY * 16]);
    assertThat(bomb.length).isLessThan((int) MAX_BODY);

    HttpResponse<String> r = post("/api/v2/spans", "application/json", "gzip", bomb);

    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(refusedRequests()).isEqualTo(1);
    assertStillServing();
  }

  @Test
  void wrongContentType_returns415() throws Exception {
    HttpResponse<String> r = post("/api/v2/spans", "text/plain", null, ONE_SPAN.getBytes(StandardCharsets.UTF_8));

    assertThat(r.statusCode()).isEqualTo(415);
    assertThat(r.body()).contains("unsupported Content-Type 'text/plain'").contains("application/x-protobuf");
    assertThat(refusedRequests()).isEqualTo(1);
    assertStillServing();
  }

  @Test
  void unsupportedContentEncoding_returns415() throws Exception {
    HttpResponse<String> r = post("/api/v2/spans", "application/json", "br", ONE_SPAN.getBytes(StandardCharsets.UTF_8));

    assertThat(r.statusCode()).isEqualTo(415);
    assertThat(r.body()).contains("unsupported Content-Encoding 'br'");
  }

  @Test
  void unknownPath_returns404() throws Exception {
    HttpResponse<String> r = post("/api/v3/spans", "application/json", null, ONE_SPAN.getBytes(StandardCharsets.UTF_8));

    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(r.body()).isEqualTo("unknown path /api/v3/spans: Zipkin v2 spans are accepted at POST /api/v2/spans");
    assertThat(refusedRequests()).isEqualTo(1);
    assertStillServing();
  }

  @Test
  void zipkinV1Path_returns404SayingOnlyV2IsSupported() throws Exception {
    HttpResponse<String> r = post("/api/v1/spans", "application/json", null, "[]".getBytes(StandardCharsets.UTF_8));

    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(r.body()).contains("Zipkin v1 API is not supported").contains("POST /api/v2/spans");
  }

  @Test
  void getOnSpansPath_returns405() throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v2/spans")).timeout(WAIT).GET().build(),
        HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(405);
    assertThat(r.headers().firstValue("Allow")).hasValue("POST");
  }

  // ---------------------------------------------------------------- pipeline refusals

  @Test
  void retryableRefusal_returns503WithRetryAfterAndCountsRefusedSpans() throws Exception {
    answer.set(() -> ConsumeResult.retryable("queue is full", Duration.ofMillis(2500)));

    HttpResponse<String> r = postJson(ONE_SPAN);

    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.headers().firstValue("Retry-After")).hasValue("3");
    assertThat(r.body()).contains("queue is full");
    assertThat(refusedSpans()).isEqualTo(1);
    assertThat(accepted()).isZero();
    answer.set(ConsumeResult::success);
    assertStillServing();
  }

  @Test
  void retryableRefusalWithoutDelay_suggestsOneSecond() throws Exception {
    answer.set(() -> ConsumeResult.retryable("exporter down", null));

    HttpResponse<String> r = postJson(ONE_SPAN);

    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
  }

  @Test
  void throttledRefusal_returns429WithRetryAfter() throws Exception {
    answer.set(() -> ConsumeResult.throttled("memory limit", Duration.ofSeconds(5)));

    HttpResponse<String> r = postJson(ONE_SPAN);

    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(r.headers().firstValue("Retry-After")).hasValue("5");
    assertThat(r.body()).contains("memory limit");
    assertThat(refusedSpans()).isEqualTo(1);
  }

  @Test
  void permanentRefusal_returns400() throws Exception {
    answer.set(() -> ConsumeResult.permanent("not allowed"));

    HttpResponse<String> r = postJson(ONE_SPAN);

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).isEqualTo("spans refused: not allowed");
    assertThat(refusedSpans()).isEqualTo(1);
    assertThat(refusedRequests()).isEqualTo(1);
  }

  @Test
  void consumerThatThrows_returns503AndKeepsServing() throws Exception {
    answer.set(() -> {
      throw new IllegalStateException("bug");
    });

    HttpResponse<String> r = postJson(ONE_SPAN);

    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.body()).contains("bug");
    answer.set(ConsumeResult::success);
    assertStillServing();
  }

  @Test
  void partialSuccess_isAcceptedAndCountsTheDroppedSpans() throws Exception {
    answer.set(() -> ConsumeResult.partialSuccess(1, "sampled out"));

    HttpResponse<String> r = postJson(ONE_SPAN);

    assertThat(r.statusCode()).isEqualTo(202);
    assertThat(refusedSpans()).isEqualTo(1);
    assertThat(accepted()).isZero();
  }

  // ---------------------------------------------------------------- lifecycle

  @Test
  void shutdown_closesThePort() throws Exception {
    Receiver other = newReceiver();
    int port = other.boundAddresses().get("http").getPort();
    assertThat(post(port, "[]").statusCode()).isEqualTo(202);

    other.shutdown();

    assertThatThrownBy(() -> post(port, "[]")).isInstanceOf(IOException.class);
  }

  @Test
  void portInUse_failsTheStartWithTheCause() {
    int port = receiver.boundAddresses().get("http").getPort();
    ComponentSettings settings = new ComponentSettings(ComponentId.parse("zipkin/second"), ComponentKind.RECEIVER, telemetry);
    Receiver clash = new ZipkinReceiverFactory().create(settings,
        new ZipkinReceiverConfig(HostPort.of("127.0.0.1", port), false, MAX_BODY), b -> ConsumeResult.success(),
        Set.of(Signal.TRACES));

    assertThatThrownBy(() -> clash.start(id -> Optional.empty()))
        .hasMessageContaining("in use");
    clash.shutdown();
  }

  @Test
  void overTheAdmissionLimit_refusesWith429AndRetryAfterBeforeDecoding() throws Exception {
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch holding = new java.util.concurrent.CountDownLatch(1);
    ComponentSettings settings = new ComponentSettings(ComponentId.parse("zipkin/admitted"), ComponentKind.RECEIVER,
        telemetry);
    Receiver limited = new ZipkinReceiverFactory().create(settings,
        new ZipkinReceiverConfig(HostPort.of("127.0.0.1", 0), false, 4L * 1024 * 1024,
            new dev.traceyard.collector.receiver.admission.AdmissionConfig(1024 * 1024)),
        b -> {
          holding.countDown();
          try {
            release.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return ConsumeResult.success();
        }, Set.of(Signal.TRACES));
    limited.start(id -> Optional.empty());
    try {
      int port = limited.boundAddresses().get("http").getPort();
      String big = "[{\"traceId\":\"" + TRACE_ID + "\",\"id\":\"48485a3953bb6124\",\"name\":\"get\","
          + "\"tags\":{\"blob\":\"" + "x".repeat(600 * 1024) + "\"}}]";
      var first = http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v2/spans"))
          .timeout(WAIT).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(big))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(holding.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();

      // Not even JSON: refused on its declared size alone, never decoded.
      HttpResponse<String> refused = post(port, "x".repeat(600 * 1024));
      assertThat(refused.statusCode()).isEqualTo(429);
      assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
      assertThat(refused.body()).contains("admission.request_limit_mib");
      assertThat(telemetry.value("traceyard_receiver_refused_requests", "zipkin/admitted", "http", "admission_limit"))
          .isEqualTo(1);
      assertThat(telemetry.value("traceyard_receiver_refused_requests", "zipkin/admitted", "http", "malformed"))
          .isZero();

      release.countDown();
      assertThat(first.get(WAIT.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(202);
      assertThat(post(port, big).statusCode()).isEqualTo(202);
    } finally {
      release.countDown();
      limited.shutdown();
    }
  }

  private HttpResponse<String> post(int port, String json) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v2/spans")).timeout(WAIT)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
