package dev.traceyard.server.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.traceyard.collector.otlp.Hex;
import dev.traceyard.collector.otlp.OtlpJson;
import dev.traceyard.server.AllInOneFixture;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A real `traceyard start` all-in-one on loopback ports and a data dir of the test's, and its query API. */
final class AllInOne implements AutoCloseable {

  /** One span as stored, with the service that reported it and its instrumentation scope. */
  record StoredSpan(String service, String scope, ResourceSpans resource, Span span) {
    String spanId() {
      return Hex.encode(span.getSpanId());
    }

    String parentSpanId() {
      return span.getParentSpanId().isEmpty() ? "" : Hex.encode(span.getParentSpanId());
    }

    Span.SpanKind kind() {
      return span.getKind();
    }

    String name() {
      return span.getName();
    }

    @Override
    public String toString() {
      return service + ":" + kind() + ":" + name();
    }
  }

  /** One log record as stored under a trace, with its service. */
  record StoredLog(String service, LogRecord record) {
    String traceId() {
      return Hex.encode(record.getTraceId());
    }

    String body() {
      return record.getBody().getStringValue();
    }
  }

  private final AllInOneFixture fixture;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private AllInOne(AllInOneFixture fixture) {
    this.fixture = fixture;
  }

  static AllInOne start(Path dir) throws Exception {
    return new AllInOne(AllInOneFixture.start(dir));
  }

  /** {@code http://127.0.0.1:<port>} of the OTLP/gRPC receiver. */
  String otlpGrpcEndpoint() {
    return fixture.otlpEndpoint("grpc");
  }

  HttpResponse<String> query(String pathAndQuery) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(fixture.queryBase() + pathAndQuery))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The stored spans of a trace; empty while the trace is not stored yet. */
  List<StoredSpan> trace(String traceId) throws Exception {
    HttpResponse<String> r = query("/api/v1/traces/" + traceId);
    List<StoredSpan> out = new ArrayList<>();
    if (r.statusCode() == 404) {
      return out;
    }
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    for (ResourceSpans rs : OtlpJson.decodeTraces(r.body().getBytes(StandardCharsets.UTF_8)).getResourceSpansList()) {
      String serviceName = attribute(rs.getResource().getAttributesList(), "service.name");
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span s : ss.getSpansList()) {
          out.add(new StoredSpan(serviceName, ss.getScope().getName(), rs, s));
        }
      }
    }
    return out;
  }

  /** The stored log records of a trace. */
  List<StoredLog> logs(String traceId) throws Exception {
    HttpResponse<String> r = query("/api/v1/traces/" + traceId + "/logs");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    ExportLogsServiceRequest req = OtlpJson.decodeLogs(r.body().getBytes(StandardCharsets.UTF_8));
    List<StoredLog> out = new ArrayList<>();
    req.getResourceLogsList().forEach(rl -> {
      String serviceName = attribute(rl.getResource().getAttributesList(), "service.name");
      rl.getScopeLogsList().forEach(sl -> sl.getLogRecordsList().forEach(l -> out.add(new StoredLog(serviceName, l))));
    });
    return out;
  }

  static String attribute(List<KeyValue> attributes, String key) {
    return attributes.stream().filter(kv -> kv.getKey().equals(key)).map(kv -> kv.getValue().getStringValue())
        .findFirst().orElse(null);
  }

  @Override
  public void close() {
    fixture.close();
  }
}
