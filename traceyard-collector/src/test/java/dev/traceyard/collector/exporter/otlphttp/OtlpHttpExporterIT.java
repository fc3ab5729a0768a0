package dev.traceyard.collector.exporter.otlphttp;

import static dev.traceyard.collector.exporter.ExporterTesting.NO_EXTENSIONS;
import static dev.traceyard.collector.exporter.ExporterTesting.logs;
import static dev.traceyard.collector.exporter.ExporterTesting.metrics;
import static dev.traceyard.collector.exporter.ExporterTesting.traces;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.Server;
import dev.traceyard.collector.component.Exporter;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.data.LogBatch;
import dev.traceyard.collector.data.MetricBatch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.exporter.ExporterTesting;
import dev.traceyard.collector.otlp.OtlpJson;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class OtlpHttpExporterIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final MediaType PROTOBUF = MediaType.parse("application/x-protobuf");

  /** A real OTLP/HTTP backend on a free port that records requests and answers as scripted. */
  static final class Backend {
    record Received(String path, AggregatedHttpRequest request, byte[] body, long nanos) {}

    final List<Received> received = new CopyOnWriteArrayList<>();
    final ConcurrentLinkedQueue<Supplier<HttpResponse>> answers = new ConcurrentLinkedQueue<>();
    final Server server;

    Backend() {
      server = Server.builder()
          .http(0)
          .gracefulShutdownTimeout(Duration.ZERO, Duration.ZERO)
          .service("prefix:/", (ctx, req) -> HttpResponse.of(req.aggregate().thenApply(agg -> {
            received.add(new Received(ctx.path(), agg, body(agg), System.nanoTime()));
            Supplier<HttpResponse> scripted = answers.poll();
            return scripted != null ? scripted.get() : HttpResponse.of(HttpStatus.OK, PROTOBUF, new byte[0]);
          })))
          .build();
      server.start().join();
    }

    private static byte[] body(AggregatedHttpRequest agg) {
      byte[] raw = agg.content().array();
      if (!"gzip".equals(agg.headers().get("content-encoding"))) {
        return raw;
      }
      try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(raw))) {
        return in.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    String url() {
      return "http://127.0.0.1:" + server.activeLocalPort();
    }

    void reset() {
      received.clear();
      answers.clear();
    }
  }

  private static Backend backend;

  private final SelfTelemetry telemetry = SelfTelemetry.forTesting();
  private final List<Exporter> exporters = new ArrayList<>();

  @BeforeAll
  static void startBackend() {
    backend = new Backend();
  }

  @AfterAll
  static void stopBackend() {
    backend.server.stop().join();
  }

  @AfterEach
  void stop() {
    exporters.forEach(Exporter::shutdown);
    backend.reset();
  }

  private Exporter exporter(String... lines) throws Exception {
    String yaml = String.join("\n", "retry_on_failure:", "  initial_interval: 10ms", "  max_interval: 50ms",
        String.join("\n", lines));
    OtlpHttpExporterFactory f = new OtlpHttpExporterFactory();
    ExporterTesting.Parsed<OtlpHttpExporterConfig> p = ExporterTesting.parse(f, "otlphttp", yaml);
    assertThat(p.errors()).isEmpty();
    Exporter e = f.create(ExporterTesting.settings("otlphttp", telemetry), p.config());
    e.start(NO_EXTENSIONS);
    exporters.add(e);
    return e;
  }

  private double sentSpans() {
    return telemetry.value("traceyard_exporter_sent_spans", "otlphttp");
  }

  private double failedSpans() {
    return telemetry.value("traceyard_exporter_send_failed_spans", "otlphttp");
  }

  private Backend.Received only(String path) {
    return backend.received.stream().filter(r -> r.path().equals(path)).findFirst().orElseThrow();
  }

  @Test
  void protoEncoding_postsEachSignalToItsPathGzippedWithHeaders() throws Exception {
    Exporter e = exporter("endpoint: " + backend.url(), "headers:", "  x-tenant: acme");
    TraceBatch t = traces("GET /", 2);
    MetricBatch m = metrics("requests", 3);
    LogBatch l = logs("hello", 1);

    e.consume(t);
    e.consume(m);
    e.consume(l);

    await().atMost(WAIT).until(() -> backend.received.size() == 3);
    assertThat(ExportTraceServiceRequest.parseFrom(only("/v1/traces").body())).isEqualTo(t.request());
    assertThat(ExportMetricsServiceRequest.parseFrom(only("/v1/metrics").body())).isEqualTo(m.request());
    assertThat(ExportLogsServiceRequest.parseFrom(only("/v1/logs").body())).isEqualTo(l.request());
    assertThat(backend.received).allSatisfy(r -> {
      assertThat(r.request().headers().contentType().toString()).isEqualTo("application/x-protobuf");
      assertThat(r.request().headers().get("content-encoding")).isEqualTo("gzip");
      assertThat(r.request().headers().get("x-tenant")).isEqualTo("acme");
    });
    await().atMost(WAIT).until(() -> sentSpans() == 2);
  }

  @Test
  void jsonEncoding_postsOtlpJsonDecodableWithOtlpJson() throws Exception {
    Exporter e = exporter("endpoint: " + backend.url(), "encoding: json", "compression: none");
    TraceBatch t = traces("json", 2);

    e.consume(t);

    await().atMost(WAIT).until(() -> backend.received.size() == 1);
    Backend.Received r = backend.received.get(0);
    assertThat(r.request().headers().contentType().isJson()).isTrue();
    assertThat(r.request().headers().get("content-encoding")).isNull();
    assertThat(OtlpJson.decodeTraces(r.body())).isEqualTo(t.request());
  }

  @Test
  void serviceUnavailableWithRetryAfter_isRetriedNoSoonerThenDelivered() throws Exception {
    backend.answers.add(() -> HttpResponse.of(ResponseHeaders.builder(HttpStatus.SERVICE_UNAVAILABLE)
        .add("retry-after", "1").build()));
    Exporter e = exporter("endpoint: " + backend.url());
    TraceBatch t = traces("retried", 3);

    assertThat(e.consume(t).isSuccess()).isTrue();

    await().atMost(WAIT).until(() -> sentSpans() == 3);
    assertThat(backend.received).hasSize(2);
    assertThat(Duration.ofNanos(backend.received.get(1).nanos() - backend.received.get(0).nanos()))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    assertThat(failedSpans()).isZero();
  }

  @Test
  void tooManyRequests_isThrottledAndRetried() throws Exception {
    backend.answers.add(() -> HttpResponse.of(HttpStatus.TOO_MANY_REQUESTS));
    backend.answers.add(() -> HttpResponse.of(HttpStatus.BAD_GATEWAY));
    Exporter e = exporter("endpoint: " + backend.url(), "sending_queue:", "  enabled: false");

    assertThat(e.consume(traces("busy", 1)).isSuccess()).isTrue();
    assertThat(backend.received).hasSize(3);
  }

  @Test
  void badRequest_isPermanentAndNotRetried() throws Exception {
    backend.answers.add(() -> HttpResponse.of(HttpStatus.BAD_REQUEST, MediaType.JSON,
        "{\"code\":3,\"message\":\"span name too long\"}"));
    Exporter e = exporter("endpoint: " + backend.url(), "sending_queue:", "  enabled: false");

    ConsumeResult r = e.consume(traces("bad", 4));

    assertThat(r.isPermanent()).isTrue();
    assertThat(r.message()).contains("HTTP 400", "span name too long");
    assertThat(backend.received).hasSize(1);
    assertThat(failedSpans()).isEqualTo(4);
  }

  @Test
  void queuedBadRequest_isCountedOnceAndTheNextBatchStillGoes() throws Exception {
    backend.answers.add(() -> HttpResponse.of(HttpStatus.BAD_REQUEST));
    Exporter e = exporter("endpoint: " + backend.url(), "sending_queue:", "  num_consumers: 1");

    e.consume(traces("bad", 2));
    e.consume(traces("good", 1));

    await().atMost(WAIT).until(() -> sentSpans() == 1);
    assertThat(failedSpans()).isEqualTo(2);
    assertThat(backend.received).hasSize(2);
  }

  @Test
  void partialSuccessInProtoResponse_countsRejectedSpans() throws Exception {
    backend.answers.add(() -> HttpResponse.of(HttpStatus.OK, PROTOBUF, ExportTraceServiceResponse.newBuilder()
        .setPartialSuccess(ExportTracePartialSuccess.newBuilder().setRejectedSpans(1).setErrorMessage("too old"))
        .build().toByteArray()));
    Exporter e = exporter("endpoint: " + backend.url(), "sending_queue:", "  enabled: false");

    ConsumeResult r = e.consume(traces("partial", 3));

    assertThat(r.isSuccess()).isTrue();
    assertThat(r.rejectedItems()).isEqualTo(1);
    assertThat(sentSpans()).isEqualTo(2);
    assertThat(failedSpans()).isEqualTo(1);
  }

  @Test
  void partialSuccessInJsonResponse_countsRejectedSpans() throws Exception {
    backend.answers.add(() -> HttpResponse.of(HttpStatus.OK, MediaType.JSON,
        "{\"partialSuccess\":{\"rejectedSpans\":\"2\",\"errorMessage\":\"dropped\"}}"));
    Exporter e = exporter("endpoint: " + backend.url(), "encoding: json", "sending_queue:", "  enabled: false");

    ConsumeResult r = e.consume(traces("partial", 3));

    assertThat(r.rejectedItems()).isEqualTo(2);
    assertThat(failedSpans()).isEqualTo(2);
  }

  @Test
  void signalEndpoint_overridesThePath() throws Exception {
    Exporter e = exporter("traces_endpoint: " + backend.url() + "/custom/spans?tenant=a",
        "sending_queue:", "  enabled: false");

    assertThat(e.consume(traces("custom", 1)).isSuccess()).isTrue();
    assertThat(backend.received.get(0).path()).isEqualTo("/custom/spans");
    assertThat(backend.received.get(0).request().path()).isEqualTo("/custom/spans?tenant=a");

    ConsumeResult noLogsUrl = e.consume(logs("nowhere", 1));
    assertThat(noLogsUrl.isPermanent()).isTrue();
    assertThat(noLogsUrl.message()).contains("logs_endpoint");
  }
}
