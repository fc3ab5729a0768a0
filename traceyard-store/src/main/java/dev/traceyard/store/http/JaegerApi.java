package dev.traceyard.store.http;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.traceyard.collector.config.Durations;
import dev.traceyard.collector.telemetry.RateLimitedLogger;
import dev.traceyard.store.query.AttributeFilter;
import dev.traceyard.store.query.BadQueryException;
import dev.traceyard.store.query.QueryService;
import dev.traceyard.store.query.ServiceEdge;
import dev.traceyard.store.query.SpanKinds;
import dev.traceyard.store.query.SpanNameInfo;
import dev.traceyard.store.query.TraceId;
import dev.traceyard.store.query.TraceQuery;
import dev.traceyard.store.query.TraceSummary;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The part of Jaeger's query HTTP API its UI and tools use, in Jaeger's JSON envelope
 * ({@code {"data":..., "total":..., "limit":..., "offset":..., "errors":...}}).
 */
final class JaegerApi {
  private static final long MICRO = 1_000L;
  private static final long MILLI = 1_000_000L;
  private static final long HOUR = 3_600_000_000_000L;
  /** Jaeger's default search lookback when no start is given. */
  private static final long DEFAULT_LOOKBACK = 48 * HOUR;
  private static final long DEFAULT_DEPENDENCY_LOOKBACK = 24 * HOUR;
  private static final int DEFAULT_LIMIT = 100;
  private static final Pattern DAYS = Pattern.compile("(\\d+)d");
  private static final Pattern HEX = Pattern.compile("[0-9a-fA-F]{1,32}");

  private final QueryService qs;

  private JaegerApi(QueryService qs) {
    this.qs = qs;
  }

  static void register(ServerBuilder sb, QueryService qs, RateLimitedLogger log) {
    JaegerApi api = new JaegerApi(qs);
    sb.route().get("/api/services").build(Handlers.blocking(log, JaegerApi::error, api::services));
    sb.route().get("/api/services/{service}/operations").build(Handlers.blocking(log, JaegerApi::error, api::operationsLegacy));
    sb.route().get("/api/operations").build(Handlers.blocking(log, JaegerApi::error, api::operations));
    sb.route().get("/api/traces").build(Handlers.blocking(log, JaegerApi::error, api::search));
    sb.route().get("/api/traces/{traceId}").build(Handlers.blocking(log, JaegerApi::error, api::trace));
    sb.route().get("/api/dependencies").build(Handlers.blocking(log, JaegerApi::error, api::dependencies));
  }

  /** Jaeger's error envelope: {@code {"data":null,...,"errors":[{"code":400,"msg":"..."}]}}. */
  static HttpResponse error(HttpStatus status, String message) {
    ObjectNode out = envelope(null, 0);
    ArrayNode errors = out.putArray("errors");
    errors.addObject().put("code", status.code()).put("msg", message);
    return Json.of(status, out);
  }

  private static ObjectNode envelope(JsonNode data, int total) {
    ObjectNode out = Json.object();
    out.set("data", data);
    out.put("total", total);
    out.put("limit", 0);
    out.put("offset", 0);
    out.putNull("errors");
    return out;
  }

  private HttpResponse services(ServiceRequestContext ctx) {
    ArrayNode data = Json.MAPPER.createArrayNode();
    List<String> services = qs.services(0, qs.nowNanos() + HOUR);
    services.forEach(data::add);
    return Json.ok(envelope(data, services.size()));
  }

  private HttpResponse operationsLegacy(ServiceRequestContext ctx) {
    Set<String> names = new LinkedHashSet<>();
    for (SpanNameInfo s : qs.spanNames(ctx.pathParam("service"), null, 0, qs.nowNanos() + HOUR)) {
      names.add(s.name());
    }
    ArrayNode data = Json.MAPPER.createArrayNode();
    names.forEach(data::add);
    return Json.ok(envelope(data, names.size()));
  }

  private HttpResponse operations(ServiceRequestContext ctx) {
    Params p = Params.lenient(ctx);
    String service = p.string("service");
    if (service == null) {
      throw new BadQueryException("parameter 'service' is required");
    }
    String kind = p.string("spanKind");
    Integer k = kind == null ? null : SpanKinds.parseKind(kind);
    ArrayNode data = Json.MAPPER.createArrayNode();
    List<SpanNameInfo> names = qs.spanNames(service, k, 0, qs.nowNanos() + HOUR);
    for (SpanNameInfo s : names) {
      data.addObject().put("name", s.name()).put("spanKind", s.kind() == 0 ? "" : SpanKinds.kindName(s.kind()));
    }
    return Json.ok(envelope(data, names.size()));
  }

  private HttpResponse trace(ServiceRequestContext ctx) {
    TraceId id = parseTraceId(ctx.pathParam("traceId"));
    ExportTraceServiceRequest t = qs.trace(id).orElseThrow(() -> new NotFoundException("trace not found"));
    ArrayNode data = Json.MAPPER.createArrayNode();
    data.add(JaegerJson.trace(t));
    return Json.ok(envelope(data, 1));
  }

