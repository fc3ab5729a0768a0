package dev.traceyard.server.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TraceGeneratorTest {
  private static final long END = 1_700_000_000_000_000_000L;

  private record Emitted(int service, Span span) {}

  private static List<Emitted> trace(TraceGenerator generator, boolean error, boolean slow) {
    List<Emitted> spans = new ArrayList<>();
    generator.generate(error, slow, END, (service, span) -> spans.add(new Emitted(service, span)));
    return spans;
  }

  @ParameterizedTest(name = "{0} spans")
  @ValueSource(ints = {1, 2, 3, 4, 5, 10, 11, 50})
  void trace_isOneTreeUnderAFrontendServerRoot(int spansPerTrace) {
    TraceGenerator generator = new TraceGenerator(spansPerTrace, 0, 7);
    for (int t = 0; t < 50; t++) {
      List<Emitted> spans = trace(generator, false, false);

      assertThat(spans).hasSize(spansPerTrace);
      assertThat(spans).extracting(e -> e.span().getTraceId()).containsOnly(spans.get(0).span().getTraceId());
      Span root = spans.get(0).span();
      assertThat(root.getParentSpanId().isEmpty()).isTrue();
      assertThat(root.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
      assertThat(spans.get(0).service()).isEqualTo(TraceGenerator.FRONTEND);
      assertThat(root.getEndTimeUnixNano()).isEqualTo(END);
      Map<Object, Emitted> byId = spans.stream().collect(Collectors.toMap(e -> e.span().getSpanId(), Function.identity()));
      assertThat(byId).hasSize(spansPerTrace);
      for (Emitted e : spans.subList(1, spans.size())) {
        Emitted parent = byId.get(e.span().getParentSpanId());
        assertThat(parent).as("parent of %s", e.span().getName()).isNotNull();
        assertThat(e.span().getStartTimeUnixNano()).isBetween(parent.span().getStartTimeUnixNano(), parent.span().getEndTimeUnixNano());
        assertThat(e.span().getEndTimeUnixNano()).isBetween(e.span().getStartTimeUnixNano(), parent.span().getEndTimeUnixNano());
        if (e.span().getKind() == Span.SpanKind.SPAN_KIND_SERVER) {
          // A server span below the root answers a client span in another service.
          assertThat(parent.span().getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
          assertThat(parent.service()).isNotEqualTo(e.service());
        } else {
          assertThat(parent.span().getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
          assertThat(parent.service()).isEqualTo(e.service());
        }
      }
    }
  }

  @Test
  void largeTraces_spanThreeToFiveServices() {
    TraceGenerator generator = new TraceGenerator(10, 0, 11);
    Set<Long> serviceCounts = new java.util.TreeSet<>();
    for (int t = 0; t < 200; t++) {
      serviceCounts.add(trace(generator, false, false).stream().map(Emitted::service).distinct().count());
    }

    assertThat(serviceCounts).containsExactly(3L, 4L, 5L);
  }

  @Test
  void errorTrace_hasOneServerSpanWithExceptionAndItsClientInError() {
    TraceGenerator generator = new TraceGenerator(10, 0, 3);
    for (int t = 0; t < 20; t++) {
      List<Span> spans = trace(generator, true, false).stream().map(Emitted::span).toList();
      List<Span> withException = spans.stream().filter(s -> s.getEventsCount() > 0).toList();
      List<Span> failed = spans.stream().filter(s -> s.getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR).toList();

      assertThat(withException).hasSize(1);
      Span culprit = withException.get(0);
      assertThat(culprit.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
      assertThat(culprit.getEvents(0).getName()).isEqualTo("exception");
      assertThat(culprit.getEvents(0).getAttributesList()).extracting(kv -> kv.getKey())
          .contains("exception.type", "exception.message", "exception.stacktrace");
      assertThat(failed).hasSize(2).contains(culprit);
      assertThat(failed).filteredOn(s -> s != culprit).singleElement()
          .satisfies(client -> assertThat(client.getSpanId()).isEqualTo(culprit.getParentSpanId()));
    }
  }

  @Test
  void singleSpanErrorTrace_failsTheRoot() {
    List<Span> spans = trace(new TraceGenerator(1, 0, 3), true, false).stream().map(Emitted::span).toList();

    assertThat(spans.get(0).getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
    assertThat(spans.get(0).getEventsCount()).isEqualTo(1);
  }

  @Test
  void slowTrace_rootLastsTenTimesTheNormalRange() {
    TraceGenerator generator = new TraceGenerator(5, 0, 5);
    for (int t = 0; t < 50; t++) {
      Span normal = trace(generator, false, false).get(0).span();
      Span slow = trace(generator, false, true).get(0).span();

      assertThat(normal.getEndTimeUnixNano() - normal.getStartTimeUnixNano()).isBetween(5_000_000L, 50_000_000L);
      assertThat(slow.getEndTimeUnixNano() - slow.getStartTimeUnixNano()).isBetween(50_000_000L, 500_000_000L);
    }
  }

  @Test
  void extraAttributes_areAddedToEverySpan() {
    List<Emitted> spans = trace(new TraceGenerator(7, 4, 1), false, false);

    assertThat(spans).allSatisfy(e -> assertThat(e.span().getAttributesList())
        .extracting(kv -> kv.getKey())
        .contains("loadgen.attr.0", "loadgen.attr.1", "loadgen.attr.2", "loadgen.attr.3"));
  }

  @Test
  void sameSeed_generatesSameTraces() {
    assertThat(trace(new TraceGenerator(10, 2, 99), true, false))
        .isEqualTo(trace(new TraceGenerator(10, 2, 99), true, false));
  }

  @Test
  void request_hasExactSpanCountInOneResourcePerService() {
    TraceGenerator generator = new TraceGenerator(7, 0, 1);
    ExportTraceServiceRequest request = generator.request(100, 0.1, END);

    assertThat(request.getResourceSpansList()).allSatisfy(rs -> assertThat(rs.getScopeSpansList()).hasSize(1));
    assertThat(request.getResourceSpansList().stream().mapToInt(rs -> rs.getScopeSpans(0).getSpansCount()).sum()).isEqualTo(100);
    assertThat(request.getResourceSpansList()).extracting(rs -> rs.getResource().getAttributes(0).getValue().getStringValue())
        .doesNotHaveDuplicates()
        .contains("frontend");
  }

  @Test
  void request_keepsTheErrorRatioAcrossSmallRequests() {
    TraceGenerator generator = new TraceGenerator(10, 0, 3);
    java.util.Set<com.google.protobuf.ByteString> errorTraces = new java.util.HashSet<>();
    for (int i = 0; i < 200; i++) {
      // 5 whole traces per request: 1% of 5 rounds down to none when counted per request.
      ExportTraceServiceRequest request = generator.request(50, 0.01, END);
      request.getResourceSpansList().stream().flatMap(rs -> rs.getScopeSpans(0).getSpansList().stream())
          .filter(s -> s.getStatus().getCodeValue() == 2).forEach(s -> errorTraces.add(s.getTraceId()));
    }
    // 200 requests x 5 traces = 1000 traces, 1% of them failed.
    assertThat(errorTraces).hasSize(10);
  }
}
