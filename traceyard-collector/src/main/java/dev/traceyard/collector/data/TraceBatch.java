package dev.traceyard.collector.data;

import dev.traceyard.collector.component.Signal;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import java.util.Objects;

/** Spans, as one OTLP {@link ExportTraceServiceRequest}. */
public record TraceBatch(ExportTraceServiceRequest request, int itemCount) implements Batch {

  public TraceBatch {
    Objects.requireNonNull(request, "request");
  }

  public static TraceBatch of(ExportTraceServiceRequest request) {
    int count = 0;
    for (ResourceSpans rs : request.getResourceSpansList()) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        count += ss.getSpansCount();
      }
    }
    return new TraceBatch(request, count);
  }

  @Override
  public Signal signal() {
    return Signal.TRACES;
  }
}
