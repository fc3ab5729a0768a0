package dev.traceyard.server.loadgen;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.List;

/** Collects spans into one export request, grouped into one ResourceSpans per service as an SDK would send them. */
final class RequestBatcher {
  private final TraceGenerator generator;
  private final List<List<Span>> byService = new ArrayList<>();
  private int size;

  RequestBatcher(TraceGenerator generator) {
    this.generator = generator;
    for (int i = 0; i < TraceGenerator.serviceCount(); i++) {
      byService.add(new ArrayList<>());
    }
  }

  void add(int service, Span span) {
    byService.get(service).add(span);
    size++;
  }

  int size() {
    return size;
  }

  /** Builds the request from the collected spans and starts over empty. */
  ExportTraceServiceRequest drain() {
    ExportTraceServiceRequest.Builder request = ExportTraceServiceRequest.newBuilder();
    for (int s = 0; s < byService.size(); s++) {
      List<Span> spans = byService.get(s);
      if (!spans.isEmpty()) {
        request.addResourceSpans(ResourceSpans.newBuilder()
            .setResource(generator.resource(s))
            .addScopeSpans(ScopeSpans.newBuilder().setScope(generator.scope()).addAllSpans(spans)));
        spans.clear();
      }
    }
    size = 0;
    return request.build();
  }
}
