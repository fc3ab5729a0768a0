package dev.traceyard.collector.processor.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.service.Service;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import dev.traceyard.collector.testing.TestComponents.RecordingExporter;
import dev.traceyard.collector.testing.TestServices;
import io.grpc.Status;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.internal.FailedExportException;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.GrpcResponse;
import io.opentelemetry.sdk.common.export.GrpcStatusCode;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code schema} processor with {@code refuse_mode: reject_request} in a traces pipeline built from
 * YAML: the real OTLP receiver (gRPC and HTTP on ephemeral ports), a recording exporter at the end. A
 * request with one violating span is refused whole, as a permanent error naming the rule (gRPC
 * INVALID_ARGUMENT, HTTP 400), nothing of it reaches the exporter, it is counted, and the next valid
 * request passes.
 */
class SchemaProcessorRejectIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final String CONFIG = String.join("\n",
      "receivers:",
      "  otlp:",
      "    protocols:",
      "      grpc: {endpoint: '127.0.0.1:0'}",
      "      http: {endpoint: '127.0.0.1:0'}",
      "processors:",
      "  schema:",
      "    action: refuse",
      "    refuse_mode: reject_request",
      "    denied_attribute_keys: [\"*.password\"]",
      "exporters:",
      "  recording:",
      "service:",
      "  telemetry: {metrics: {level: none}}",
      "  pipelines:",
      "    traces:",
      "      receivers: [otlp]",
      "      processors: [schema]",
      "      exporters: [recording]",
      "");

  private final SelfTelemetry telemetry = SelfTelemetry.forTesting();
  private Service service;

  @BeforeEach
  void start() throws Exception {
    service = TestServices.start("reject.yaml", CONFIG, telemetry);
  }

  @AfterEach
  void stop() {
    if (service != null) {
      service.shutdown(TIMEOUT);
    }
  }

  @Test
  void sdkGrpcExportWithADeniedKeyIsRefusedWholeAsInvalidArgumentNamingTheRule_andTheNextExportPasses() {
    List<SpanData> bad = new ArrayList<>();
    List<SpanData> good = new ArrayList<>();
    try (SdkTracerProvider tracing = SdkTracerProvider.builder().addSpanProcessor(collectInto(bad)).build()) {
      Tracer tracer = tracing.get("it");
      tracer.spanBuilder("login").setAttribute(AttributeKey.stringKey("db.password"), "hunter2").startSpan().end();
      tracer.spanBuilder("lookup").setAttribute(AttributeKey.stringKey("user.id"), "7").startSpan().end();
    }
    try (SdkTracerProvider tracing = SdkTracerProvider.builder().addSpanProcessor(collectInto(good)).build()) {
      tracing.get("it").spanBuilder("checkout").setAttribute(AttributeKey.stringKey("user.id"), "8").startSpan().end();
    }
    // Default retry policy: INVALID_ARGUMENT is not among the codes the SDK retries.
    OtlpGrpcSpanExporter exporter = OtlpGrpcSpanExporter.builder().setEndpoint(grpcEndpoint()).setTimeout(TIMEOUT)
        .build();
    try {
      CompletableResultCode refused = exporter.export(bad).join(30, TimeUnit.SECONDS);
      assertThat(refused.isDone()).isTrue();
      assertThat(refused.isSuccess()).isFalse();
      // The SDK hands the server's gRPC status only through this exception of its internal package.
      assertThat(refused.getFailureThrowable()).isInstanceOf(FailedExportException.GrpcExportException.class);
      GrpcResponse response = ((FailedExportException.GrpcExportException) refused.getFailureThrowable()).getResponse();
      assertThat(response.getStatusCode()).isEqualTo(GrpcStatusCode.INVALID_ARGUMENT);
      assertThat(response.getStatusDescription()).isEqualTo("schema: 1 spans violate denied_attribute_keys");

      assertThat(exporter.export(good).join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    } finally {
      exporter.shutdown().join(30, TimeUnit.SECONDS);
    }

    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(spanNames()).contains("checkout"));
    // The valid export was answered after the refused one: had any of its spans been passed on, they would be here.
    assertThat(spanNames()).containsExactly("checkout");
    assertRefusalCounted("grpc", 2);
  }

  @Test
  void otlpHttpPostWithADeniedKeyGets400NamingTheRule_andNothingOfItArrives_andTheNextPostPasses() throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    ExportTraceServiceRequest bad = request(
        span(1, "login", "db.password", "hunter2"),
        span(2, "lookup", "user.id", "7"));

    HttpResponse<byte[]> refused = post(http, bad);

    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.headers().firstValue("retry-after")).as("permanent: no retry").isEmpty();
    com.google.rpc.Status status = com.google.rpc.Status.parseFrom(refused.body());
    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT.value());
    assertThat(status.getMessage()).isEqualTo("schema: 1 spans violate denied_attribute_keys");

    HttpResponse<byte[]> accepted = post(http, request(span(3, "checkout", "user.id", "8")));

    assertThat(accepted.statusCode()).isEqualTo(200);
    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(spanNames()).contains("checkout"));
    assertThat(spanNames()).containsExactly("checkout");
    assertRefusalCounted("http", 2);
  }

  /** One violation, the whole two-span request refused by the processor and by the receiver, one span accepted. */
  private void assertRefusalCounted(String transport, int refusedSpans) {
    assertThat(telemetry.value("traceyard_processor_schema_violations", "schema", "denied_attribute_keys", "refuse"))
        .isEqualTo(1);
    assertThat(telemetry.value("traceyard_processor_refused_items", "schema", "traces")).isEqualTo(refusedSpans);
    assertThat(telemetry.value("traceyard_processor_dropped_items", "schema", "traces")).isZero();
    assertThat(telemetry.value("traceyard_receiver_refused_spans", "otlp", transport)).isEqualTo(refusedSpans);
    assertThat(telemetry.value("traceyard_receiver_accepted_spans", "otlp", transport)).isEqualTo(1);
  }

  private String grpcEndpoint() {
    return TestServices.otlpGrpcEndpoint(service);
  }

  private HttpResponse<byte[]> post(HttpClient http, ExportTraceServiceRequest request) throws Exception {
    int port = service.receiver(ComponentId.parse("otlp")).boundAddresses().get("http").getPort();
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/traces")).timeout(TIMEOUT)
        .header("Content-Type", "application/x-protobuf")
        .POST(HttpRequest.BodyPublishers.ofByteArray(request.toByteArray())).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private List<String> spanNames() {
    List<String> names = new ArrayList<>();
    for (Batch b : ((RecordingExporter) service.exporter(ComponentId.parse("recording"))).batches) {
      ((TraceBatch) b).request().getResourceSpansList().forEach(rs -> rs.getScopeSpansList()
          .forEach(ss -> ss.getSpansList().forEach(s -> names.add(s.getName()))));
    }
    return names;
  }

  private static ExportTraceServiceRequest request(Span... spans) {
    return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(List.of(spans)))).build();
  }

  private static Span span(int id, String name, String key, String value) {
    return Span.newBuilder()
        .setTraceId(ByteString.copyFrom(ByteBuffer.allocate(16).putLong(8, id).array()))
        .setSpanId(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(id).array()))
        .setName(name).setStartTimeUnixNano(1).setEndTimeUnixNano(2)
        .addAttributes(KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)))
        .build();
  }

  /**
   * A span processor that keeps every ended span (spans end on the test's thread), so the test exports
   * them itself and sees each export's result.
   */
  private static SpanProcessor collectInto(List<SpanData> out) {
    return new SpanProcessor() {
      @Override
      public void onStart(Context parent, ReadWriteSpan span) {
      }

      @Override
      public boolean isStartRequired() {
        return false;
      }

      @Override
      public void onEnd(ReadableSpan span) {
        out.add(span.toSpanData());
      }

      @Override
      public boolean isEndRequired() {
        return true;
      }
    };
  }
}
