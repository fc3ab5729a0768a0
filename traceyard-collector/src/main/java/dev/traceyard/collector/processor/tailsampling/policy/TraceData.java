package dev.traceyard.collector.processor.tailsampling.policy;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.List;

/** One trace as the policies see it: what has arrived of it so far. */
public interface TraceData {

  /** The first 8 bytes of the trace id, big-endian. */
  long traceIdHigh();

  /** The last 8 bytes of the trace id, big-endian. */
  long traceIdLow();

  SpanStats stats();

  /** The OTLP-encoded size of the trace's spans, in bytes. */
  long encodedSize();

  /**
   * The spans with their resources and scopes. May decode them on first call, so policies that can
   * decide from {@link #stats()} should not call it.
   */
  List<ResourceSpans> resourceSpans();

  /** A trace made of the given spans, for tests and tools; the trace id is taken from the first span. */
  static TraceData of(List<ResourceSpans> resourceSpans) {
    SpanStats stats = new SpanStats();
    long size = 0;
    ByteString id = ByteString.EMPTY;
    for (ResourceSpans rs : resourceSpans) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span s : ss.getSpansList()) {
          if (stats.spanCount() == 0) {
            id = s.getTraceId();
          }
          stats.add(s);
          size += s.getSerializedSize();
        }
      }
    }
    long[] halves = TraceIds.halves(id);
    long encoded = size;
    List<ResourceSpans> spans = List.copyOf(resourceSpans);
    return new TraceData() {
      @Override
      public long traceIdHigh() {
        return halves[0];
      }

      @Override
      public long traceIdLow() {
        return halves[1];
      }

      @Override
      public SpanStats stats() {
        return stats;
      }

      @Override
      public long encodedSize() {
        return encoded;
      }

      @Override
      public List<ResourceSpans> resourceSpans() {
        return spans;
      }
    };
  }
}
