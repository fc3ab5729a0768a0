package dev.traceyard.collector.processor.tailsampling.policy;

import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Sampled when a span's W3C {@code tracestate} has {@code key} with one of {@code values}. */
final class TraceStatePolicy implements Policy {
  private final String key;
  private final Set<String> values;

  TraceStatePolicy(String key, List<String> values) {
    this.key = key;
    this.values = new HashSet<>(values);
    this.values.remove("");
  }

  @Override
  public Decision evaluate(TraceData trace) {
    for (ResourceSpans rs : trace.resourceSpans()) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span span : ss.getSpansList()) {
          String state = span.getTraceState();
          if (!state.isEmpty()) {
            String v = valueOf(state, key);
            if (v != null && values.contains(v)) {
              return Decision.SAMPLED;
            }
          }
        }
      }
    }
    return Decision.NOT_SAMPLED;
  }

  /** The value of {@code key} in a tracestate header ({@code k1=v1,k2=v2}), or null. */
  static String valueOf(String traceState, String key) {
    int from = 0;
    int n = traceState.length();
    while (from <= n) {
      int comma = traceState.indexOf(',', from);
      int end = comma < 0 ? n : comma;
      String member = traceState.substring(from, end).trim();
      int eq = member.indexOf('=');
      if (eq > 0 && member.substring(0, eq).equals(key)) {
        return member.substring(eq + 1);
      }
      if (comma < 0) {
        break;
      }
      from = comma + 1;
    }
    return null;
  }
}
