package dev.traceyard.collector.receiver.otlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import com.google.rpc.RetryInfo;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.google.rpc.Status;
import dev.traceyard.collector.component.Receiver;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import com.google.protobuf.ByteString;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code admission.request_limit_mib} on real loopback servers: while one request is held in a slow
 * {@code consume()}, the next one that would pass the limit is refused before it is decoded, with a
 * status clients retry, and counted; once the first one is answered its bytes are free again.
 */
class OtlpReceiverAdmissionIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  /** Each request is ~600 KiB: one fits under the 1 MiB limit, two do not. */
  private static final int PAYLOAD = 600 * 1024;

  private final SelfTelemetry telemetry = SelfTelemetry.forTesting();
  private final ConcurrentLinkedQueue<Batch> received = new ConcurrentLinkedQueue<>();
  private final CountDownLatch release = new CountDownLatch(1);
  private final CountDownLatch firstArrived = new CountDownLatch(1);
  private Receiver receiver;
  private int grpcPort;
  private int httpPort;

  @BeforeEach
  void start() throws Exception {
    receiver = TestReceivers.start(String.join("\n",
        "protocols:",
        "  grpc:",
        "    endpoint: 127.0.0.1:0",
        "    admission: {request_limit_mib: 1}",
        "  http:",
        "    endpoint: 127.0.0.1:0",
        "    admission: {request_limit_mib: 1}"),
        EnumSet.of(Signal.TRACES), telemetry, batch -> {
          received.add(batch);
          firstArrived.countDown();
          try {
            // A slow downstream: the first request holds its bytes until the test lets it go.
            release.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return ConsumeResult.success();
        });
    grpcPort = receiver.boundAddresses().get("grpc").getPort();
    httpPort = receiver.boundAddresses().get("http").getPort();
  }

  @AfterEach
  void stop() {
    release.countDown();
    receiver.shutdown();
  }

  @Test
  void grpcRefusesARequestOverTheLimitWithResourceExhaustedAndRetryInfoThenAdmitsItOnceFree() throws Exception {
    TraceServiceGrpc.TraceServiceBlockingStub stub = GrpcClients.builder("http://127.0.0.1:" + grpcPort)
        .responseTimeout(TIMEOUT).build(TraceServiceGrpc.TraceServiceBlockingStub.class);
    CompletableFuture<Void> first = CompletableFuture.runAsync(() -> stub.export(request("first")));
    assertThat(firstArrived.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    assertThat(inFlightBytes("grpc")).isGreaterThanOrEqualTo(PAYLOAD);

    StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class,
        () -> stub.export(request("second")));
    assertThat(refused.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.RESOURCE_EXHAUSTED);
    assertThat(refused.getStatus().getDescription()).contains("admission.request_limit_mib");
    assertThat(retryDelay(StatusProto.fromThrowable(refused))).isEqualTo(Duration.ofSeconds(1));
    assertThat(received).hasSize(1);
    assertThat(refusedRequests("grpc")).isEqualTo(1);

    release.countDown();
    first.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    await().atMost(TIMEOUT).until(() -> inFlightBytes("grpc") == 0);
    stub.export(request("second"));
    assertThat(received).hasSize(2);
  }

  @Test
  void grpcRefusesBeforeDecodingSoThatEvenGarbageGetsTheRetryableAnswer() throws Exception {
    TraceServiceGrpc.TraceServiceBlockingStub stub = GrpcClients.builder("http://127.0.0.1:" + grpcPort)
        .responseTimeout(TIMEOUT).build(TraceServiceGrpc.TraceServiceBlockingStub.class);
    CompletableFuture<Void> first = CompletableFuture.runAsync(() -> stub.export(request("first")));
    assertThat(firstArrived.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();

    // A gRPC frame whose message is not protobuf: with a declared length, refused before any byte is read.
    byte[] frame = new byte[5 + PAYLOAD];
    int n = PAYLOAD;
    frame[1] = (byte) (n >>> 24);
    frame[2] = (byte) (n >>> 16);
    frame[3] = (byte) (n >>> 8);
    frame[4] = (byte) n;
    java.util.Arrays.fill(frame, 5, frame.length, (byte) 0xff);
    AggregatedHttpResponse res = WebClient.builder("h2c://127.0.0.1:" + grpcPort).responseTimeout(TIMEOUT).build()
        .execute(RequestHeaders.builder(HttpMethod.POST,
            "/opentelemetry.proto.collector.trace.v1.TraceService/Export")
            .contentType(MediaType.parse("application/grpc")).add("te", "trailers").contentLength(frame.length)
            .build(), HttpData.wrap(frame))
        .aggregate().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    String grpcStatus = res.headers().contains("grpc-status") ? res.headers().get("grpc-status")
        : res.trailers().get("grpc-status");
    assertThat(grpcStatus).isEqualTo(Integer.toString(io.grpc.Status.Code.RESOURCE_EXHAUSTED.value()));
    String details = res.headers().get("grpc-status-details-bin");
    assertThat(details).isNotNull();
    assertThat(retryDelay(Status.parseFrom(java.util.Base64.getDecoder().decode(details))))
        .isEqualTo(Duration.ofSeconds(1));
    assertThat(refusedRequests("grpc")).isEqualTo(1);
    assertThat(telemetry.value(TransportTelemetry.REFUSED_REQUESTS, "otlp", "grpc", "malformed")).isZero();
    release.countDown();
    first.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
  }

  @Test
  void httpRefusesARequestOverTheLimitWith429AndRetryAfter() throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(TIMEOUT).build();
    URI uri = URI.create("http://127.0.0.1:" + httpPort + "/v1/traces");
    CompletableFuture<HttpResponse<String>> first = http.sendAsync(post(uri, request("first").toByteArray()),
        HttpResponse.BodyHandlers.ofString());
    assertThat(firstArrived.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    assertThat(inFlightBytes("http")).isGreaterThanOrEqualTo(PAYLOAD);

    HttpResponse<byte[]> refused = http.send(post(uri, request("second").toByteArray()),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.headers().firstValue("retry-after")).hasValue("1");
    Status body = Status.parseFrom(refused.body());
    assertThat(body.getCode()).isEqualTo(com.google.rpc.Code.RESOURCE_EXHAUSTED_VALUE);
    assertThat(body.getMessage()).contains("admission.request_limit_mib");
    assertThat(refusedRequests("http")).isEqualTo(1);

    // Without Content-Length (chunked), the body is cut off at the chunk that passes the limit.
    HttpResponse<byte[]> chunked = http.send(HttpRequest.newBuilder(uri).timeout(TIMEOUT)
        .header("Content-Type", "application/x-protobuf")
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(request("third").toByteArray())))
        .build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(chunked.statusCode()).isEqualTo(429);
    assertThat(chunked.headers().firstValue("retry-after")).hasValue("1");
    assertThat(refusedRequests("http")).isEqualTo(2);
    assertThat(received).hasSize(1);

    release.countDown();
    assertThat(first.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    await().atMost(TIMEOUT).until(() -> inFlightBytes("http") == 0);
    assertThat(http.send(post(uri, request("second").toByteArray()), HttpResponse.BodyHandlers.ofString())
        .statusCode()).isEqualTo(200);
  }

  private static HttpRequest post(URI uri, byte[] body) {
    return HttpRequest.newBuilder(uri).timeout(TIMEOUT).header("Content-Type", "application/x-protobuf")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
  }

  private double refusedRequests(String transport) {
    return telemetry.value(TransportTelemetry.REFUSED_REQUESTS, "otlp", transport, "admission_limit");
  }

  /** The callback gauge, read from the Prometheus scrape as the /metrics endpoint serves it. */
  private double inFlightBytes(String transport) {
    String prefix = OtlpAdmission.IN_FLIGHT_BYTES + "{receiver=\"otlp\",transport=\"" + transport + "\"} ";
    return telemetry.scrape().lines().filter(l -> l.startsWith(prefix))
        .mapToDouble(l -> Double.parseDouble(l.substring(prefix.length()).trim())).findFirst().orElse(-1);
  }

  private static Duration retryDelay(Status status) throws Exception {
    for (Any any : status.getDetailsList()) {
      if (any.is(RetryInfo.class)) {
        com.google.protobuf.Duration d = any.unpack(RetryInfo.class).getRetryDelay();
        return Duration.ofSeconds(d.getSeconds(), d.getNanos());
      }
    }
    return null;
  }

  private static ExportTraceServiceRequest request(String name) {
    Span span = Span.newBuilder()
        .setTraceId(ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}))
        .setSpanId(ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}))
        .setName(name)
        .addAttributes(KeyValue.newBuilder().setKey("blob")
            .setValue(AnyValue.newBuilder().setStringValue("x".repeat(PAYLOAD))))
        .build();
    return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .addScopeSpans(ScopeSpans.newBuilder().addSpans(span))).build();
  }
}
