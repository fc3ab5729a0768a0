package dev.traceyard.collector.exporter;

import com.google.protobuf.ByteString;
import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.ComponentKind;
import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Factory;
import dev.traceyard.collector.component.Host;
import dev.traceyard.collector.config.ConfigErrors;
import dev.traceyard.collector.config.ConfigException;
import dev.traceyard.collector.config.ConfigLoader;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.LogBatch;
import dev.traceyard.collector.data.MetricBatch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/** Config parsing and sample data shared by the exporter tests. */
public final class ExporterTesting {
  private static final AtomicLong IDS = new AtomicLong(1);
  public static final Host NO_EXTENSIONS = id -> Optional.empty();

  private ExporterTesting() {}

  /** A parsed config and every error the parse recorded, unknown keys included. */
  public record Parsed<C>(C config, List<String> errors) {}

  /** Parses {@code yaml} as the body of {@code exporters.<path>} with the factory, as the service does. */
  public static <C> Parsed<C> parse(Factory<C> factory, String path, String yaml) {
    ConfigErrors errors = new ConfigErrors();
    try {
      ConfigNode node = ConfigNode.of(new ConfigLoader(Map.<String, String>of()::get).loadString("test.yaml", yaml),
          "exporters." + path, errors);
      C config = factory.parseConfig(node);
      node.reportUnknownKeys();
      return new Parsed<>(config, errors.list());
    } catch (ConfigException e) {
      throw new IllegalArgumentException(e);
    }
  }

  public static ComponentSettings settings(String id) {
    return settings(id, SelfTelemetry.forTesting());
  }

  public static ComponentSettings settings(String id, SelfTelemetry telemetry) {
    return new ComponentSettings(ComponentId.parse(id), ComponentKind.EXPORTER, telemetry);
  }

  private static Resource resource(String service) {
    return Resource.newBuilder().addAttributes(KeyValue.newBuilder().setKey("service.name")
        .setValue(AnyValue.newBuilder().setStringValue(service))).build();
  }

  private static ByteString id(int bytes) {
    byte[] b = new byte[bytes];
    long v = IDS.getAndIncrement();
    for (int i = 0; i < 8 && i < bytes; i++) {
      b[bytes - 1 - i] = (byte) (v >>> (8 * i));
    }
    b[0] = 0x5a;
    return ByteString.copyFrom(b);
  }

  /** Traces of one service with {@code spans} spans named {@code name-<i>}. */
  public static TraceBatch traces(String name, int spans) {
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    ByteString traceId = id(16);
    for (int i = 0; i < spans; i++) {
      scope.addSpans(Span.newBuilder().setTraceId(traceId).setSpanId(id(8)).setName(name + "-" + i)
          .setKind(Span.SpanKind.SPAN_KIND_SERVER).setStartTimeUnixNano(1_700_000_000_000_000_000L)
          .setEndTimeUnixNano(1_700_000_000_012_500_000L)
          .addAttributes(KeyValue.newBuilder().setKey("http.route").setValue(AnyValue.newBuilder().setStringValue("/a"))));
    }
    return Batch.of(ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(ResourceSpans.newBuilder().setResource(resource("checkout")).addScopeSpans(scope)).build());
  }

  public static MetricBatch metrics(String name, int points) {
    Gauge.Builder gauge = Gauge.newBuilder();
    for (int i = 0; i < points; i++) {
      gauge.addDataPoints(NumberDataPoint.newBuilder().setAsInt(i).setTimeUnixNano(1_700_000_000_000_000_000L + i));
    }
    return Batch.of(ExportMetricsServiceRequest.newBuilder().addResourceMetrics(ResourceMetrics.newBuilder()
        .setResource(resource("checkout"))
        .addScopeMetrics(ScopeMetrics.newBuilder().addMetrics(Metric.newBuilder().setName(name).setUnit("1").setGauge(gauge))))
        .build());
  }

  public static LogBatch logs(String body, int records) {
    ScopeLogs.Builder scope = ScopeLogs.newBuilder();
    for (int i = 0; i < records; i++) {
      scope.addLogRecords(LogRecord.newBuilder().setTimeUnixNano(1_700_000_000_000_000_000L + i).setSeverityText("INFO")
          .setBody(AnyValue.newBuilder().setStringValue(body + " " + i)).setTraceId(id(16)).setSpanId(id(8)));
    }
    return Batch.of(ExportLogsServiceRequest.newBuilder()
        .addResourceLogs(ResourceLogs.newBuilder().setResource(resource("checkout")).addScopeLogs(scope)).build());
  }
}
