package dev.traceyard.collector.receiver.zipkin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.traceyard.collector.receiver.zipkin.ZipkinSpan.Annotation;
import dev.traceyard.collector.receiver.zipkin.ZipkinSpan.Endpoint;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Zipkin v2 spans to OTLP, following otelcol's zipkinv2 translator so that data received here looks
 * the same as data received by the OpenTelemetry Collector:
 *
 * <ul>
 *   <li>one ResourceSpans per local service ({@code service.name}) and resource-describing tags;
 *       a span without a local service name gets a resource without {@code service.name};
 *   <li>one ScopeSpans per {@code otel.scope.name}/{@code otel.library.name} (and version) tag;
 *   <li>ids: 64-bit trace ids are left-padded with zeros to 128 bits; a parent id equal to the
 *       span's own id is dropped;
 *   <li>kind: CLIENT, SERVER, PRODUCER, CONSUMER as is; none reads as UNSPECIFIED unless a
 *       {@code span.kind} tag says otherwise (e.g. {@code internal});
 *   <li>status: from {@code otel.status_code} (+ {@code otel.status_description}); an {@code error}
 *       tag makes it ERROR;
 *   <li>timestamp and duration microseconds to start/end nanoseconds; an absent timestamp gives
 *       start 0 and the {@code otel.zipkin.absentField.startTime} attribute;
 *   <li>annotations become events ({@code name|{json attributes}|dropped} is unpacked);
 *       {@code otlp.link.N} tags become links; {@code w3c.tracestate} becomes the trace state;
 *   <li>endpoints become {@code net.host.ip}, {@code net.host.port}, {@code peer.service},
 *       {@code net.peer.ip}, {@code net.peer.port}.
 * </ul>
 *
 * <p>Deliberate differences, each to avoid losing data otelcol drops: resource tags of every span
 * are kept (spans whose resource tags differ get separate resources); tags whose special meaning
 * cannot be decoded (a malformed link, an unknown status code or {@code span.kind}) stay as plain
 * attributes; an annotation that only looks structured keeps its full text as the event name;
 * {@code otel.scope.name}/{@code otel.scope.version} (current semantic conventions) are read as
 * well as the older {@code otel.library.*}; Zipkin's {@code shared} and {@code debug} flags, which
 * OTLP has no field for, become {@code zipkin.shared}/{@code zipkin.debug} attributes when true.
 */
final class ZipkinTranslator {
  static final String SERVICE_NAME = "service.name";
  static final String NO_SERVICE_NAME = "OTLPResourceNoServiceName";
  static final String TAG_SERVICE_NAME_SOURCE = "otlp.service.name.source";
  static final String TAG_SCOPE_NAME = "otel.scope.name";
  static final String TAG_SCOPE_VERSION = "otel.scope.version";
  static final String TAG_LIBRARY_NAME = "otel.library.name";
  static final String TAG_LIBRARY_VERSION = "otel.library.version";
  static final String TAG_STATUS_CODE = "otel.status_code";
  static final String TAG_STATUS_DESCRIPTION = "otel.status_description";
  static final String TAG_ERROR = "error";
  static final String TAG_SPAN_KIND = "span.kind";
  static final String TAG_TRACE_STATE = "w3c.tracestate";
  static final String TAG_LINK_PREFIX = "otlp.link.";
  static final String ATTR_START_TIME_ABSENT = "otel.zipkin.absentField.startTime";
  static final String ATTR_SHARED = "zipkin.shared";
  static final String ATTR_DEBUG = "zipkin.debug";
  static final String ATTR_HOST_IP = "net.host.ip";
  static final String ATTR_HOST_PORT = "net.host.port";
  static final String ATTR_PEER_SERVICE = "peer.service";
  static final String ATTR_PEER_IP = "net.peer.ip";
  static final String ATTR_PEER_PORT = "net.peer.port";

  /** otelcol reads at most this many {@code otlp.link.N} tags. */
  private static final int MAX_LINKS = 128;

