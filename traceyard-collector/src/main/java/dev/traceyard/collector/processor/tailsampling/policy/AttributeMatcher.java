package dev.traceyard.collector.processor.tailsampling.policy;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.List;
import java.util.function.Predicate;

/**
 * The attribute policies' common walk, as otelcol does it: a trace matches when its resource or any
 * of its spans has the key with a value the predicate accepts; with {@code invert_match} a match
 * becomes {@link Decision#INVERTED_NOT_SAMPLED} and its absence {@link Decision#INVERTED_SAMPLED}.
 */
final class AttributeMatcher {
  /** The key as UTF-8 bytes, compared with each attribute's key bytes so keys are never decoded to strings. */
  private final ByteString key;
  private final boolean invert;

  AttributeMatcher(String key, boolean invert) {
    this.key = ByteString.copyFromUtf8(key);
    this.invert = invert;
  }

  Decision evaluate(TraceData trace, Predicate<AnyValue> accepts) {
    boolean match = anyMatch(trace.resourceSpans(), accepts);
    if (invert) {
      return match ? Decision.INVERTED_NOT_SAMPLED : Decision.INVERTED_SAMPLED;
    }
    return match ? Decision.SAMPLED : Decision.NOT_SAMPLED;
  }

  private boolean anyMatch(List<ResourceSpans> resourceSpans, Predicate<AnyValue> accepts) {
    for (ResourceSpans rs : resourceSpans) {
      if (matches(rs.getResource().getAttributesList(), accepts)) {
        return true;
      }
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span span : ss.getSpansList()) {
          if (matches(span.getAttributesList(), accepts)) {
            return true;
          }
        }
      }
    }
    return false;
  }

  private boolean matches(List<KeyValue> attributes, Predicate<AnyValue> accepts) {
    for (int i = 0, n = attributes.size(); i < n; i++) {
      KeyValue kv = attributes.get(i);
      if (kv.getKeyBytes().equals(key) && accepts.test(kv.getValue())) {
        return true;
      }
    }
    return false;
  }
}
