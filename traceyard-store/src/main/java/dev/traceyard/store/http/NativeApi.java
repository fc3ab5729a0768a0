package dev.traceyard.store.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.traceyard.collector.telemetry.RateLimitedLogger;
import dev.traceyard.store.query.AttributeCount;
import dev.traceyard.store.query.AttributeFilter;
import dev.traceyard.store.query.BadQueryException;
import dev.traceyard.store.query.Exemplar;
import dev.traceyard.store.query.ExemplarQuery;
import dev.traceyard.store.query.Ids;
import dev.traceyard.store.query.QualityCost;
import dev.traceyard.store.query.QualityFindings;
import dev.traceyard.store.query.MetricQuery;
import dev.traceyard.store.query.QueryService;
import dev.traceyard.store.query.RedQuery;
import dev.traceyard.store.query.RedSeries;
import dev.traceyard.store.query.SearchResult;
import dev.traceyard.store.query.ServiceEdge;
import dev.traceyard.store.query.SpanKinds;
import dev.traceyard.store.query.SpanNameInfo;
import dev.traceyard.store.query.TraceId;
import dev.traceyard.store.query.TraceQuery;
import dev.traceyard.store.query.TraceSummary;
import java.util.ArrayList;
import java.util.List;

/** The native JSON API under {@code /api/v1/}; see docs/query-api.md. */
final class NativeApi {
  static final long HOUR = 3_600_000_000_000L;
  private static final long MINUTE = RedQuery.MINUTE_NANOS;
  /** Services, span names and attribute keys default to everything stored. */
  private static final long EVERYTHING = 100L * 365 * 24 * HOUR;

  private final QueryService qs;

  private NativeApi(QueryService qs) {
    this.qs = qs;
  }

  static void register(ServerBuilder sb, QueryService qs, RateLimitedLogger log) {
    NativeApi api = new NativeApi(qs);
    String p = "/api/v1";
    sb.route().get(p + "/traces").build(Handlers.blocking(log, Json::error, api::search));
    sb.route().get(p + "/traces/{traceId}").build(Handlers.blocking(log, Json::error, api::trace));
    sb.route().get(p + "/traces/{traceId}/logs").build(Handlers.blocking(log, Json::error, api::logs));
    sb.route().get(p + "/services").build(Handlers.blocking(log, Json::error, api::services));
    sb.route().get(p + "/services/{service}/spans").build(Handlers.blocking(log, Json::error, api::spanNames));
    sb.route().get(p + "/attributes").build(Handlers.blocking(log, Json::error, api::attributeKeys));
    sb.route().get(p + "/attributes/{key}/values").build(Handlers.blocking(log, Json::error, api::attributeValues));
    sb.route().get(p + "/red").build(Handlers.blocking(log, Json::error, api::red));
    sb.route().get(p + "/exemplars").build(Handlers.blocking(log, Json::error, api::exemplars));
    sb.route().get(p + "/dependencies").build(Handlers.blocking(log, Json::error, api::dependencies));
    sb.route().get(p + "/metrics").build(Handlers.blocking(log, Json::error, api::metrics));
    sb.route().get(p + "/quality/findings").build(Handlers.blocking(log, Json::error, api::qualityFindings));
    sb.route().get(p + "/quality/cost").build(Handlers.blocking(log, Json::error, api::qualityCost));
  }

  static TraceId traceId(String text) {
    TraceId id = TraceId.parseHex(text);
    if (id == null || !id.isValid()) {
      throw new BadQueryException("invalid trace id '" + abbreviate(text) + "': expected 32 hex characters, not all zero");
    }
    return id;
  }

  private HttpResponse trace(ServiceRequestContext ctx) {
    Params.strict(ctx);
    TraceId id = traceId(ctx.pathParam("traceId"));
    return Json.otlp(qs.trace(id).orElseThrow(() -> new NotFoundException("trace " + id + " not found")));
  }

  private HttpResponse logs(ServiceRequestContext ctx) {
    Params p = Params.strict(ctx, "spanId");
    TraceId id = traceId(ctx.pathParam("traceId"));
    Long spanId = null;
    String s = p.string("spanId");
    if (s != null) {
      spanId = Ids.parseSpanId(s);
      if (spanId == null) {
        throw new BadQueryException("invalid spanId '" + abbreviate(s) + "': expected 16 hex characters");
      }
    }
    return Json.otlp(qs.logs(id, spanId));
  }