  // The value shapes otelcol's parse_string_tags recognises (Go's \d is ASCII-only, as is Java's).
  private static final Pattern INT = Pattern.compile("-?\\d+");
  private static final Pattern DOUBLE = Pattern.compile("-?\\d+\\.\\d+");

  private static final ObjectMapper JSON = new ObjectMapper();

  private final boolean parseStringTags;

  ZipkinTranslator(boolean parseStringTags) {
    this.parseStringTags = parseStringTags;
  }

  ExportTraceServiceRequest translate(List<ZipkinSpan> spans) {
    // Insertion-ordered so output order follows input order; map equality ignores order, so two
    // spans with the same resource tags in a different order still share a resource.
    Map<Map<String, String>, Map<Scope, List<Span>>> groups = new LinkedHashMap<>();
    for (ZipkinSpan zs : spans) {
      Map<String, String> tags = new LinkedHashMap<>(zs.tags());
      Map<String, String> resource = resource(zs, tags);
      Scope scope = scope(tags);
      Span span = span(zs, tags);
      groups.computeIfAbsent(resource, k -> new LinkedHashMap<>())
          .computeIfAbsent(scope, k -> new ArrayList<>())
          .add(span);
    }
    ExportTraceServiceRequest.Builder request = ExportTraceServiceRequest.newBuilder();
    groups.forEach((resource, scopes) -> {
      Resource.Builder r = Resource.newBuilder();
      resource.forEach((k, v) -> r.addAttributes(keyValue(k, string(v))));
      ResourceSpans.Builder rs = ResourceSpans.newBuilder().setResource(r);
      scopes.forEach((scope, list) -> {
        ScopeSpans.Builder ss = ScopeSpans.newBuilder().addAllSpans(list);
        if (!scope.name.isEmpty() || !scope.version.isEmpty()) {
          ss.setScope(InstrumentationScope.newBuilder().setName(scope.name).setVersion(scope.version));
        }
        rs.addScopeSpans(ss);
      });
      request.addResourceSpans(rs);
    });
    return request.build();
  }

  /** Takes the resource-describing tags out of {@code tags}; returns the resource attributes. */
  private static Map<String, String> resource(ZipkinSpan zs, Map<String, String> tags) {
    Map<String, String> resource = new LinkedHashMap<>();
    String service = zs.localEndpoint() == null ? null : zs.localEndpoint().serviceName();
    // The source key only says where the name came from; it is meaningless without a name.
    String serviceKey = tags.remove(TAG_SERVICE_NAME_SOURCE);
    if (service != null && !service.isEmpty() && !service.equals(NO_SERVICE_NAME)) {
      resource.put(serviceKey == null || serviceKey.isEmpty() ? SERVICE_NAME : serviceKey, service);
    }
    if (tags.isEmpty()) {
      return resource;
    }
    for (Iterator<Map.Entry<String, String>> it = tags.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, String> e = it.next();
      if (ResourceTags.KEYS.contains(e.getKey())) {
        // The local endpoint names the service; a service.name tag only fills in when it does not.
        resource.putIfAbsent(e.getKey(), e.getValue());
        it.remove();
      }
    }
    return resource;
  }

  private record Scope(String name, String version) {}

  private static Scope scope(Map<String, String> tags) {
    String scopeName = tags.remove(TAG_SCOPE_NAME);
    String libraryName = tags.remove(TAG_LIBRARY_NAME);
    String scopeVersion = tags.remove(TAG_SCOPE_VERSION);
    String libraryVersion = tags.remove(TAG_LIBRARY_VERSION);
    String name = scopeName != null ? scopeName : libraryName;
    String version = scopeVersion != null ? scopeVersion : libraryVersion;
    return new Scope(name == null ? "" : name, version == null ? "" : version);
  }

