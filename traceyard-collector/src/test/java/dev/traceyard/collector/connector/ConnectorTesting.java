package dev.traceyard.collector.connector;

import com.google.protobuf.ByteString;
import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.ComponentKind;
import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.consumer.Consumer;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.MetricBatch;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/** Spans in, metrics out: builders and captures shared by the connector tests. */
public final class ConnectorTesting {
  /** 2026-01-01T00:00:00Z, in nanoseconds: span timestamps are relative to it. */
  public static final long T0 = Instant.parse("2026-01-01T00:00:00Z").getEpochSecond() * 1_000_000_000L;

  private static final AtomicLong IDS = new AtomicLong(1);

  private ConnectorTesting() {}

  public static ComponentSettings settings(String id, SelfTelemetry telemetry) {
    return new ComponentSettings(ComponentId.parse(id), ComponentKind.CONNECTOR, telemetry);
  }

  /** A clock tests move by hand. */
  public static final class MutableClock extends Clock {
    private volatile Instant now = Instant.parse("2026-01-01T00:00:10Z");

    public void advance(Duration d) {
      now = now.plus(d);
    }

    public long nanos() {
      return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  /** A consumer that keeps what it is given and answers with a settable result. */
  public static final class Capture implements Consumer {
    public final List<MetricBatch> batches = new CopyOnWriteArrayList<>();
    public volatile ConsumeResult answer = ConsumeResult.success();

    @Override
    public ConsumeResult consume(Batch batch) {
      batches.add((MetricBatch) batch);
      return answer;
    }

    public MetricBatch last() {
      return batches.get(batches.size() - 1);
    }
  }

  public static ByteString traceId(long n) {
    return ByteString.copyFrom(ByteBuffer.allocate(16).putLong(0x7ace).putLong(n).array());
  }

  public static ByteString spanId(long n) {
    return ByteString.copyFrom(ByteBuffer.allocate(8).putLong(n).array());
  }

  public static long nextId() {
    return IDS.getAndIncrement();
  }

  public static KeyValue attr(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }

  public static KeyValue attr(String key, long value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setIntValue(value)).build();
  }

  /** A span of {@code durationMillis} (fractions allowed) starting at {@link #T0}. */
  public static Span.Builder span(String name, Span.SpanKind kind, double durationMillis) {
    long id = nextId();
    return Span.newBuilder().setTraceId(traceId(id)).setSpanId(spanId(id)).setName(name).setKind(kind)
        .setStartTimeUnixNano(T0).setEndTimeUnixNano(T0 + Math.round(durationMillis * 1_000_000));
  }

  public static Span.Builder error(Span.Builder s) {
    return s.setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR));
  }

  /** A batch of one resource whose attributes are {@code service.name} plus {@code extra}. */
  public static Batch batch(String service, List<Span> spans, KeyValue... extra) {
    Resource.Builder r = Resource.newBuilder();
    if (service != null) {
      r.addAttributes(attr("service.name", service));
    }
    for (KeyValue kv : extra) {
      r.addAttributes(kv);
    }
    return Batch.of(ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder().setResource(r)
        .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(spans))).build());
  }

  public static Batch batch(String service, Span... spans) {
    return batch(service, List.of(spans));
  }

  /** Every metric of a batch named {@code name}, across resources. */
  public static List<Metric> metrics(MetricBatch batch, String name) {
    List<Metric> out = new ArrayList<>();
    for (ResourceMetrics rm : batch.request().getResourceMetricsList()) {
      for (ScopeMetrics sm : rm.getScopeMetricsList()) {
        for (Metric m : sm.getMetricsList()) {
          if (m.getName().equals(name)) {
            out.add(m);
          }
        }
      }
    }
    return out;
  }

  /** Data point attributes as a map of string forms, for assertions. */
  public static Map<String, String> attributes(List<KeyValue> kvs) {
    Map<String, String> out = new LinkedHashMap<>();
    for (KeyValue kv : kvs) {
      AnyValue v = kv.getValue();
      out.put(kv.getKey(), v.hasStringValue() ? v.getStringValue() : v.hasBoolValue() ? String.valueOf(v.getBoolValue())
          : v.hasIntValue() ? String.valueOf(v.getIntValue()) : v.toString());
    }
    return out;
  }
}