  private HttpResponse search(ServiceRequestContext ctx) {
    Params p = Params.strict(ctx, "service", "name", "kind", "status", "minDuration", "maxDuration", "attr", "start",
        "end", "lookback", "limit", "cursor");
    TimeWindow w = TimeWindow.of(p, qs.nowNanos(), HOUR);
    List<AttributeFilter> filters = new ArrayList<>();
    for (String a : p.all("attr")) {
      filters.add(AttributeFilter.parse(a));
    }
    String kind = p.string("kind");
    String status = p.string("status");
    TraceQuery q = new TraceQuery(p.string("service"), p.string("name"),
        kind == null ? null : SpanKinds.parseKind(kind), status == null ? null : SpanKinds.parseStatus(status),
        p.duration("minDuration"), p.duration("maxDuration"), filters, w.start(), w.end(),
        p.integer("limit", 20, 1, TraceQuery.MAX_LIMIT), p.string("cursor"));
    SearchResult r = qs.search(q);
    ObjectNode out = Json.object();
    ArrayNode traces = out.putArray("traces");
    for (TraceSummary t : r.traces()) {
      ObjectNode n = traces.addObject();
      n.put("traceId", t.traceId().toHex());
      n.put("rootServiceName", t.rootServiceName());
      n.put("rootSpanName", t.rootSpanName());
      n.put("startTimeUnixNano", Long.toUnsignedString(t.startNanos()));
      n.put("durationNanos", t.durationNanos());
      n.put("spanCount", t.spanCount());
      n.put("errorCount", t.errorCount());
      ArrayNode services = n.putArray("services");
      t.services().forEach(services::add);
    }
    out.put("nextCursor", r.nextCursor());
    return Json.ok(out);
  }

  private HttpResponse services(ServiceRequestContext ctx) {
    Params p = Params.strict(ctx, "start", "end", "lookback");
    TimeWindow w = TimeWindow.of(p, qs.nowNanos() + HOUR, EVERYTHING);
    ObjectNode out = Json.object();
    ArrayNode a = out.putArray("services");
    qs.services(w.start(), w.end()).forEach(a::add);
    return Json.ok(out);
  }

  private HttpResponse spanNames(ServiceRequestContext ctx) {
    Params p = Params.strict(ctx, "kind", "start", "end", "lookback");
    TimeWindow w = TimeWindow.of(p, qs.nowNanos() + HOUR, EVERYTHING);
    String kind = p.string("kind");
    ObjectNode out = Json.object();
    ArrayNode a = out.putArray("spanNames");
    for (SpanNameInfo s : qs.spanNames(ctx.pathParam("service"), kind == null ? null : SpanKinds.parseKind(kind),
        w.start(), w.end())) {
      ObjectNode n = a.addObject();
      n.put("name", s.name());
      n.put("kind", SpanKinds.kindName(s.kind()));
      n.put("count", s.count());
    }
    return Json.ok(out);
  }

  private HttpResponse attributeKeys(ServiceRequestContext ctx) {
    Params p = Params.strict(ctx, "scope", "service", "start", "end", "lookback", "limit");
    TimeWindow w = TimeWindow.of(p, qs.nowNanos() + HOUR, EVERYTHING);
    ObjectNode out = Json.object();
    ArrayNode a = out.putArray("keys");
    for (AttributeCount c : qs.attributeKeys(scope(p), p.string("service"), w.start(), w.end(),
        p.integer("limit", 100, 1, 10_000))) {
      a.addObject().put("key", c.text()).put("count", c.count());
    }
    return Json.ok(out);
  }

  private HttpResponse attributeValues(ServiceRequestContext ctx) {
    Params p = Params.strict(ctx, "scope", "service", "prefix", "start", "end", "lookback", "limit");
    TimeWindow w = TimeWindow.of(p, qs.nowNanos() + HOUR, EVERYTHING);
    ObjectNode out = Json.object();
    ArrayNode a = out.putArray("values");
    for (AttributeCount c : qs.attributeValues(scope(p), ctx.pathParam("key"), p.string("service"), p.string("prefix"),
        w.start(), w.end(), p.integer("limit", 100, 1, 10_000))) {
      a.addObject().put("value", c.text()).put("count", c.count());
    }
    return Json.ok(out);
  }

  private static AttributeFilter.Scope scope(Params p) {
    String s = p.string("scope");
    if (s == null || s.equalsIgnoreCase("span")) {
      return AttributeFilter.Scope.SPAN;
    }
    if (s.equalsIgnoreCase("resource")) {
      return AttributeFilter.Scope.RESOURCE;
    }
    throw new BadQueryException("unknown scope '" + s + "' (expected span or resource)");
  }