  private Span span(ZipkinSpan zs, Map<String, String> tags) {
    Span.Builder s = Span.newBuilder()
        .setTraceId(ByteString.copyFrom(bytes(zs.traceIdHigh(), zs.traceIdLow())))
        .setSpanId(ByteString.copyFrom(bytes(zs.id())))
        .setName(zs.name() == null ? "" : zs.name())
        .setKind(kind(zs.kind(), tags));
    if (zs.parentId() != 0 && zs.parentId() != zs.id()) {
      s.setParentSpanId(ByteString.copyFrom(bytes(zs.parentId())));
    }
    String traceState = tags.remove(TAG_TRACE_STATE);
    if (traceState != null) {
      s.setTraceState(traceState);
    }
    s.setStatus(status(tags));
    links(tags, s);

    Map<String, AnyValue> attributes = new LinkedHashMap<>();
    tags.forEach((k, v) -> attributes.put(k, parseStringTags ? typed(v) : string(v)));
    endpointAttributes(zs.localEndpoint(), ATTR_HOST_IP, ATTR_HOST_PORT, null, attributes);
    endpointAttributes(zs.remoteEndpoint(), ATTR_PEER_IP, ATTR_PEER_PORT, ATTR_PEER_SERVICE, attributes);
    if (zs.timestampMicros() == 0) {
      // OTLP requires a start time; keep the absence visible so it can be restored on export.
      attributes.put(ATTR_START_TIME_ABSENT, AnyValue.newBuilder().setBoolValue(true).build());
    }
    if (zs.shared()) {
      attributes.put(ATTR_SHARED, AnyValue.newBuilder().setBoolValue(true).build());
    }
    if (zs.debug()) {
      attributes.put(ATTR_DEBUG, AnyValue.newBuilder().setBoolValue(true).build());
    }
    attributes.forEach((k, v) -> s.addAttributes(KeyValue.newBuilder().setKey(k).setValue(v)));

    long start = zs.timestampMicros() * 1000;
    s.setStartTimeUnixNano(start).setEndTimeUnixNano(start + zs.durationMicros() * 1000);
    for (Annotation a : zs.annotations()) {
      s.addEvents(event(a));
    }
    return s.build();
  }

  private static Span.SpanKind kind(ZipkinSpan.Kind kind, Map<String, String> tags) {
    switch (kind) {
      case CLIENT:
        return Span.SpanKind.SPAN_KIND_CLIENT;
      case SERVER:
        return Span.SpanKind.SPAN_KIND_SERVER;
      case PRODUCER:
        return Span.SpanKind.SPAN_KIND_PRODUCER;
      case CONSUMER:
        return Span.SpanKind.SPAN_KIND_CONSUMER;
      default:
        break;
    }
    // Exporters write span.kind=internal because Zipkin has no INTERNAL kind.
    String tag = tags.get(TAG_SPAN_KIND);
    if (tag == null) {
      return Span.SpanKind.SPAN_KIND_UNSPECIFIED;
    }
    Span.SpanKind fromTag;
    switch (tag.toLowerCase(Locale.ROOT)) {
      case "internal":
        fromTag = Span.SpanKind.SPAN_KIND_INTERNAL;
        break;
      case "client":
        fromTag = Span.SpanKind.SPAN_KIND_CLIENT;
        break;
      case "server":
        fromTag = Span.SpanKind.SPAN_KIND_SERVER;
        break;
      case "producer":
        fromTag = Span.SpanKind.SPAN_KIND_PRODUCER;
        break;
      case "consumer":
        fromTag = Span.SpanKind.SPAN_KIND_CONSUMER;
        break;
      default:
        return Span.SpanKind.SPAN_KIND_UNSPECIFIED;
    }
    tags.remove(TAG_SPAN_KIND);
    return fromTag;
  }

