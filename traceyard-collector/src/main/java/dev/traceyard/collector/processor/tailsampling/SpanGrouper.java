package dev.traceyard.collector.processor.tailsampling;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import dev.traceyard.collector.processor.tailsampling.policy.SpanStats;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Splits a request into per-trace groups of encoded fragments, gathering each trace's {@link SpanStats} on the way. */
final class SpanGrouper {
  /** Field number of {@code ScopeSpans.spans}. */
  private static final int SPANS_FIELD = ScopeSpans.SPANS_FIELD_NUMBER;

  private SpanGrouper() {}

  /** The spans of one trace in one request. */
  static final class Group {
    final TraceKey key;
    final SpanStats stats = new SpanStats();
    final List<Fragment> fragments = new ArrayList<>(1);
    /** Memory the fragments take (encoded spans plus overhead). */
    long memoryBytes;
    /** Encoded size of the spans alone. */
    long encodedBytes;

    // Building state: the fragment being filled, for the scope being read.
    private final List<PendingFragment> pending = new ArrayList<>(1);
    private PendingFragment current;
    private ScopeSpans currentScope;

    Group(TraceKey key) {
      this.key = key;
    }

    int spanCount() {
      return stats.spanCount();
    }
  }

  private static final class PendingFragment {
    final Origin origin;
    final List<Span> spans = new ArrayList<>();
    int size;

    PendingFragment(Origin origin) {
      this.origin = origin;
    }
  }

  static List<Group> group(ExportTraceServiceRequest request, Origin.Interner interner) {
    Map<TraceKey, Group> byKey = new HashMap<>();
    List<Group> groups = new ArrayList<>();
    for (ResourceSpans rs : request.getResourceSpansList()) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        if (ss.getSpansCount() == 0) {
          continue;
        }
        Origin origin = interner.intern(rs, ss);
        // Spans of one trace usually come together: skip the key and map lookup for a repeated id.
        ByteString lastId = null;
        Group last = null;
        for (Span span : ss.getSpansList()) {
          ByteString id = span.getTraceId();
          Group g;
          if (last != null && id.equals(lastId)) {
            g = last;
          } else {
            TraceKey key = TraceKey.of(id);
            g = byKey.get(key);
            if (g == null) {
              g = new Group(key);
              byKey.put(key, g);
              groups.add(g);
            }
            last = g;
            lastId = id;
          }
          if (g.currentScope != ss) {
            g.currentScope = ss;
            g.current = new PendingFragment(origin);
            g.pending.add(g.current);
          }
          g.current.spans.add(span);
          g.current.size += CodedOutputStream.computeMessageSize(SPANS_FIELD, span);
          g.stats.add(span);
        }
      }
    }
    for (Group g : groups) {
      for (PendingFragment p : g.pending) {
        Fragment f = new Fragment(p.origin, encode(p), p.spans.size());
        g.fragments.add(f);
        g.memoryBytes += f.memoryBytes();
        g.encodedBytes += f.spans().length;
      }
      g.pending.clear();
      g.current = null;
      g.currentScope = null;
    }
    return groups;
  }

  private static byte[] encode(PendingFragment p) {
    byte[] out = new byte[p.size];
    CodedOutputStream cos = CodedOutputStream.newInstance(out);
    try {
      for (Span s : p.spans) {
        cos.writeMessage(SPANS_FIELD, s);
      }
      cos.checkNoSpaceLeft();
    } catch (IOException e) {
      // Writing into an array of the computed size cannot fail short of a protobuf bug.
      throw new UncheckedIOException(e);
    }
    return out;
  }
}
