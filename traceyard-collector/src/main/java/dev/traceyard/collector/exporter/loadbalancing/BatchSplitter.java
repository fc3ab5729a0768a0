package dev.traceyard.collector.exporter.loadbalancing;

import com.google.protobuf.ByteString;
import dev.traceyard.collector.data.TraceBatch;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.function.LongToIntFunction;

/**
 * Splits a batch of spans by owner. Resource and scope are kept with each part, so every part is a
 * complete OTLP request; with {@link RoutingKey#TRACE_ID} all spans of one trace land in one part.
 * A batch with a single owner is returned as is, without copying.
 */
final class BatchSplitter {
  private BatchSplitter() {}

  /**
   * @param owners endpoint index for a key hash, in {@code [0, endpoints)}
   * @return one batch per endpoint index, null where the endpoint gets nothing
   */
  static TraceBatch[] split(TraceBatch batch, RoutingKey key, int endpoints, LongToIntFunction owners) {
    ExportTraceServiceRequest request = batch.request();
    TraceBatch[] out = new TraceBatch[endpoints];
    int single = singleOwner(request, key, owners);
    if (single >= 0) {
      out[single] = batch;
      return out;
    }
    if (single == EMPTY) {
      return out;
    }
    ExportTraceServiceRequest.Builder[] requests = new ExportTraceServiceRequest.Builder[endpoints];
    int[] counts = new int[endpoints];
    for (ResourceSpans rs : request.getResourceSpansList()) {
      if (key == RoutingKey.SERVICE) {
        int o = owners.applyAsInt(Hashing.ofString(serviceName(rs)));
        if (rs.getScopeSpansCount() > 0) {
          request(requests, o).addResourceSpans(rs);
          for (ScopeSpans ss : rs.getScopeSpansList()) {
            counts[o] += ss.getSpansCount();
          }
        }
        continue;
      }
      ResourceSpans.Builder[] resources = new ResourceSpans.Builder[endpoints];
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        ScopeSpans.Builder[] scopes = new ScopeSpans.Builder[endpoints];
        ByteString lastTrace = null;
        int lastOwner = -1;
        for (Span span : ss.getSpansList()) {
          ByteString trace = span.getTraceId();
          int o = trace.equals(lastTrace) ? lastOwner : owners.applyAsInt(Hashing.ofTraceId(trace));
          lastTrace = trace;
          lastOwner = o;
          if (scopes[o] == null) {
            if (resources[o] == null) {
              resources[o] = ResourceSpans.newBuilder().setResource(rs.getResource()).setSchemaUrl(rs.getSchemaUrl());
            }
            scopes[o] = ScopeSpans.newBuilder().setScope(ss.getScope()).setSchemaUrl(ss.getSchemaUrl());
          }
          scopes[o].addSpans(span);
          counts[o]++;
        }
        for (int o = 0; o < endpoints; o++) {
          if (scopes[o] != null) {
            resources[o].addScopeSpans(scopes[o]);
          }
        }
      }
      for (int o = 0; o < endpoints; o++) {
        if (resources[o] != null) {
          request(requests, o).addResourceSpans(resources[o]);
        }
      }
    }
    for (int o = 0; o < endpoints; o++) {
      if (requests[o] != null) {
        out[o] = new TraceBatch(requests[o].build(), counts[o]);
      }
    }
    return out;
  }

  private static final int MIXED = -1;
  private static final int EMPTY = -2;

  /** The one owner of every span, MIXED when there are several, EMPTY when there is no span. */
  private static int singleOwner(ExportTraceServiceRequest request, RoutingKey key, LongToIntFunction owners) {
    int owner = EMPTY;
    for (ResourceSpans rs : request.getResourceSpansList()) {
      if (key == RoutingKey.SERVICE) {
        int o = owners.applyAsInt(Hashing.ofString(serviceName(rs)));
        if (owner != EMPTY && o != owner) {
          return MIXED;
        }
        owner = o;
        continue;
      }
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        ByteString lastTrace = null;
        for (Span span : ss.getSpansList()) {
          ByteString trace = span.getTraceId();
          if (trace.equals(lastTrace)) {
            continue;
          }
          lastTrace = trace;
          int o = owners.applyAsInt(Hashing.ofTraceId(trace));
          if (owner != EMPTY && o != owner) {
            return MIXED;
          }
          owner = o;
        }
      }
    }
    return owner;
  }

  private static ExportTraceServiceRequest.Builder request(ExportTraceServiceRequest.Builder[] requests, int o) {
    if (requests[o] == null) {
      requests[o] = ExportTraceServiceRequest.newBuilder();
    }
    return requests[o];
  }

  /** {@code service.name} of the resource; empty when absent (all such spans then share one endpoint). */
  static String serviceName(ResourceSpans rs) {
    for (KeyValue kv : rs.getResource().getAttributesList()) {
      if (kv.getKey().equals("service.name")) {
        return kv.getValue().getStringValue();
      }
    }
    return "";
  }
}