  private HttpResponse red(ServiceRequestContext ctx) {
    Params p = Params.strict(ctx, "service", "name", "kind", "groupBy", "start", "end", "lookback", "step");
    TimeWindow w = TimeWindow.of(p, qs.nowNanos(), HOUR);
    long start = Math.floorDiv(w.start(), MINUTE) * MINUTE;
    long end = Math.max(start + MINUTE, -Math.floorDiv(-w.end(), MINUTE) * MINUTE);
    Long step = p.duration("step");
    if (step == null) {
      long minutes = Math.max(1, -Math.floorDiv(-(end - start), 60 * MINUTE));
      step = minutes * MINUTE;
    }
    String groupBy = p.string("groupBy");
    boolean bySpan;
    if (groupBy == null || groupBy.equals("service")) {
      bySpan = p.string("name") != null;
    } else if (groupBy.equals("name")) {
      bySpan = true;
    } else {
      throw new BadQueryException("unknown groupBy '" + groupBy + "' (expected service or name)");
    }
    String kind = p.string("kind");
    List<RedSeries> series = qs.red(new RedQuery(p.string("service"), p.string("name"),
        kind == null ? null : SpanKinds.parseKind(kind), start, end, step, bySpan));
    ObjectNode out = Json.object();
    out.put("stepSeconds", step / 1_000_000_000L);
    ArrayNode a = out.putArray("series");
    for (RedSeries s : series) {
      ObjectNode n = a.addObject();
      n.put("service", s.service());
      n.put("spanName", s.spanName());
      ArrayNode points = n.putArray("points");
      for (RedSeries.Point pt : s.points()) {
        ObjectNode o = points.addObject();
        o.put("timeUnixNano", Long.toString(pt.timeNanos()));
        o.put("count", pt.count());
        o.put("errors", pt.errors());
        o.put("rate", pt.rate());
        o.put("errorRate", pt.errorRate());
        o.put("avgMs", pt.avgMillis());
        o.put("p50Ms", pt.p50Millis());
        o.put("p95Ms", pt.p95Millis());
        o.put("p99Ms", pt.p99Millis());
      }
    }
    return Json.ok(out);
  }

  private HttpResponse exemplars(ServiceRequestContext ctx) {
    Params p = Params.strict(ctx, "service", "name", "kind", "status", "near", "start", "end", "lookback", "limit");
    TimeWindow w = TimeWindow.of(p, qs.nowNanos(), HOUR);
    String kind = p.string("kind");
    String status = p.string("status");
    List<Exemplar> found = qs.exemplars(new ExemplarQuery(p.string("service"), p.string("name"),
        kind == null ? null : SpanKinds.parseKind(kind), status == null ? null : SpanKinds.parseStatus(status),
        p.duration("near"), w.start(), w.end(), p.integer("limit", 10, 1, ExemplarQuery.MAX_LIMIT)));
    ObjectNode out = Json.object();
    ArrayNode a = out.putArray("exemplars");
    for (Exemplar e : found) {
      a.addObject()
          .put("traceId", e.traceId().toHex())
          .put("spanId", Ids.hex(e.spanId()))
          .put("service", e.service())
          .put("spanName", e.spanName())
          .put("startTimeUnixNano", Long.toString(e.startNanos()))
          .put("durationNanos", e.durationNanos())
          .put("status", SpanKinds.statusName(e.statusCode()));
    }
    return Json.ok(out);
  }

  private HttpResponse dependencies(ServiceRequestContext ctx) {
    Params p = Params.strict(ctx, "start", "end", "lookback");
    TimeWindow w = TimeWindow.of(p, qs.nowNanos(), HOUR);
    ObjectNode out = Json.object();
    ArrayNode a = out.putArray("edges");
    for (ServiceEdge e : qs.serviceGraph(w.start(), w.end())) {
      ObjectNode n = a.addObject();
      n.put("parent", e.parent());
      n.put("child", e.child());
      n.put("callCount", e.callCount());
      n.put("errorCount", e.errorCount());
      n.put("rate", e.ratePerSecond());
      n.put("errorRate", e.errorRate());
      n.put("p50Ms", e.p50Millis());
      n.put("p95Ms", e.p95Millis());
      n.put("p99Ms", e.p99Millis());
    }
    return Json.ok(out);
  }

  private HttpResponse metrics(ServiceRequestContext ctx) {
    Params p = Params.strict(ctx, "service", "name", "start", "end", "lookback", "limit");
    TimeWindow w = TimeWindow.of(p, qs.nowNanos(), HOUR);
    return Json.otlp(qs.metrics(new MetricQuery(p.string("service"), p.string("name"), w.start(), w.end(),
        p.integer("limit", 10_000, 1, 100_000))));
  }

