package dev.traceyard.store.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import dev.traceyard.collector.otlp.Hex;
import dev.traceyard.store.codec.OtlpValuesJson;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * OTLP traces in the Jaeger UI's JSON model: microsecond times, typed tags, the parent as a CHILD_OF
 * reference and links as FOLLOWS_FROM, events as logs, one process per resource, and the span kind,
 * status and scope as the {@code span.kind}, {@code otel.status_code}, {@code error} and
 * {@code otel.scope.*} tags Jaeger's own OTLP translation adds.
 */
final class JaegerJson {
  private JaegerJson() {}

  /** Jaeger's trace id text: 16 hex characters when the high half is zero, else 32. */
  static String traceId(ByteString id) {
    String hex = Hex.encode(id);
    return hex.length() == 32 && hex.startsWith("0000000000000000") ? hex.substring(16) : hex;
  }

  static ObjectNode trace(ExportTraceServiceRequest req) {
    ObjectNode trace = Json.object();
    ArrayNode spans = Json.MAPPER.createArrayNode();
    ObjectNode processes = Json.object();
    Map<Resource, String> processIds = new LinkedHashMap<>();
    String traceId = null;
    for (ResourceSpans rs : req.getResourceSpansList()) {
      String pid = processIds.get(rs.getResource());
      if (pid == null) {
        pid = "p" + (processIds.size() + 1);
        processIds.put(rs.getResource(), pid);
        processes.set(pid, process(rs.getResource()));
      }
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span s : ss.getSpansList()) {
          if (traceId == null) {
            traceId = traceId(s.getTraceId());
          }
          spans.add(span(s, ss.getScope(), pid));
        }
      }
    }
    trace.put("traceID", traceId);
    trace.set("spans", spans);
    trace.set("processes", processes);
    trace.putNull("warnings");
    return trace;
  }

  private static ObjectNode process(Resource r) {
    ObjectNode p = Json.object();
    String service = "unknown_service";
    ArrayNode tags = Json.MAPPER.createArrayNode();
    for (KeyValue kv : r.getAttributesList()) {
      if (kv.getKey().equals("service.name") && kv.getValue().hasStringValue()) {
        service = kv.getValue().getStringValue();
      } else {
        tags.add(tag(kv.getKey(), kv.getValue()));
      }
    }
    p.put("serviceName", service);
    p.set("tags", tags);
    return p;
  }

  private static ObjectNode span(Span s, InstrumentationScope scope, String pid) {
    ObjectNode n = Json.object();
    String traceId = traceId(s.getTraceId());
    n.put("traceID", traceId);
    n.put("spanID", Hex.encode(s.getSpanId()));
    if (s.getFlags() != 0) {
      n.put("flags", Integer.toUnsignedLong(s.getFlags()));
    }
    n.put("operationName", s.getName());
    ArrayNode refs = n.putArray("references");
    if (!s.getParentSpanId().isEmpty()) {
      refs.addObject().put("refType", "CHILD_OF").put("traceID", traceId).put("spanID", Hex.encode(s.getParentSpanId()));
    }
    for (Span.Link l : s.getLinksList()) {
      refs.addObject().put("refType", "FOLLOWS_FROM").put("traceID", traceId(l.getTraceId()))
          .put("spanID", Hex.encode(l.getSpanId()));
    }
    n.put("startTime", Long.divideUnsigned(s.getStartTimeUnixNano(), 1000));
    n.put("duration", Math.max(0, (s.getEndTimeUnixNano() - s.getStartTimeUnixNano()) / 1000));
    ArrayNode tags = n.putArray("tags");
    for (KeyValue kv : s.getAttributesList()) {
      tags.add(tag(kv.getKey(), kv.getValue()));
    }
    if (!scope.getName().isEmpty()) {
      tags.add(stringTag("otel.scope.name", scope.getName()));
    }
    if (!scope.getVersion().isEmpty()) {
      tags.add(stringTag("otel.scope.version", scope.getVersion()));
    }
    String kind = kind(s.getKind());
    if (kind != null) {
      tags.add(stringTag("span.kind", kind));
    }
    if (s.getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR) {
      tags.add(stringTag("otel.status_code", "ERROR"));
      tags.addObject().put("key", "error").put("type", "bool").put("value", true);
    } else if (s.getStatus().getCode() == Status.StatusCode.STATUS_CODE_OK) {
      tags.add(stringTag("otel.status_code", "OK"));
    }
    if (!s.getStatus().getMessage().isEmpty()) {
      tags.add(stringTag("otel.status_description", s.getStatus().getMessage()));
    }
    if (!s.getTraceState().isEmpty()) {
      tags.add(stringTag("w3c.tracestate", s.getTraceState()));
    }
    ArrayNode logs = n.putArray("logs");
    for (Span.Event e : s.getEventsList()) {
      ObjectNode log = logs.addObject();
      log.put("timestamp", Long.divideUnsigned(e.getTimeUnixNano(), 1000));
      ArrayNode fields = log.putArray("fields");
      fields.add(stringTag("event", e.getName()));
      for (KeyValue kv : e.getAttributesList()) {
        fields.add(tag(kv.getKey(), kv.getValue()));
      }
    }
    n.put("processID", pid);
    n.putNull("warnings");
    return n;
  }

  private static String kind(Span.SpanKind k) {
    switch (k) {
      case SPAN_KIND_SERVER:
        return "server";
      case SPAN_KIND_CLIENT:
        return "client";
      case SPAN_KIND_PRODUCER:
        return "producer";
      case SPAN_KIND_CONSUMER:
        return "consumer";
      case SPAN_KIND_INTERNAL:
        return "internal";
      default:
        return null;
    }
  }

  private static ObjectNode stringTag(String key, String value) {
    ObjectNode t = Json.object();
    t.put("key", key).put("type", "string").put("value", value);
    return t;
  }

  /** A typed tag; arrays and maps have no Jaeger type and are written as their OTLP/JSON text. */
  static ObjectNode tag(String key, AnyValue v) {
    ObjectNode t = Json.object();
    t.put("key", key);
    switch (v.getValueCase()) {
      case BOOL_VALUE:
        t.put("type", "bool").put("value", v.getBoolValue());
        break;
      case INT_VALUE:
        t.put("type", "int64").put("value", v.getIntValue());
        break;
      case DOUBLE_VALUE:
        t.put("type", "float64").put("value", v.getDoubleValue());
        break;
      case BYTES_VALUE:
        t.put("type", "binary").put("value", Base64.getEncoder().encodeToString(v.getBytesValue().toByteArray()));
        break;
      case STRING_VALUE:
        t.put("type", "string").put("value", v.getStringValue());
        break;
      case ARRAY_VALUE:
      case KVLIST_VALUE:
        t.put("type", "string").put("value", OtlpValuesJson.anyValue(v));
        break;
      default:
        t.put("type", "string").put("value", "");
        break;
    }
    return t;
  }
}
