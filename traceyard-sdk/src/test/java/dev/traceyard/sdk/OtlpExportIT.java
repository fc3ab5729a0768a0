package dev.traceyard.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.Server;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Spans and logs leave over real OTLP/HTTP to a loopback receiver, configured only through OTEL_* keys. */
class OtlpExportIT {

  private final List<ExportTraceServiceRequest> traces = new CopyOnWriteArrayList<>();
  private final List<ExportLogsServiceRequest> logs = new CopyOnWriteArrayList<>();
  private Server receiver;
  private TraceyardSdk sdk;

  @BeforeEach
  void startReceiver() {
    receiver =
        Server.builder()
            .http(0)
            .service(
                "/v1/traces",
                otlpEndpoint(
                    ExportTraceServiceRequest.parser(),
                    traces,
                    ExportTraceServiceResponse.getDefaultInstance()))
            .service(
                "/v1/logs",
                otlpEndpoint(
                    ExportLogsServiceRequest.parser(), logs, ExportLogsServiceResponse.getDefaultInstance()))
            .build();
    receiver.start().join();
  }

  /**
   * An OTLP/HTTP protobuf endpoint: keeps every request it can parse in {@code into} and answers
   * {@code response}; 400 for a body it cannot parse.
   */
  private static <T> HttpService otlpEndpoint(Parser<T> parser, List<T> into, MessageLite response) {
    return (ctx, req) ->
        HttpResponse.of(
            req.aggregate()
                .thenApply(
                    body -> {
                      try {
                        into.add(parser.parseFrom(body.content().array()));
                      } catch (Exception e) {
                        return HttpResponse.of(HttpStatus.BAD_REQUEST);
                      }
                      return HttpResponse.of(HttpStatus.OK, MediaType.PROTOBUF, response.toByteArray());
                    }));
  }

  @AfterEach
  void stop() {
    if (sdk != null) {
      sdk.shutdown();
    }
    Traceyard.resetForTest();
    receiver.stop().join();
  }

  private static Map<String, String> attributes(Resource resource) {
    return resource.getAttributesList().stream()
        .collect(Collectors.toMap(KeyValue::getKey, kv -> kv.getValue().getStringValue(), (a, b) -> a));
  }

  @Test
  void spansAndTheirLogLinesReachAnOtlpEndpointWithOneResource() {
    sdk =
        Traceyard.builder()
            .serviceName("frontend")
            .environment("test")
            .property("otel.exporter.otlp.protocol", "http/protobuf")
            .property("otel.exporter.otlp.endpoint", "http://127.0.0.1:" + receiver.activeLocalPort())
            .property("otel.metrics.exporter", "none")
            .property("otel.bsp.schedule.delay", "100ms")
            .property("otel.blrp.schedule.delay", "100ms")
            .registerShutdownHook(false)
            .install();
    Span span = sdk.getTracer("test").spanBuilder("GET /").startSpan();
    try (Scope ignored = span.makeCurrent()) {
      LoggerFactory.getLogger("frontend").info("rendering home page");
    } finally {
      span.end();
    }
    String traceId = span.getSpanContext().getTraceId();

    await().atMost(Duration.ofSeconds(30)).until(() -> !traces.isEmpty() && !logs.isEmpty());
    var resourceSpans = traces.get(0).getResourceSpans(0);
    assertThat(attributes(resourceSpans.getResource()))
        .containsEntry("service.name", "frontend")
        .containsEntry("deployment.environment.name", "test")
        .containsKeys("service.instance.id", "host.name", "service.version", "service.namespace");
    var exportedSpan = resourceSpans.getScopeSpans(0).getSpans(0);
    assertThat(HexFormat.of().formatHex(exportedSpan.getTraceId().toByteArray())).isEqualTo(traceId);

    var logRecord =
        logs.stream()
            .flatMap(r -> r.getResourceLogsList().stream())
            .flatMap(r -> r.getScopeLogsList().stream())
            .flatMap(s -> s.getLogRecordsList().stream())
            .filter(l -> l.getBody().getStringValue().equals("rendering home page"))
            .findFirst()
            .orElseThrow();
    assertThat(HexFormat.of().formatHex(logRecord.getTraceId().toByteArray())).isEqualTo(traceId);
    assertThat(attributes(logs.get(0).getResourceLogs(0).getResource()))
        .isEqualTo(attributes(resourceSpans.getResource()));
  }
}
