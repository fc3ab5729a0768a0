package dev.traceyard.collector.processor.tracequality;

import dev.traceyard.collector.otlp.Hex;
import dev.traceyard.collector.processor.tracequality.TraceQualityConfig.AttributeAction;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.Set;

/**
 * Applies the configured action to high-cardinality attributes on the spans passing through: keys
 * named in {@code cardinality.keys} always, and, with {@code cardinality.action}, the (key, service,
 * span name) triples the last report flagged. Copies only the spans it changes.
 */
final class AttributeRewriter {
  static final String MOVED_EVENT = "traceyard.moved_attributes";

  private final Map<String, AttributeAction> keyActions;
  private final AttributeAction flaggedAction;
  /** key -> "service NUL span name" flagged; replaced wholesale by the analysis thread. */
  private volatile Map<String, Set<String>> flagged = Map.of();

  AttributeRewriter(Map<String, AttributeAction> keyActions, AttributeAction flaggedAction) {
    this.keyActions = Map.copyOf(keyActions);
    this.flaggedAction = flaggedAction;
  }

  boolean active() {
    return !keyActions.isEmpty() || (flaggedAction != AttributeAction.NONE && !flagged.isEmpty());
  }

  void flagged(Map<String, Set<String>> flaggedKeys) {
    if (flaggedAction != AttributeAction.NONE) {
      this.flagged = Map.copyOf(flaggedKeys);
    }
  }

  /** The request with the actions applied; the same instance when nothing matched. */
  ExportTraceServiceRequest apply(ExportTraceServiceRequest request) {
    Map<String, Set<String>> flaggedNow = flaggedAction == AttributeAction.NONE ? Map.of() : flagged;
    ExportTraceServiceRequest.Builder out = null;
    for (int r = 0; r < request.getResourceSpansCount(); r++) {
      ResourceSpans rs = request.getResourceSpans(r);
      String service = null;
      for (int s = 0; s < rs.getScopeSpansCount(); s++) {
        ScopeSpans ss = rs.getScopeSpans(s);
        for (int i = 0; i < ss.getSpansCount(); i++) {
          Span span = ss.getSpans(i);
          Span changed = null;
          for (int a = 0; a < span.getAttributesCount(); a++) {
            String key = span.getAttributes(a).getKey();
            AttributeAction action = keyActions.get(key);
            if (action == null && !flaggedNow.isEmpty()) {
              Set<String> where = flaggedNow.get(key);
              if (where != null) {
                if (service == null) {
                  service = serviceName(rs);
                }
                if (where.contains(service + "\u0000" + span.getName())) {
                  action = flaggedAction;
                }
              }
            }
            if (action != null && action != AttributeAction.NONE) {
              changed = rewrite(changed == null ? span : changed, key, action);
            }
          }
          if (changed != null) {
            if (out == null) {
              out = request.toBuilder();
            }
            out.getResourceSpansBuilder(r).getScopeSpansBuilder(s).setSpans(i, changed);
          }
        }
      }
    }
    return out == null ? request : out.build();
  }

  private static Span rewrite(Span span, String key, AttributeAction action) {
    Span.Builder b = span.toBuilder();
    for (int a = 0; a < b.getAttributesCount(); a++) {
      KeyValue kv = b.getAttributes(a);
      if (!kv.getKey().equals(key)) {
        continue;
      }
      switch (action) {
        case DROP:
          b.removeAttributes(a);
          break;
        case HASH:
          b.setAttributes(a, KeyValue.newBuilder().setKey(key)
              .setValue(AnyValue.newBuilder().setStringValue(hash(kv.getValue()))));
          break;
        case MOVE_TO_EVENT:
          b.removeAttributes(a);
          b.addEvents(Span.Event.newBuilder().setName(MOVED_EVENT).setTimeUnixNano(span.getStartTimeUnixNano())
              .addAttributes(kv));
          break;
        default:
          break;
      }
      return b.build();
    }
    return span;
  }

  /** SHA-256 of the value's text, first 16 bytes in hex: equal values stay equal, the value is not readable. */
  static String hash(AnyValue v) {
    String text = v.getValueCase() == AnyValue.ValueCase.STRING_VALUE ? v.getStringValue() : v.toString();
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return Hex.encode(java.util.Arrays.copyOf(d, 16));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  private static String serviceName(ResourceSpans rs) {
    for (KeyValue kv : rs.getResource().getAttributesList()) {
      if (kv.getKey().equals("service.name")) {
        return kv.getValue().getStringValue();
      }
    }
    return "unknown_service";
  }
}
