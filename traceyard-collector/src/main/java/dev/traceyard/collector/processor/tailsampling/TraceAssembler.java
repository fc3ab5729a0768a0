package dev.traceyard.collector.processor.tailsampling;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Builds one request from several kept traces, grouping spans by resource and scope, and records the
 * deciding policy on each span. Only kept traces get here, so only they pay for new protobufs.
 */
final class TraceAssembler {
  private record ResourceKey(Resource resource, String schemaUrl) {}

  private record ScopeKey(InstrumentationScope scope, String schemaUrl) {}

  private final String attributeKey;
  private final Map<String, KeyValue> attributes = new ConcurrentHashMap<>();

  /** @param attributeKey the span attribute naming the policy; empty for none */
  TraceAssembler(String attributeKey) {
    this.attributeKey = attributeKey;
  }

  ExportTraceServiceRequest assemble(List<Outgoing> traces) {
    Map<ResourceKey, Map<ScopeKey, ScopeSpans.Builder>> byResource = new LinkedHashMap<>();
    for (Outgoing o : traces) {
      KeyValue attribute = attributeKey.isEmpty() || o.policy() == null ? null
          : attributes.computeIfAbsent(o.policy(), p -> KeyValue.newBuilder().setKey(attributeKey)
              .setValue(AnyValue.newBuilder().setStringValue(p)).build());
      List<ResourceSpans> decoded = o.decoded();
      for (int i = 0; i < o.fragments().size(); i++) {
        Fragment f = o.fragments().get(i);
        ResourceSpans rs = decoded != null && i < decoded.size() ? decoded.get(i) : TraceBuffer.decode(f);
        Origin origin = f.origin();
        ScopeSpans.Builder scope = byResource
            .computeIfAbsent(new ResourceKey(origin.resource(), origin.resourceSchemaUrl()), k -> new LinkedHashMap<>())
            .computeIfAbsent(new ScopeKey(origin.scope(), origin.scopeSchemaUrl()),
                k -> ScopeSpans.newBuilder().setScope(k.scope()).setSchemaUrl(k.schemaUrl()));
        for (Span span : rs.getScopeSpans(0).getSpansList()) {
          scope.addSpans(attribute == null ? span : withAttribute(span, attribute));
        }
      }
    }
    ExportTraceServiceRequest.Builder out = ExportTraceServiceRequest.newBuilder();
    byResource.forEach((rk, scopes) -> {
      ResourceSpans.Builder rs = ResourceSpans.newBuilder().setResource(rk.resource()).setSchemaUrl(rk.schemaUrl());
      scopes.values().forEach(rs::addScopeSpans);
      out.addResourceSpans(rs);
    });
    return out.build();
  }

  /** Sets the attribute, replacing an existing value of the key (a span may come back through a second sampler). */
  private static Span withAttribute(Span span, KeyValue attribute) {
    Span.Builder b = span.toBuilder();
    for (int i = 0; i < b.getAttributesCount(); i++) {
      if (b.getAttributes(i).getKey().equals(attribute.getKey())) {
        return b.setAttributes(i, attribute).build();
      }
    }
    return b.addAttributes(attribute).build();
  }
}
