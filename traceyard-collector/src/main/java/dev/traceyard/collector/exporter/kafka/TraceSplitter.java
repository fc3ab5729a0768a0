package dev.traceyard.collector.exporter.kafka;

import com.google.protobuf.ByteString;
import dev.traceyard.collector.data.TraceBatch;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Splits a trace batch into one batch per trace id, each keeping the resource and scope of its
 * spans, so that every message keyed by a trace id holds that trace's spans only.
 */
final class TraceSplitter {
  private TraceSplitter() {}

  /** One trace's part of a batch. */
  record TracePart(ByteString traceId, TraceBatch batch) {}

  static List<TracePart> byTraceId(TraceBatch batch) {
    ExportTraceServiceRequest request = batch.request();
    // Common case first: a batch that already holds a single trace is sent as it is.
    ByteString only = singleTraceId(request);
    if (only != null) {
      return List.of(new TracePart(only, batch));
    }
    Map<ByteString, Map<Integer, ResourceSpans.Builder>> resources = new LinkedHashMap<>();
    Map<ByteString, Map<Long, ScopeSpans.Builder>> scopes = new LinkedHashMap<>();
    List<ResourceSpans> rsList = request.getResourceSpansList();
    for (int r = 0; r < rsList.size(); r++) {
      ResourceSpans rs = rsList.get(r);
      List<ScopeSpans> ssList = rs.getScopeSpansList();
      for (int s = 0; s < ssList.size(); s++) {
        ScopeSpans ss = ssList.get(s);
        for (Span span : ss.getSpansList()) {
          ByteString id = span.getTraceId();
          final int ri = r;
          Map<Integer, ResourceSpans.Builder> byResource = resources.computeIfAbsent(id, k -> new LinkedHashMap<>());
          byResource.computeIfAbsent(ri, k -> rs.toBuilder().clearScopeSpans());
          long scopeKey = ((long) r << 32) | s;
          scopes.computeIfAbsent(id, k -> new LinkedHashMap<>())
              .computeIfAbsent(scopeKey, k -> ss.toBuilder().clearSpans())
              .addSpans(span);
        }
      }
    }
    List<TracePart> out = new ArrayList<>(resources.size());
    for (Map.Entry<ByteString, Map<Integer, ResourceSpans.Builder>> e : resources.entrySet()) {
      Map<Integer, ResourceSpans.Builder> byResource = e.getValue();
      for (Map.Entry<Long, ScopeSpans.Builder> se : scopes.get(e.getKey()).entrySet()) {
        byResource.get((int) (se.getKey() >>> 32)).addScopeSpans(se.getValue());
      }
      ExportTraceServiceRequest.Builder b = ExportTraceServiceRequest.newBuilder();
      byResource.values().forEach(b::addResourceSpans);
      out.add(new TracePart(e.getKey(), TraceBatch.of(b.build())));
    }
    return out;
  }

  private static ByteString singleTraceId(ExportTraceServiceRequest request) {
    ByteString id = null;
    for (ResourceSpans rs : request.getResourceSpansList()) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span span : ss.getSpansList()) {
          if (id == null) {
            id = span.getTraceId();
          } else if (!id.equals(span.getTraceId())) {
            return null;
          }
        }
      }
    }
    return id;
  }
}