  /** Jaeger accepts 1 to 32 hex characters, left-padded with zeros. */
  static TraceId parseTraceId(String text) {
    if (text == null || !HEX.matcher(text).matches()) {
      throw new BadQueryException("invalid trace id '" + NativeApi.abbreviate(String.valueOf(text))
          + "': expected 1 to 32 hex characters");
    }
    TraceId id = TraceId.parseHex("0".repeat(32 - text.length()) + text.toLowerCase(Locale.ROOT));
    if (id == null || !id.isValid()) {
      throw new BadQueryException("invalid trace id '" + text + "': all zeros");
    }
    return id;
  }

  private HttpResponse search(ServiceRequestContext ctx) {
    Params p = Params.lenient(ctx);
    List<String> traceIds = p.all("traceID");
    ArrayNode data = Json.MAPPER.createArrayNode();
    if (!traceIds.isEmpty()) {
      List<TraceId> ids = new ArrayList<>();
      for (String t : traceIds) {
        ids.add(parseTraceId(t));
      }
      qs.traces(ids).values().forEach(t -> data.add(JaegerJson.trace(t)));
      return Json.ok(envelope(data, data.size()));
    }
    String service = p.string("service");
    if (service == null) {
      throw new BadQueryException("parameter 'service' is required");
    }
    long end = p.string("end") == null ? qs.nowNanos() : micros(p, "end");
    long start;
    if (p.string("start") != null) {
      start = micros(p, "start");
    } else {
      Long lookback = lookback(p.string("lookback"));
      start = end - (lookback == null ? DEFAULT_LOOKBACK : lookback);
    }
    if (start > end) {
      throw new BadQueryException("'start' is after 'end'");
    }
    Long min = p.duration("minDuration");
    Long max = p.duration("maxDuration");
    if (min != null && max != null && max < min) {
      throw new BadQueryException("'maxDuration' should be greater than 'minDuration'");
    }
    List<AttributeFilter> filters = new ArrayList<>();
    for (Map.Entry<String, String> e : tags(p).entrySet()) {
      filters.add(new AttributeFilter(AttributeFilter.Scope.ANY, e.getKey(), AttributeFilter.Op.EQ, e.getValue()));
    }
    int limit = p.integer("limit", DEFAULT_LIMIT, 0, TraceQuery.MAX_LIMIT);
    TraceQuery q = new TraceQuery(service, p.string("operation"), null, null, min, max, filters, start, end,
        limit == 0 ? DEFAULT_LIMIT : limit, null);
    List<TraceId> ids = new ArrayList<>();
    for (TraceSummary s : qs.search(q).traces()) {
      ids.add(s.traceId());
    }
    qs.traces(ids).values().forEach(t -> data.add(JaegerJson.trace(t)));
    return Json.ok(envelope(data, data.size()));
  }

  private static long micros(Params p, String name) {
    long v = p.longValue(name, 0);
    try {
      return Math.multiplyExact(v, MICRO);
    } catch (ArithmeticException e) {
      throw new BadQueryException("parameter '" + name + "' is out of range");
    }
  }

  /** The UI's lookback ({@code 1h}, {@code 2d}, or {@code custom}); null when it does not say. */
  private static Long lookback(String text) {
    if (text == null || text.equals("custom")) {
      return null;
    }
    Matcher m = DAYS.matcher(text);
    if (m.matches()) {
      return Long.parseLong(m.group(1)) * 24 * HOUR;
    }
    try {
      return Durations.parse(text).toNanos();
    } catch (IllegalArgumentException e) {
      throw new BadQueryException("parameter 'lookback': " + e.getMessage());
    }
  }

  /** {@code tags} (a JSON object of strings) and {@code tag=key:value}, merged. */
  private static Map<String, String> tags(Params p) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String t : p.all("tag")) {
      int colon = t.indexOf(':');
      if (colon <= 0) {
        throw new BadQueryException("malformed 'tag' parameter, expecting key:value, received: " + t);
      }
      out.put(t.substring(0, colon), t.substring(colon + 1));
    }
    for (String json : p.all("tags")) {
      try {
        Map<String, Object> m = Json.MAPPER.readValue(json, new TypeReference<Map<String, Object>>() {});
        m.forEach((k, v) -> {
          if (v == null || v instanceof Map || v instanceof List) {
            throw new BadQueryException("malformed 'tags' parameter: the value of '" + k + "' must be a string");
          }
          out.put(k, v.toString());
        });
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new BadQueryException("malformed 'tags' parameter, cannot unmarshal JSON: " + e.getOriginalMessage());
      }
    }
    return out;
  }

  private HttpResponse dependencies(ServiceRequestContext ctx) {
    Params p = Params.lenient(ctx);
    long end = p.string("endTs") == null ? qs.nowNanos() : Math.multiplyExact(p.longValue("endTs", 0), MILLI);
    long lookback = p.string("lookback") == null ? DEFAULT_DEPENDENCY_LOOKBACK
        : Math.multiplyExact(p.longValue("lookback", 0), MILLI);
    if (lookback < 0) {
      throw new BadQueryException("parameter 'lookback' must not be negative");
    }
    ArrayNode data = Json.MAPPER.createArrayNode();
    List<ServiceEdge> edges = qs.serviceGraph(end - lookback, end);
    for (ServiceEdge e : edges) {
      data.addObject().put("parent", e.parent()).put("child", e.child()).put("callCount", e.callCount());
    }
    return Json.ok(envelope(data, edges.size()));
  }
}
