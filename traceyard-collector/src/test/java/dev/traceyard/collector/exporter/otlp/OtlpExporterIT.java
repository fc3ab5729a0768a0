package dev.traceyard.collector.exporter.otlp;

import static dev.traceyard.collector.exporter.ExporterTesting.NO_EXTENSIONS;
import static dev.traceyard.collector.exporter.ExporterTesting.logs;
import static dev.traceyard.collector.exporter.ExporterTesting.metrics;
import static dev.traceyard.collector.exporter.ExporterTesting.traces;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import com.google.rpc.Code;
import com.google.rpc.RetryInfo;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.TlsKeyPair;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.grpc.GrpcService;
import dev.traceyard.collector.component.Exporter;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.data.LogBatch;
import dev.traceyard.collector.data.MetricBatch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.exporter.ExporterTesting;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.logs.v1.LogsServiceGrpc;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.metrics.v1.MetricsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OtlpExporterIT {
  private static final Duration WAIT = Duration.ofSeconds(30);

  /** A real OTLP/gRPC backend on a free port that records requests and fails on demand. */
  static final class Backend {
    record Received(Message request, RequestHeaders headers, long nanos) {}

    final List<Received> received = new CopyOnWriteArrayList<>();
    final ConcurrentLinkedQueue<Supplier<Throwable>> failures = new ConcurrentLinkedQueue<>();
    volatile long rejectSpans;
    private final ThreadLocal<RequestHeaders> current = new ThreadLocal<>();
    final Server server;

    Backend(boolean tls, TlsKeyPair keyPair) {
      GrpcService grpc = GrpcService.builder()
          .addService(new TraceServiceGrpc.TraceServiceImplBase() {
            @Override
            public void export(ExportTraceServiceRequest req, StreamObserver<ExportTraceServiceResponse> obs) {
              answer(req, obs, () -> ExportTraceServiceResponse.newBuilder()
                  .setPartialSuccess(ExportTracePartialSuccess.newBuilder().setRejectedSpans(rejectSpans)
                      .setErrorMessage(rejectSpans > 0 ? "span names must not be empty" : ""))
                  .build());
            }
          })
          .addService(new MetricsServiceGrpc.MetricsServiceImplBase() {
            @Override
            public void export(ExportMetricsServiceRequest req, StreamObserver<ExportMetricsServiceResponse> obs) {
              answer(req, obs, ExportMetricsServiceResponse::getDefaultInstance);
            }
          })
          .addService(new LogsServiceGrpc.LogsServiceImplBase() {
            @Override
            public void export(ExportLogsServiceRequest req, StreamObserver<ExportLogsServiceResponse> obs) {
              answer(req, obs, ExportLogsServiceResponse::getDefaultInstance);
            }
          })
          .useBlockingTaskExecutor(true)
          .build();
      ServerBuilder sb = Server.builder()
          .gracefulShutdownTimeout(Duration.ZERO, Duration.ZERO)
          .connectionDrainDuration(Duration.ZERO)
          .service(grpc, delegate -> (ctx, req) -> {
            RequestHeaders h = req.headers();
            ctx.setAttr(HEADERS, h);
            return delegate.serve(ctx, req);
          });
      if (tls) {
        sb.https(0).tls(keyPair);
      } else {
        sb.http(0);
      }
      server = sb.build();
      server.start().join();
    }

    private static final io.netty.util.AttributeKey<RequestHeaders> HEADERS =
        io.netty.util.AttributeKey.valueOf(Backend.class, "headers");

    private <T> void answer(Message req, StreamObserver<T> obs, Supplier<T> response) {
      RequestHeaders h = com.linecorp.armeria.server.ServiceRequestContext.current().attr(HEADERS);
      received.add(new Received(req, h, System.nanoTime()));
      Supplier<Throwable> failure = failures.poll();
      if (failure != null) {
        obs.onError(failure.get());
        return;
      }
      obs.onNext(response.get());
      obs.onCompleted();
    }

    int port() {
      return server.activeLocalPort();
    }

    void reset() {
      received.clear();
      failures.clear();
      rejectSpans = 0;
    }

    void stop() {
      server.stop().join();
    }
  }

  // One plaintext backend for the class: stopping an Armeria server takes a couple of seconds.
  private static Backend shared;

  private final SelfTelemetry telemetry = SelfTelemetry.forTesting();
  private final List<Exporter> exporters = new ArrayList<>();
  private final List<Backend> backends = new ArrayList<>();

  @TempDir
  Path dir;

  @BeforeAll
  static void startBackend() {
    shared = new Backend(false, null);
  }

  @AfterAll
  static void stopBackend() {
    shared.stop();
  }

  @AfterEach
  void stop() {
    exporters.forEach(Exporter::shutdown);
    backends.forEach(Backend::stop);
  }

  private Backend backend() {
    shared.reset();
    return shared;
  }

  private Exporter exporter(String yaml) throws Exception {
    OtlpExporterFactory f = new OtlpExporterFactory();
    ExporterTesting.Parsed<OtlpExporterConfig> p = ExporterTesting.parse(f, "otlp", yaml);
    assertThat(p.errors()).isEmpty();
    Exporter e = f.create(ExporterTesting.settings("otlp", telemetry), p.config());
    e.start(NO_EXTENSIONS);
    exporters.add(e);
    return e;
  }

  private static String plaintext(Backend b, String... more) {
    return String.join("\n", "endpoint: 127.0.0.1:" + b.port(), "tls:", "  insecure: true",
        "retry_on_failure:", "  initial_interval: 10ms", "  max_interval: 50ms", String.join("\n", more));
  }

  private static StatusRuntimeException unavailableWithRetryInfo(Duration delay) {
    return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
        .setCode(Code.UNAVAILABLE_VALUE).setMessage("backend overloaded")
        .addDetails(Any.pack(RetryInfo.newBuilder().setRetryDelay(com.google.protobuf.Duration.newBuilder()
            .setSeconds(delay.getSeconds()).setNanos(delay.getNano())).build()))
        .build());
  }

  @Test
  void everySignal_isDeliveredGzippedWithConfiguredHeaders() throws Exception {
    Backend b = backend();
    Exporter e = exporter(plaintext(b, "headers:", "  x-tenant: acme"));
    TraceBatch t = traces("GET /", 3);
    MetricBatch m = metrics("requests", 2);
    LogBatch l = logs("hello", 4);

    assertThat(e.consume(t).isSuccess()).isTrue();
    assertThat(e.consume(m).isSuccess()).isTrue();
    assertThat(e.consume(l).isSuccess()).isTrue();

    await().atMost(WAIT).until(() -> b.received.size() == 3);
    assertThat(b.received).extracting(Backend.Received::request)
        .containsExactlyInAnyOrder(t.request(), m.request(), l.request());
    assertThat(b.received).allSatisfy(r -> {
      assertThat(r.headers().get("grpc-encoding")).isEqualTo("gzip");
      assertThat(r.headers().get("x-tenant")).isEqualTo("acme");
    });
    await().atMost(WAIT).until(() -> telemetry.value("traceyard_exporter_sent_log_records", "otlp") == 4);
    assertThat(telemetry.value("traceyard_exporter_sent_spans", "otlp")).isEqualTo(3);
    assertThat(telemetry.value("traceyard_exporter_sent_metric_points", "otlp")).isEqualTo(2);
  }

  @Test
  void compressionNone_sendsUncompressed() throws Exception {
    Backend b = backend();
    Exporter e = exporter(plaintext(b, "compression: none"));
    e.consume(traces("plain", 1));

    await().atMost(WAIT).until(() -> b.received.size() == 1);
    assertThat(b.received.get(0).headers().get("grpc-encoding")).isNotEqualTo("gzip");
  }

  @Test
  void unavailableWithRetryInfo_isRetriedAfterTheServersDelayThenDelivered() throws Exception {
    Backend b = backend();
    Duration delay = Duration.ofMillis(400);
    b.failures.add(() -> unavailableWithRetryInfo(delay));
    b.failures.add(() -> unavailableWithRetryInfo(delay));
    Exporter e = exporter(plaintext(b));
    TraceBatch t = traces("retried", 2);

    assertThat(e.consume(t).isSuccess()).isTrue();

    await().atMost(WAIT).until(() -> telemetry.value("traceyard_exporter_sent_spans", "otlp") == 2);
    assertThat(b.received).hasSize(3).allSatisfy(r -> assertThat(r.request()).isEqualTo(t.request()));
    for (int i = 1; i < 3; i++) {
      assertThat(Duration.ofNanos(b.received.get(i).nanos() - b.received.get(i - 1).nanos())).isGreaterThanOrEqualTo(delay);
    }
    assertThat(telemetry.value("traceyard_exporter_send_failed_spans", "otlp")).isZero();
  }

  @Test
  void resourceExhaustedWithoutRetryInfo_isPermanent() throws Exception {
    Backend b = backend();
    b.failures.add(() -> Status.RESOURCE_EXHAUSTED.withDescription("quota").asRuntimeException());
    Exporter e = exporter(plaintext(b, "sending_queue:", "  enabled: false"));

    ConsumeResult r = e.consume(traces("quota", 2));

    assertThat(r.isPermanent()).isTrue();
    assertThat(r.message()).contains("RESOURCE_EXHAUSTED", "quota");
    assertThat(b.received).hasSize(1);
    assertThat(telemetry.value("traceyard_exporter_send_failed_spans", "otlp")).isEqualTo(2);
  }

  @Test
  void resourceExhaustedWithRetryInfo_isThrottledAndRetried() throws Exception {
    Backend b = backend();
    b.failures.add(() -> StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
        .setCode(Code.RESOURCE_EXHAUSTED_VALUE).setMessage("slow down")
        .addDetails(Any.pack(RetryInfo.newBuilder().setRetryDelay(
            com.google.protobuf.Duration.newBuilder().setNanos(50_000_000)).build())).build()));
    Exporter e = exporter(plaintext(b, "sending_queue:", "  enabled: false"));

    assertThat(e.consume(traces("later", 1)).isSuccess()).isTrue();
    assertThat(b.received).hasSize(2);
  }

  @Test
  void invalidArgument_isNotRetried() throws Exception {
    Backend b = backend();
    b.failures.add(() -> Status.INVALID_ARGUMENT.withDescription("bad span").asRuntimeException());
    Exporter e = exporter(plaintext(b));
    TraceBatch bad = traces("bad", 3);
    TraceBatch good = traces("good", 1);

    e.consume(bad);
    await().atMost(WAIT).until(() -> telemetry.value("traceyard_exporter_send_failed_spans", "otlp") == 3);
    e.consume(good);
    await().atMost(WAIT).until(() -> telemetry.value("traceyard_exporter_sent_spans", "otlp") == 1);

    assertThat(b.received).extracting(Backend.Received::request).containsExactly(bad.request(), good.request());
  }

  @Test
  void partialSuccess_countsRejectedSpansAsFailed() throws Exception {
    Backend b = backend();
    b.rejectSpans = 2;
    Exporter e = exporter(plaintext(b));

    e.consume(traces("partial", 5));

    await().atMost(WAIT).until(() -> telemetry.value("traceyard_exporter_send_failed_spans", "otlp") == 2);
    assertThat(telemetry.value("traceyard_exporter_sent_spans", "otlp")).isEqualTo(3);
    assertThat(b.received).hasSize(1);
  }

  @Test
  void unreachableEndpoint_isRetryableForTheCaller() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    Exporter e = exporter(String.join("\n", "endpoint: 127.0.0.1:" + port, "tls:", "  insecure: true",
        "sending_queue:", "  enabled: false", "retry_on_failure:", "  enabled: false", "timeout: 2s"));

    ConsumeResult r = e.consume(traces("nowhere", 1));

    assertThat(r.isRetryable()).isTrue();
    assertThat(telemetry.value("traceyard_exporter_send_failed_spans", "otlp")).isEqualTo(1);
  }

  @Test
  void tls_withCaFileAndServerNameOverride_verifiesTheServer() throws Exception {
    TlsKeyPair keyPair = TlsKeyPair.ofSelfSigned("collector.internal");
    Backend b = new Backend(true, keyPair);
    backends.add(b);
    Path ca = dir.resolve("ca.pem");
    X509Certificate cert = keyPair.certificateChain().get(0);
    Files.writeString(ca, "-----BEGIN CERTIFICATE-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(cert.getEncoded())
        + "\n-----END CERTIFICATE-----\n");
    Exporter e = exporter(String.join("\n", "endpoint: 127.0.0.1:" + b.port(), "tls:", "  ca_file: " + ca,
        "  server_name_override: collector.internal", "sending_queue:", "  enabled: false"));

    assertThat(e.consume(traces("secure", 1)).isSuccess()).isTrue();
    assertThat(b.received).hasSize(1);
  }

  @Test
  void tls_withTheWrongServerName_isRefused() throws Exception {
    TlsKeyPair keyPair = TlsKeyPair.ofSelfSigned("collector.internal");
    Backend b = new Backend(true, keyPair);
    backends.add(b);
    Path ca = dir.resolve("ca.pem");
    Files.writeString(ca, "-----BEGIN CERTIFICATE-----\n"
        + Base64.getMimeEncoder().encodeToString(keyPair.certificateChain().get(0).getEncoded())
        + "\n-----END CERTIFICATE-----\n");
    Exporter e = exporter(String.join("\n", "endpoint: 127.0.0.1:" + b.port(), "tls:", "  ca_file: " + ca,
        "  server_name_override: someone.else", "sending_queue:", "  enabled: false",
        "retry_on_failure:", "  enabled: false"));

    assertThat(e.consume(traces("mitm", 1)).isSuccess()).isFalse();
    assertThat(b.received).isEmpty();
  }
}
