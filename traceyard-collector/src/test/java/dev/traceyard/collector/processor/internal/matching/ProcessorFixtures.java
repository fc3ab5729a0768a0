package dev.traceyard.collector.processor.internal.matching;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.google.protobuf.ByteString;
import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.ComponentKind;
import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Processor;
import dev.traceyard.collector.component.ProcessorFactory;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.ConfigErrors;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.consumer.Consumer;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.LogBatch;
import dev.traceyard.collector.data.MetricBatch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Builders and harness shared by the processor tests. */
public final class ProcessorFixtures {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private ProcessorFixtures() {}

  /** A parsed config and the errors its parse recorded (unknown keys included). */
  public record Parsed<C>(C config, List<String> errors) {}

  public static <C> Parsed<C> parse(ProcessorFactory<C> factory, String id, String yaml) {
    ConfigErrors errors = new ConfigErrors();
    try {
      ConfigNode node = ConfigNode.of(YAML.readTree(yaml.isBlank() ? "{}" : yaml), "processors." + id, errors);
      C config = factory.parseConfig(node);
      node.reportUnknownKeys();
      return new Parsed<>(config, errors.list());
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** Parses a config that must be valid. */
  public static <C> C valid(ProcessorFactory<C> factory, String yaml) {
    Parsed<C> p = parse(factory, factory.type(), yaml);
    if (!p.errors().isEmpty()) {
      throw new AssertionError("unexpected config errors: " + p.errors());
    }
    return p.config();
  }

  /** A consumer that records what it is given and answers success. */
  public static final class Capture implements Consumer {
    public final List<Batch> batches = new CopyOnWriteArrayList<>();

    @Override
    public ConsumeResult consume(Batch batch) {
      batches.add(batch);
      return ConsumeResult.success();
    }

    public Batch last() {
      return batches.get(batches.size() - 1);
    }

    public List<Span> spans() {
      List<Span> out = new ArrayList<>();
      for (Batch b : batches) {
        for (ResourceSpans rs : ((TraceBatch) b).request().getResourceSpansList()) {
          for (ScopeSpans ss : rs.getScopeSpansList()) {
            out.addAll(ss.getSpansList());
          }
        }
      }
      return out;
    }

    public List<LogRecord> logs() {
      List<LogRecord> out = new ArrayList<>();
      for (Batch b : batches) {
        for (ResourceLogs rl : ((LogBatch) b).request().getResourceLogsList()) {
          for (ScopeLogs sl : rl.getScopeLogsList()) {
            out.addAll(sl.getLogRecordsList());
          }
        }
      }
      return out;
    }
  }

  public static ComponentSettings settings(String id, SelfTelemetry telemetry) {
    return new ComponentSettings(ComponentId.parse(id), ComponentKind.PROCESSOR, telemetry);
  }

  public static <C> Processor create(ProcessorFactory<C> factory, C config, Signal signal, Consumer next,
      SelfTelemetry telemetry) {
    return factory.create(settings(factory.type(), telemetry), config, signal, next);
  }

  // ---- data ----

  public static KeyValue kv(String key, Object value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValues.fromJava(value)).build();
  }

  public static AnyValue strings(String... values) {
    ArrayValue.Builder a = ArrayValue.newBuilder();
    for (String v : values) {
      a.addValues(AnyValues.of(v));
    }
    return AnyValue.newBuilder().setArrayValue(a).build();
  }

  public static Resource resource(KeyValue... attrs) {
    return Resource.newBuilder().addAllAttributes(List.of(attrs)).build();
  }

  public static Resource service(String name) {
    return resource(kv("service.name", name));
  }

  public static ByteString traceId(long hi, long lo) {
    byte[] b = new byte[16];
    for (int i = 0; i < 8; i++) {
      b[i] = (byte) (hi >>> (56 - 8 * i));
      b[8 + i] = (byte) (lo >>> (56 - 8 * i));
    }
    return ByteString.copyFrom(b);
  }

  public static Span.Builder span(String name, KeyValue... attrs) {
    return Span.newBuilder().setName(name).setTraceId(traceId(1, name.hashCode()))
        .setSpanId(ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}))
        .setStartTimeUnixNano(1_000_000_000L).setEndTimeUnixNano(1_050_000_000L)
        .addAllAttributes(List.of(attrs));
  }

  public static TraceBatch traces(Resource resource, Span... spans) {
    return traces(resource, InstrumentationScope.newBuilder().setName("test.lib").setVersion("1.0").build(), spans);
  }

  public static TraceBatch traces(Resource resource, InstrumentationScope scope, Span... spans) {
    return Batch.of(ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .setResource(resource).addScopeSpans(ScopeSpans.newBuilder().setScope(scope).addAllSpans(List.of(spans))))
        .build());
  }

  /** Several resources, each with one scope holding its spans. */
  public static TraceBatch traces(List<ResourceSpans> resources) {
    return Batch.of(ExportTraceServiceRequest.newBuilder().addAllResourceSpans(resources).build());
  }

  public static ResourceSpans resourceSpans(Resource resource, Span... spans) {
    return ResourceSpans.newBuilder().setResource(resource)
        .addScopeSpans(ScopeSpans.newBuilder().setScope(InstrumentationScope.newBuilder().setName("test.lib"))
            .addAllSpans(List.of(spans))).build();
  }

  public static LogRecord.Builder log(Object body, KeyValue... attrs) {
    return LogRecord.newBuilder().setBody(AnyValues.fromJava(body)).addAllAttributes(List.of(attrs));
  }

  public static LogBatch logs(Resource resource, LogRecord... records) {
    return Batch.of(ExportLogsServiceRequest.newBuilder().addResourceLogs(ResourceLogs.newBuilder()
        .setResource(resource).addScopeLogs(ScopeLogs.newBuilder()
            .setScope(InstrumentationScope.newBuilder().setName("test.lib")).addAllLogRecords(List.of(records))))
        .build());
  }

  public static MetricBatch metrics(Resource resource, Metric... metrics) {
    return Batch.of(ExportMetricsServiceRequest.newBuilder().addResourceMetrics(ResourceMetrics.newBuilder()
        .setResource(resource).addScopeMetrics(ScopeMetrics.newBuilder()
            .setScope(InstrumentationScope.newBuilder().setName("test.lib")).addAllMetrics(List.of(metrics))))
        .build());
  }

  /** A gauge with one int point per attribute set. */
  @SafeVarargs
  public static Metric gauge(String name, List<KeyValue>... pointAttributes) {
    io.opentelemetry.proto.metrics.v1.Gauge.Builder g = io.opentelemetry.proto.metrics.v1.Gauge.newBuilder();
    long v = 1;
    for (List<KeyValue> attrs : pointAttributes) {
      g.addDataPoints(io.opentelemetry.proto.metrics.v1.NumberDataPoint.newBuilder().setAsInt(v++)
          .setTimeUnixNano(2_000_000_000L).addAllAttributes(attrs));
    }
    return Metric.newBuilder().setName(name).setGauge(g).build();
  }

  public static List<Span> spansOf(Batch b) {
    List<Span> out = new ArrayList<>();
    for (ResourceSpans rs : ((TraceBatch) b).request().getResourceSpansList()) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        out.addAll(ss.getSpansList());
      }
    }
    return out;
  }

  public static AnyValue attr(List<KeyValue> attrs, String key) {
    return AnyValues.attribute(attrs, key);
  }
}
