package dev.traceyard.collector.processor.tracequality;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Hand-built OTLP spans and readers for the contract's log records. */
final class QualityFixtures {
  private QualityFixtures() {}

  static ByteString traceId(int n) {
    byte[] b = new byte[16];
    b[15] = (byte) n;
    b[14] = (byte) (n >> 8);
    b[13] = (byte) (n >> 16);
    b[0] = 1;
    return ByteString.copyFrom(b);
  }

  static ByteString spanId(long n) {
    return n == 0 ? ByteString.EMPTY : SpanIds.toBytes(n);
  }

  static KeyValue str(String k, String v) {
    return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setStringValue(v)).build();
  }

  static KeyValue num(String k, long v) {
    return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setIntValue(v)).build();
  }

  /** A resource with the full identity. */
  static Resource resource(String service) {
    return Resource.newBuilder().addAttributes(str("service.name", service)).addAttributes(str("service.version", "1.0"))
        .addAttributes(str("deployment.environment.name", "test")).addAttributes(str("telemetry.sdk.language", "java"))
        .addAttributes(str("telemetry.sdk.version", "1.68.0")).build();
  }

  static Span.Builder span(int trace, long id, long parent, Span.SpanKind kind, String name, long start, long end) {
    return Span.newBuilder().setTraceId(traceId(trace)).setSpanId(spanId(id)).setParentSpanId(spanId(parent))
        .setKind(kind).setName(name).setStartTimeUnixNano(start).setEndTimeUnixNano(end);
  }

  static ExportTraceServiceRequest request(Resource resource, Span.Builder... spans) {
    ScopeSpans.Builder ss = ScopeSpans.newBuilder();
    for (Span.Builder s : spans) {
      ss.addSpans(s);
    }
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(ResourceSpans.newBuilder().setResource(resource).addScopeSpans(ss)).build();
  }

  /** A record's attributes as plain values. */
  static Map<String, Object> attrs(LogRecord r) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (KeyValue kv : r.getAttributesList()) {
      AnyValue v = kv.getValue();
      m.put(kv.getKey(), v.hasIntValue() ? (Object) v.getIntValue() : v.getStringValue());
    }
    return m;
  }

  /** Finding records of a report, each as its service plus its attributes. */
  static List<Map<String, Object>> findings(Analyzer.Report report) {
    return records(report, Records.FINDING);
  }

  static List<Map<String, Object>> records(Analyzer.Report report, String event) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Records.ServiceRecords sr : report.records()) {
      for (LogRecord r : sr.records()) {
        if (r.getEventName().equals(event)) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("service", sr.service());
          m.putAll(attrs(r));
          out.add(m);
        }
      }
    }
    return out;
  }
}