  private static Status status(Map<String, String> tags) {
    Status.Builder status = Status.newBuilder();
    String code = tags.get(TAG_STATUS_CODE);
    if (code != null) {
      Status.StatusCode parsed = statusCode(code);
      if (parsed != null) {
        status.setCode(parsed);
        tags.remove(TAG_STATUS_CODE);
        String description = tags.remove(TAG_STATUS_DESCRIPTION);
        if (description != null) {
          status.setMessage(description);
        }
      }
    }
    String error = tags.get(TAG_ERROR);
    if (error != null) {
      // In Zipkin any error tag marks a failed span; its value is usually the error message.
      status.setCode(Status.StatusCode.STATUS_CODE_ERROR);
      if (error.equals("true")) {
        tags.remove(TAG_ERROR);
      } else if (status.getMessage().isEmpty() && !error.isEmpty() && !error.equals("false")) {
        status.setMessage(error);
      }
    }
    return status.build();
  }

  /** otelcol's names ({@code STATUS_CODE_ERROR}) and the Zipkin exporters' ({@code Error}, {@code ERROR}). */
  private static Status.StatusCode statusCode(String text) {
    String t = text.toUpperCase(Locale.ROOT);
    if (t.startsWith("STATUS_CODE_")) {
      t = t.substring("STATUS_CODE_".length());
    }
    switch (t) {
      case "UNSET":
        return Status.StatusCode.STATUS_CODE_UNSET;
      case "OK":
        return Status.StatusCode.STATUS_CODE_OK;
      case "ERROR":
        return Status.StatusCode.STATUS_CODE_ERROR;
      default:
        return null;
    }
  }

  /** {@code otlp.link.0..127} tags: {@code traceId|spanId|traceState|{json attributes}|dropped}. */
  private static void links(Map<String, String> tags, Span.Builder span) {
    for (int i = 0; i < MAX_LINKS; i++) {
      String key = TAG_LINK_PREFIX + i;
      String value = tags.get(key);
      if (value == null) {
        return;
      }
      Span.Link link = link(value);
      if (link != null) {
        span.addLinks(link);
        tags.remove(key);
      }
    }
  }

  private static Span.Link link(String value) {
    String[] parts = value.split("\\|", -1);
    if (parts.length < 5) {
      return null;
    }
    byte[] traceId = hexOrEmpty(parts[0], 16);
    byte[] spanId = hexOrEmpty(parts[1], 8);
    Map<String, AnyValue> attributes = jsonAttributes(String.join("|", Arrays.copyOfRange(parts, 3, parts.length - 1)));
    Integer dropped = unsignedInt(parts[parts.length - 1]);
    if (traceId == null || spanId == null || attributes == null || dropped == null) {
      return null;
    }
    Span.Link.Builder link = Span.Link.newBuilder()
        .setTraceId(ByteString.copyFrom(traceId))
        .setSpanId(ByteString.copyFrom(spanId))
        .setTraceState(parts[2])
        .setDroppedAttributesCount(dropped);
    attributes.forEach((k, v) -> link.addAttributes(KeyValue.newBuilder().setKey(k).setValue(v)));
    return link.build();
  }

  /** An annotation; {@code name|{json attributes}|dropped} (how otelcol exports events) is unpacked. */
  private static Span.Event event(Annotation a) {
    Span.Event.Builder event = Span.Event.newBuilder().setTimeUnixNano(a.timestampMicros() * 1000);
    String value = a.value();
    String[] parts = value.split("\\|", -1);
    if (parts.length >= 3) {
      Map<String, AnyValue> attributes = jsonAttributes(String.join("|", Arrays.copyOfRange(parts, 1, parts.length - 1)));
      Integer dropped = unsignedInt(parts[parts.length - 1]);
      if (attributes != null && dropped != null) {
        event.setName(parts[0]).setDroppedAttributesCount(dropped);
        attributes.forEach((k, v) -> event.addAttributes(KeyValue.newBuilder().setKey(k).setValue(v)));
        return event.build();
      }
    }
    return event.setName(value).build();
  }

