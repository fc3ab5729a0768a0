package dev.traceyard.store;

import com.google.protobuf.ByteString;
import dev.traceyard.store.query.Ids;
import dev.traceyard.store.query.TraceId;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.EntityRef;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.logs.v1.SeverityNumber;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.List;

/** OTLP builders for tests. */
public final class TestData {
  public static final long MS = 1_000_000L;
  public static final InstrumentationScope SCOPE = InstrumentationScope.newBuilder().setName("test-scope")
      .setVersion("1.0").build();

  private TestData() {}

  public static TraceId traceId(long n) {
    return new TraceId(0x5eed000000000000L | n, 0x7ace000000000000L ^ (n * 0x9e3779b97f4a7c15L));
  }

  public static ByteString spanId(long n) {
    return Ids.spanIdBytes(0x5b00000000000000L | n);
  }

  public static KeyValue str(String k, String v) {
    return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setStringValue(v)).build();
  }

  public static KeyValue integer(String k, long v) {
    return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setIntValue(v)).build();
  }

  public static KeyValue dbl(String k, double v) {
    return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setDoubleValue(v)).build();
  }

  public static KeyValue bool(String k, boolean v) {
    return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setBoolValue(v)).build();
  }

  /** One attribute of every AnyValue type, nested ones included. */
  public static List<KeyValue> everyType(String prefix) {
    return List.of(
        str(prefix + "string", "text with \"quotes\" and ünïcode"),
        integer(prefix + "int", -9_007_199_254_740_993L),
        dbl(prefix + "double", 3.25),
        bool(prefix + "bool", true),
        KeyValue.newBuilder().setKey(prefix + "bytes")
            .setValue(AnyValue.newBuilder().setBytesValue(ByteString.copyFrom(new byte[] {0, 1, (byte) 0xff}))).build(),
        KeyValue.newBuilder().setKey(prefix + "array").setValue(AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder()
            .addValues(AnyValue.newBuilder().setStringValue("a"))
            .addValues(AnyValue.newBuilder().setIntValue(2))
            .addValues(AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder()
                .addValues(AnyValue.newBuilder().setBoolValue(false)))))).build(),
        KeyValue.newBuilder().setKey(prefix + "kvlist").setValue(AnyValue.newBuilder().setKvlistValue(
            KeyValueList.newBuilder().addValues(str("inner", "x")).addValues(dbl("pi", 3.14159)))).build(),
        KeyValue.newBuilder().setKey(prefix + "empty").setValue(AnyValue.getDefaultInstance()).build());
  }

  public static Resource resource(String service, KeyValue... extra) {
    Resource.Builder b = Resource.newBuilder().addAttributes(str("service.name", service));
    for (KeyValue kv : extra) {
      b.addAttributes(kv);
    }
    return b.build();
  }

  public static Span span(TraceId trace, long id, Long parent, String name, Span.SpanKind kind, long start,
      long durationNanos, Status.StatusCode status, KeyValue... attributes) {
    Span.Builder b = Span.newBuilder().setTraceId(trace.toBytes()).setSpanId(spanId(id)).setName(name).setKind(kind)
        .setStartTimeUnixNano(start).setEndTimeUnixNano(start + durationNanos);
    if (parent != null) {
      b.setParentSpanId(spanId(parent));
    }
    if (status != Status.StatusCode.STATUS_CODE_UNSET) {
      b.setStatus(Status.newBuilder().setCode(status));
    }
    for (KeyValue kv : attributes) {
      b.addAttributes(kv);
    }
    return b.build();
  }

  public static ExportTraceServiceRequest request(Resource resource, Span... spans) {
    return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder().setResource(resource)
        .addScopeSpans(ScopeSpans.newBuilder().setScope(SCOPE).addAllSpans(List.of(spans)))).build();
  }

  /** A trace using every OTLP span field, over two resources (services) and two scopes. */
  public static ExportTraceServiceRequest fullTrace(TraceId trace, long start) {
    Resource front = Resource.newBuilder()
        .addAttributes(str("service.name", "frontend"))
        .addAllAttributes(everyType("res."))
        .setDroppedAttributesCount(3)
        .addEntityRefs(EntityRef.newBuilder().setSchemaUrl("https://opentelemetry.io/schemas/1.30.0")
            .setType("service").addIdKeys("service.name").addDescriptionKeys("res.string"))
        .build();
    Resource back = resource("backend", str("k8s.namespace.name", "shop"));
    InstrumentationScope scope = InstrumentationScope.newBuilder().setName("io.example.http").setVersion("2.1.0")
        .addAllAttributes(everyType("scope.")).setDroppedAttributesCount(1).build();
    Span root = Span.newBuilder()
        .setTraceId(trace.toBytes()).setSpanId(spanId(1)).setTraceState("vendor=value,other=x").setFlags(0x301)
        .setName("GET /checkout").setKind(Span.SpanKind.SPAN_KIND_SERVER)
        .setStartTimeUnixNano(start).setEndTimeUnixNano(start + 250 * MS)
        .addAllAttributes(everyType("span.")).addAttributes(integer("http.response.status_code", 500))
        .setDroppedAttributesCount(2)
        .addEvents(Span.Event.newBuilder().setTimeUnixNano(start + 5 * MS).setName("exception")
            .addAttributes(str("exception.type", "java.lang.IllegalStateException"))
            .addAttributes(str("exception.message", "boom")).setDroppedAttributesCount(4))
        .addEvents(Span.Event.newBuilder().setTimeUnixNano(start + 6 * MS).setName("bare"))
        .setDroppedEventsCount(7)
        .addLinks(Span.Link.newBuilder().setTraceId(traceId(999).toBytes()).setSpanId(spanId(42))
            .setTraceState("linked=1").addAllAttributes(everyType("link.")).setDroppedAttributesCount(5).setFlags(1))
        .setDroppedLinksCount(8)
        .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR).setMessage("payment failed"))
        .build();
    Span client = span(trace, 2, 1L, "POST /pay", Span.SpanKind.SPAN_KIND_CLIENT, start + 10 * MS, 200 * MS,
        Status.StatusCode.STATUS_CODE_ERROR, str("server.address", "backend"));
    Span internal = span(trace, 4, 1L, "render", Span.SpanKind.SPAN_KIND_INTERNAL, start + 220 * MS, 20 * MS,
        Status.StatusCode.STATUS_CODE_OK);
    Span server = span(trace, 3, 2L, "POST /pay", Span.SpanKind.SPAN_KIND_SERVER, start + 15 * MS, 190 * MS,
        Status.StatusCode.STATUS_CODE_ERROR, str("http.route", "/pay"));
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(ResourceSpans.newBuilder().setResource(front).setSchemaUrl("https://opentelemetry.io/schemas/1.26.0")
            .addScopeSpans(ScopeSpans.newBuilder().setScope(scope).setSchemaUrl("https://scope.schema/1")
                .addSpans(root).addSpans(client))
            .addScopeSpans(ScopeSpans.newBuilder().setScope(SCOPE).addSpans(internal)))
        .addResourceSpans(ResourceSpans.newBuilder().setResource(back)
            .addScopeSpans(ScopeSpans.newBuilder().setScope(SCOPE).addSpans(server)))
        .build();
  }

  /** Logs of a trace (two with span ids, one of them with every field) and one without trace context. */
  public static ExportLogsServiceRequest logs(TraceId trace, long time) {
    LogRecord full = LogRecord.newBuilder()
        .setTimeUnixNano(time).setObservedTimeUnixNano(time + 1000)
        .setSeverityNumber(SeverityNumber.SEVERITY_NUMBER_ERROR).setSeverityText("ERROR")
        .setBody(AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder().addValues(str("msg", "payment failed"))))
        .addAllAttributes(everyType("log.")).setDroppedAttributesCount(2).setFlags(1)
        .setTraceId(trace.toBytes()).setSpanId(spanId(1)).setEventName("payment.failure")
        .build();
    LogRecord other = LogRecord.newBuilder().setTimeUnixNano(time + 2 * MS).setSeverityNumber(SeverityNumber.SEVERITY_NUMBER_INFO)
        .setBody(AnyValue.newBuilder().setStringValue("calling backend")).setTraceId(trace.toBytes()).setSpanId(spanId(2))
        .build();
    LogRecord unrelated = LogRecord.newBuilder().setTimeUnixNano(time + 3 * MS)
        .setBody(AnyValue.newBuilder().setStringValue("no trace context")).build();
    return ExportLogsServiceRequest.newBuilder().addResourceLogs(ResourceLogs.newBuilder()
        .setResource(resource("frontend")).setSchemaUrl("https://opentelemetry.io/schemas/1.26.0")
        .addScopeLogs(ScopeLogs.newBuilder().setScope(SCOPE).setSchemaUrl("https://scope.schema/1")
            .addLogRecords(full).addLogRecords(other).addLogRecords(unrelated)))
        .build();
  }
}
