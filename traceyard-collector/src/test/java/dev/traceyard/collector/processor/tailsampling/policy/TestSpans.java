package dev.traceyard.collector.processor.tailsampling.policy;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.nio.ByteBuffer;
import java.util.List;

/** Spans and traces for the tail sampling tests. */
public final class TestSpans {
  public static final long T0 = 1_700_000_000_000_000_000L;

  private TestSpans() {}

  public static ByteString traceId(long high, long low) {
    return ByteString.copyFrom(ByteBuffer.allocate(16).putLong(high).putLong(low).array());
  }

  public static ByteString spanId(long id) {
    return ByteString.copyFrom(ByteBuffer.allocate(8).putLong(id).array());
  }

  /** A span of {@code traceId} starting {@code startMs} after T0 and lasting {@code durationMs}; root when parent is 0. */
  public static Span.Builder span(ByteString traceId, long id, long parent, long startMs, long durationMs) {
    Span.Builder b = Span.newBuilder().setTraceId(traceId).setSpanId(spanId(id)).setName("op-" + id)
        .setKind(Span.SpanKind.SPAN_KIND_SERVER)
        .setStartTimeUnixNano(T0 + startMs * 1_000_000)
        .setEndTimeUnixNano(T0 + (startMs + durationMs) * 1_000_000)
        .addAttributes(attr("http.route", "/api/items"));
    if (parent != 0) {
      b.setParentSpanId(spanId(parent));
    }
    return b;
  }

  public static Span.Builder span(ByteString traceId, long id) {
    return span(traceId, id, id == 1 ? 0 : 1, 0, 10);
  }

  public static Span.Builder withStatus(Span.Builder b, Status.StatusCode code) {
    return b.setStatus(Status.newBuilder().setCode(code));
  }

  public static KeyValue attr(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }

  public static KeyValue attr(String key, long value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setIntValue(value)).build();
  }

  public static KeyValue attr(String key, double value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setDoubleValue(value)).build();
  }

  public static KeyValue attr(String key, boolean value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setBoolValue(value)).build();
  }

  public static Resource resource(String service, KeyValue... extra) {
    return Resource.newBuilder().addAttributes(attr("service.name", service)).addAllAttributes(List.of(extra)).build();
  }

  public static ResourceSpans resourceSpans(Resource resource, Span.Builder... spans) {
    ScopeSpans.Builder ss = ScopeSpans.newBuilder().setScope(InstrumentationScope.newBuilder().setName("test-lib"));
    for (Span.Builder s : spans) {
      ss.addSpans(s);
    }
    return ResourceSpans.newBuilder().setResource(resource).addScopeSpans(ss).build();
  }

  public static ResourceSpans resourceSpans(Span.Builder... spans) {
    return resourceSpans(resource("checkout"), spans);
  }

  public static TraceData trace(Span.Builder... spans) {
    return TraceData.of(List.of(resourceSpans(spans)));
  }

  public static TraceData trace(Resource resource, Span.Builder... spans) {
    return TraceData.of(List.of(resourceSpans(resource, spans)));
  }

  public static ExportTraceServiceRequest request(ResourceSpans... resourceSpans) {
    return ExportTraceServiceRequest.newBuilder().addAllResourceSpans(List.of(resourceSpans)).build();
  }
}