  /** A JSON object's scalar members as attributes (whole numbers as ints); null if not a JSON object. */
  private static Map<String, AnyValue> jsonAttributes(String json) {
    if (!json.startsWith("{")) {
      return null;
    }
    JsonNode node;
    try {
      node = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      return null;
    }
    if (node == null || !node.isObject()) {
      return null;
    }
    Map<String, AnyValue> out = new LinkedHashMap<>();
    node.fields().forEachRemaining(e -> {
      JsonNode v = e.getValue();
      if (v.isTextual()) {
        out.put(e.getKey(), string(v.textValue()));
      } else if (v.isIntegralNumber() && v.canConvertToLong()) {
        out.put(e.getKey(), AnyValue.newBuilder().setIntValue(v.longValue()).build());
      } else if (v.isNumber()) {
        double d = v.doubleValue();
        out.put(e.getKey(), d == Math.rint(d) && Math.abs(d) < 0x1p63
            ? AnyValue.newBuilder().setIntValue((long) d).build()
            : AnyValue.newBuilder().setDoubleValue(d).build());
      } else if (v.isBoolean()) {
        out.put(e.getKey(), AnyValue.newBuilder().setBoolValue(v.booleanValue()).build());
      } else if (v.isContainerNode()) {
        out.put(e.getKey(), string(v.toString()));
      }
    });
    return out;
  }

  private static void endpointAttributes(Endpoint e, String ipKey, String portKey, String serviceKey,
      Map<String, AnyValue> attributes) {
    if (e == null) {
      return;
    }
    if (serviceKey != null && e.serviceName() != null && !e.serviceName().isEmpty()) {
      attributes.put(serviceKey, string(e.serviceName()));
    }
    // Like otelcol, IPv6 wins when both are present.
    if (e.ipv4() != null) {
      attributes.put(ipKey, string(e.ipv4()));
    }
    if (e.ipv6() != null) {
      attributes.put(ipKey, string(e.ipv6()));
    }
    if (e.port() > 0) {
      attributes.put(portKey, AnyValue.newBuilder().setIntValue(e.port()).build());
    }
  }

  /** parse_string_tags: integers, decimals and true/false become typed values, as in otelcol. */
  static AnyValue typed(String value) {
    if (INT.matcher(value).matches()) {
      try {
        return AnyValue.newBuilder().setIntValue(Long.parseLong(value)).build();
      } catch (NumberFormatException tooLarge) {
        return string(value);
      }
    }
    if (DOUBLE.matcher(value).matches()) {
      return AnyValue.newBuilder().setDoubleValue(Double.parseDouble(value)).build();
    }
    if (value.equals("true") || value.equals("false")) {
      return AnyValue.newBuilder().setBoolValue(value.equals("true")).build();
    }
    return string(value);
  }

  private static AnyValue string(String value) {
    return AnyValue.newBuilder().setStringValue(value).build();
  }

  private static KeyValue keyValue(String key, AnyValue value) {
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }

  private static byte[] bytes(long value) {
    byte[] out = new byte[8];
    for (int i = 7; i >= 0; i--) {
      out[i] = (byte) value;
      value >>>= 8;
    }
    return out;
  }

  private static byte[] bytes(long high, long low) {
    byte[] out = new byte[16];
    System.arraycopy(bytes(high), 0, out, 0, 8);
    System.arraycopy(bytes(low), 0, out, 8, 8);
    return out;
  }

  /** Exactly {@code length} bytes of hex, or empty text for an empty id; null otherwise. */
  private static byte[] hexOrEmpty(String hex, int length) {
    if (hex.isEmpty()) {
      return new byte[0];
    }
    if (hex.length() != length * 2) {
      return null;
    }
    byte[] out = new byte[length];
    for (int i = 0; i < length; i++) {
      Long b = ZipkinJsonDecoder.parseSpanId(hex.substring(2 * i, 2 * i + 2));
      if (b == null) {
        return null;
      }
      out[i] = (byte) (long) b;
    }
    return out;
  }

  private static Integer unsignedInt(String text) {
    if (text.isEmpty() || text.length() > 10 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return null;
    }
    long v = Long.parseLong(text);
    return v > 0xffffffffL ? null : (int) v;
  }
}
