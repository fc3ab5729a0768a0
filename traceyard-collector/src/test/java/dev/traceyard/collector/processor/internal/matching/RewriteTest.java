package dev.traceyard.collector.processor.internal.matching;

import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.kv;
import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.resourceSpans;
import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.service;
import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.span;
import static org.assertj.core.api.Assertions.assertThat;

import dev.traceyard.collector.data.MetricBatch;
import dev.traceyard.collector.data.TraceBatch;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.List;
import org.junit.jupiter.api.Test;

class RewriteTest {
  private final Span a = span("a").build();
  private final Span b = span("b").build();
  private final Span c = span("c").build();
  private final TraceBatch batch = ProcessorFixtures.traces(List.of(
      resourceSpans(service("one"), a, b), resourceSpans(service("two"), c)));

  @Test
  void nothingChanged_returnsTheSameBatch() {
    assertThat(Rewrite.traces(batch, r -> r, (r, s, span) -> span)).isSameAs(batch);
  }

  @Test
  void changedSpan_rebuildsOnlyItsPath() {
    TraceBatch out = Rewrite.traces(batch, null,
        (r, s, span) -> span == b ? span.toBuilder().setName("B").build() : span);

    assertThat(out).isNotSameAs(batch);
    ResourceSpans first = out.request().getResourceSpans(0);
    assertThat(first.getScopeSpans(0).getSpans(0)).isSameAs(a);
    assertThat(first.getScopeSpans(0).getSpans(1).getName()).isEqualTo("B");
    // The untouched resource entry is the very same protobuf.
    assertThat(out.request().getResourceSpans(1)).isSameAs(batch.request().getResourceSpans(1));
    // The input is untouched.
    assertThat(batch.request().getResourceSpans(0).getScopeSpans(0).getSpans(1)).isSameAs(b);
    assertThat(out.itemCount()).isEqualTo(3);
  }

  @Test
  void droppingEverySpanOfAResource_removesTheResourceAndCounts() {
    TraceBatch out = Rewrite.traces(batch, null, (r, s, span) -> span == c ? null : span);

    assertThat(out.request().getResourceSpansList()).hasSize(1);
    assertThat(out.request().getResourceSpans(0)).isSameAs(batch.request().getResourceSpans(0));
    assertThat(out.itemCount()).isEqualTo(2);
  }

  @Test
  void changedResource_keepsItsSpanInstances() {
    TraceBatch out = Rewrite.traces(batch,
        r -> r.toBuilder().addAttributes(kv("env", "prod")).build(), null);

    assertThat(out.request().getResourceSpans(0).getResource().getAttributesList()).contains(kv("env", "prod"));
    assertThat(out.request().getResourceSpans(0).getScopeSpans(0)).isSameAs(batch.request().getResourceSpans(0).getScopeSpans(0));
    assertThat(out.itemCount()).isEqualTo(3);
  }

  @Test
  void metricWithAllPointsDropped_isRemovedAndCountIsPoints() {
    MetricBatch in = ProcessorFixtures.metrics(service("m"),
        ProcessorFixtures.gauge("keep", List.of(kv("a", 1)), List.of(kv("a", 2))),
        ProcessorFixtures.gauge("drop", List.of(kv("a", 3))));

    MetricBatch out = Rewrite.metrics(in, null, (r, s, m) -> m.getName().equals("drop") ? null : m);

    assertThat(out.itemCount()).isEqualTo(2);
    assertThat(out.request().getResourceMetrics(0).getScopeMetrics(0).getMetricsList()).extracting("name")
        .containsExactly("keep");
  }
}
