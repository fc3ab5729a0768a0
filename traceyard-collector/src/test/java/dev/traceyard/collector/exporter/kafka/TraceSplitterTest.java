package dev.traceyard.collector.exporter.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.traceyard.collector.data.TraceBatch;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.List;
import org.junit.jupiter.api.Test;

class TraceSplitterTest {

  private static ByteString traceId(int n) {
    byte[] b = new byte[16];
    b[15] = (byte) n;
    return ByteString.copyFrom(b);
  }

  private static Span span(int trace, String name) {
    return Span.newBuilder().setTraceId(traceId(trace)).setSpanId(ByteString.copyFrom(new byte[8])).setName(name).build();
  }

  private static Resource resource(String service) {
    return Resource.newBuilder().addAttributes(KeyValue.newBuilder().setKey("service.name")
        .setValue(AnyValue.newBuilder().setStringValue(service))).build();
  }

  @Test
  void splitsABatchIntoOneBatchPerTraceKeepingResourcesAndScopes() {
    ExportTraceServiceRequest req = ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(ResourceSpans.newBuilder().setResource(resource("a"))
            .addScopeSpans(ScopeSpans.newBuilder().setScope(InstrumentationScope.newBuilder().setName("s1"))
                .addSpans(span(1, "a1")).addSpans(span(2, "a2")).addSpans(span(1, "a3"))))
        .addResourceSpans(ResourceSpans.newBuilder().setResource(resource("b"))
            .addScopeSpans(ScopeSpans.newBuilder().setScope(InstrumentationScope.newBuilder().setName("s2"))
                .addSpans(span(2, "b1"))))
        .build();
    List<TraceSplitter.TracePart> parts = TraceSplitter.byTraceId(TraceBatch.of(req));
    assertThat(parts).extracting(TraceSplitter.TracePart::traceId).containsExactly(traceId(1), traceId(2));
    ExportTraceServiceRequest one = parts.get(0).batch().request();
    assertThat(parts.get(0).batch().itemCount()).isEqualTo(2);
    assertThat(one.getResourceSpansCount()).isEqualTo(1);
    assertThat(one.getResourceSpans(0).getResource()).isEqualTo(resource("a"));
    assertThat(one.getResourceSpans(0).getScopeSpans(0).getScope().getName()).isEqualTo("s1");
    assertThat(one.getResourceSpans(0).getScopeSpans(0).getSpansList()).extracting(Span::getName).containsExactly("a1", "a3");
    ExportTraceServiceRequest two = parts.get(1).batch().request();
    assertThat(parts.get(1).batch().itemCount()).isEqualTo(2);
    assertThat(two.getResourceSpansList()).extracting(ResourceSpans::getResource).containsExactly(resource("a"), resource("b"));
    assertThat(two.getResourceSpans(1).getScopeSpans(0).getScope().getName()).isEqualTo("s2");
  }

  @Test
  void aBatchOfOneTraceIsSentAsItIs() {
    TraceBatch batch = TraceBatch.of(ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(ScopeSpans.newBuilder()
            .addSpans(span(7, "x")).addSpans(span(7, "y")))).build());
    List<TraceSplitter.TracePart> parts = TraceSplitter.byTraceId(batch);
    assertThat(parts).hasSize(1);
    assertThat(parts.get(0).batch()).isSameAs(batch);
    assertThat(parts.get(0).traceId()).isEqualTo(traceId(7));
  }
}