  private HttpResponse qualityFindings(ServiceRequestContext ctx) {
    Params p = Params.strict(ctx, "service", "start", "end", "lookback");
    TimeWindow w = TimeWindow.of(p, qs.nowNanos(), HOUR);
    String service = p.string("service");
    QualityFindings f = qs.quality().findings(service, w.start(), w.end());
    ObjectNode out = Json.object();
    out.put("startUnixNano", Long.toString(w.start()));
    out.put("endUnixNano", Long.toString(w.end()));
    if (service == null) {
      ArrayNode a = out.putArray("services");
      for (QualityFindings.ServiceSummary s : f.services()) {
        a.addObject()
            .put("service", s.service())
            .put("worstShare", s.worstShare())
            .put("worstKind", s.worstKind())
            .put("findingKinds", s.kinds())
            .put("findings", s.findings())
            .put("tracesTotal", s.tracesTotal());
      }
      return Json.ok(out);
    }
    out.put("service", service);
    out.put("bucketSeconds", f.bucketNanos() / 1_000_000_000L);
    out.put("bucketStartUnixNano", Long.toString(f.bucketStartNanos()));
    long total = f.services().stream().filter(s -> service.equals(s.service())).mapToLong(
        QualityFindings.ServiceSummary::tracesTotal).findFirst().orElse(0);
    out.put("tracesTotal", total);
    ArrayNode a = out.putArray("findings");
    for (QualityFindings.Finding x : f.findings()) {
      ObjectNode n = a.addObject();
      n.put("kind", x.kind());
      n.put("spanName", x.spanName());
      n.put("attributeKey", x.attributeKey());
      n.put("peerService", x.peerService());
      n.put("count", x.count());
      n.put("tracesAffected", x.tracesAffected());
      n.put("tracesTotal", x.tracesTotal());
      n.put("share", x.share());
      ArrayNode trend = n.putArray("trend");
      for (long c : x.trend()) {
        trend.add(c);
      }
      ArrayNode examples = n.putArray("examples");
      for (QualityFindings.Example e : x.examples()) {
        examples.addObject()
            .put("traceId", e.traceId().toHex())
            .put("spanId", e.spanId() == null ? null : Ids.hex(e.spanId()))
            .put("timeUnixNano", Long.toString(e.timeNanos()));
      }
      n.put("detail", x.detail());
      n.put("cardinalityEstimate", x.cardinalityEstimate());
      n.put("lastSeenUnixNano", Long.toString(x.lastSeenNanos()));
    }
    return Json.ok(out);
  }

  private HttpResponse qualityCost(ServiceRequestContext ctx) {
    Params p = Params.strict(ctx, "service", "start", "end", "lookback");
    TimeWindow w = TimeWindow.of(p, qs.nowNanos(), HOUR);
    QualityCost c = qs.quality().cost(p.string("service"), w.start(), w.end());
    ObjectNode out = Json.object();
    out.put("startUnixNano", Long.toString(w.start()));
    out.put("endUnixNano", Long.toString(w.end()));
    out.put("observedSeconds", c.observedSeconds());
    out.put("totalBytes", c.totalBytes());
    ArrayNode a = out.putArray("services");
    for (QualityCost.ServiceCost s : c.services()) {
      ObjectNode n = a.addObject();
      n.put("service", s.service());
      n.put("traces", s.traces());
      n.put("spans", s.spans());
      n.put("bytes", s.bytes());
      n.put("attributeBytes", s.attributeBytes());
      n.put("tracesPerSecond", s.tracesPerSecond());
      n.put("spansPerTrace", s.spansPerTrace());
      n.put("bytesPerSpan", s.bytesPerSpan());
      n.put("share", s.share());
      n.putObject("lever").put("name", s.lever().name()).put("reason", s.lever().reason());
      if (p.string("service") == null) {
        continue;
      }
      ArrayNode names = n.putArray("spanNames");
      for (QualityCost.SpanNameCost x : s.spanNames()) {
        names.addObject()
            .put("name", x.name())
            .put("spans", x.spans())
            .put("traces", x.traces())
            .put("bytes", x.bytes())
            .put("attributeBytes", x.attributeBytes())
            .put("spansPerSecond", x.spansPerSecond())
            .put("spansPerTrace", x.spansPerTrace())
            .put("bytesPerSpan", x.bytesPerSpan())
            .put("share", x.share());
      }
      ArrayNode attrs = n.putArray("attributes");
      for (QualityCost.AttributeCost x : s.attributes()) {
        attrs.addObject().put("key", x.key()).put("bytes", x.bytes()).put("count", x.count()).put("share", x.share());
      }
    }
    return Json.ok(out);
  }

  static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "...";
  }
}
