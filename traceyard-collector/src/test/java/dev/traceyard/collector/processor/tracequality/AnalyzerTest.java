package dev.traceyard.collector.processor.tracequality;

import static dev.traceyard.collector.processor.tracequality.QualityFixtures.findings;
import static dev.traceyard.collector.processor.tracequality.QualityFixtures.num;
import static dev.traceyard.collector.processor.tracequality.QualityFixtures.records;
import static dev.traceyard.collector.processor.tracequality.QualityFixtures.request;
import static dev.traceyard.collector.processor.tracequality.QualityFixtures.resource;
import static dev.traceyard.collector.processor.tracequality.QualityFixtures.span;
import static dev.traceyard.collector.processor.tracequality.QualityFixtures.str;
import static io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_CLIENT;
import static io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_INTERNAL;
import static io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_SERVER;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.traceyard.collector.config.ConfigErrors;
import dev.traceyard.collector.config.ConfigLoader;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.otlp.Hex;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AnalyzerTest {
  private static final long MS = 1_000_000L;
  private static final long T0 = 1_700_000_000_000L * MS;
  private final List<String> bounds = new ArrayList<>();
  private int evicted;
  private long now;

  private Analyzer analyzer(String yaml) throws Exception {
    ConfigErrors errors = new ConfigErrors();
    ObjectNode root = new ConfigLoader(Map.<String, String>of()::get).loadString("t", yaml.isEmpty() ? "{}" : yaml);
    ConfigNode n = ConfigNode.of(root, "processors.trace_quality", errors);
    TraceQualityConfig config = new TraceQualityProcessorFactory().parseConfig(n);
    n.reportUnknownKeys();
    errors.throwIfAny();
    return new Analyzer(config, new Analyzer.Events() {
      @Override
      public void traceAnalysed() {}

      @Override
      public void traceEvicted() {
        evicted++;
      }

      @Override
      public void boundHit(String bound) {
        bounds.add(bound);
      }

      @Override
      public void finding(String service, FindingKind kind, long count) {}
    }, 1_000);
  }

  /** Closes every window and reports. */
  private Analyzer.Report finish(Analyzer a) {
    now += 31_000 * MS;
    a.closeExpired(now);
    return a.report(61_000);
  }

  /** frontend GET /checkout -> CLIENT to backend:8080 -> backend SERVER -> INTERNAL. */
  private void cleanTrace(Analyzer a, int trace) {
    a.accept(request(resource("frontend"),
        span(trace, 1, 0, SPAN_KIND_SERVER, "GET /checkout", T0, T0 + 100 * MS).addAttributes(str("http.request.method", "GET")),
        span(trace, 2, 1, SPAN_KIND_CLIENT, "POST", T0 + 10 * MS, T0 + 90 * MS)
            .addAttributes(str("http.request.method", "POST")).addAttributes(str("server.address", "backend"))
            .addAttributes(num("server.port", 8080))), now);
    a.accept(request(resource("backend"),
        span(trace, 3, 2, SPAN_KIND_SERVER, "POST /pay", T0 + 12 * MS, T0 + 88 * MS)
            .addAttributes(str("http.request.method", "POST")),
        span(trace, 4, 3, SPAN_KIND_INTERNAL, "charge", T0 + 20 * MS, T0 + 80 * MS)), now);
  }

  @Test
  void analysesParsedSpansWithoutEncodingTheirStringsAgain() throws Exception {
    Analyzer a = analyzer("");
    io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest parsed =
        io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest.parseFrom(request(resource("frontend"),
            span(1, 1, 0, SPAN_KIND_SERVER, "GET /checkout", T0, T0 + 100 * MS)
                .addAttributes(str("user.id", "u-12345"))).toByteArray());
    Span span = parsed.getResourceSpans(0).getScopeSpans(0).getSpans(0);
    String name = span.getName();
    String key = span.getAttributes(0).getKey();
    String value = span.getAttributes(0).getValue().getStringValue();

    a.accept(parsed, now);

    // The bytes getters would swap the decoded strings for freshly encoded bytes, which the store
    // (and any exporter) would then decode again into new strings.
    assertThat(span.getName()).isSameAs(name);
    assertThat(span.getAttributes(0).getKey()).isSameAs(key);
    assertThat(span.getAttributes(0).getValue().getStringValue()).isSameAs(value);
    assertThat(finish(a).records()).isNotEmpty();
  }

  @Test
  void aCleanMultiServiceTraceProducesNoFindings() throws Exception {
    Analyzer a = analyzer("");
    for (int i = 1; i <= 20; i++) {
      cleanTrace(a, i);
    }
    Analyzer.Report report = finish(a);
    assertThat(findings(report)).isEmpty();
    assertThat(records(report, Records.COST)).isNotEmpty();
  }

  @Test
  void reportsSpansWhoseParentNeverArrivedAsOrphans() throws Exception {
    Analyzer a = analyzer("");
    a.accept(request(resource("worker"),
        span(7, 1, 0, SPAN_KIND_SERVER, "GET /job", T0, T0 + 10 * MS),
        span(7, 5, 99, SPAN_KIND_INTERNAL, "process", T0 + 20 * MS, T0 + 30 * MS),
        span(7, 6, 99, SPAN_KIND_INTERNAL, "process", T0 + 20 * MS, T0 + 30 * MS)), now);
    List<Map<String, Object>> f = findings(finish(a));
    assertThat(f).singleElement().satisfies(m -> {
      assertThat(m).containsEntry("service", "worker").containsEntry("quality.kind", "orphan_span")
          .containsEntry("quality.span_name", "process").containsEntry("quality.count", 2L)
          .containsEntry("quality.traces_affected", 1L).containsEntry("quality.traces_total", 1L)
          .containsEntry("quality.example_trace_id", Hex.encode(QualityFixtures.traceId(7)));
      assertThat((String) m.get("quality.detail")).startsWith("2 spans whose parent never arrived within 30 s");
    });
  }

  @Test
  void reportsTracesWithSeveralRoots() throws Exception {
    Analyzer a = analyzer("");
    a.accept(request(resource("batch"),
        span(3, 1, 0, SPAN_KIND_INTERNAL, "job", T0, T0 + 10 * MS),
        span(3, 2, 0, SPAN_KIND_INTERNAL, "job retry", T0 + 20 * MS, T0 + 30 * MS)), now);
    assertThat(findings(finish(a))).singleElement().satisfies(m -> assertThat(m)
        .containsEntry("quality.kind", "multiple_roots").containsEntry("quality.span_name", "job retry")
        .containsEntry("quality.count", 1L));
  }

  @Test
  void reportsAServerSpanWhoseRemoteParentIsNotAClientSpan() throws Exception {
    Analyzer a = analyzer("");
    a.accept(request(resource("frontend"), span(4, 1, 0, SPAN_KIND_SERVER, "GET /", T0, T0 + 50 * MS)), now);
    a.accept(request(resource("backend"), span(4, 2, 1, SPAN_KIND_SERVER, "GET /api", T0 + 5 * MS, T0 + 40 * MS)), now);
    assertThat(findings(finish(a))).singleElement().satisfies(m -> assertThat(m)
        .containsEntry("service", "backend").containsEntry("quality.kind", "missing_client_side")
        .containsEntry("quality.peer_service", "frontend").containsEntry("quality.span_name", "GET /api"));
  }

  @Test
  void reportsACallTheDownstreamServiceDidNotSampleAsInconsistentSampling() throws Exception {
    Analyzer a = analyzer("");
    cleanTrace(a, 1);
    now += 31_000 * MS;
    a.closeExpired(now);
    // The frontend sampled, the backend (reached at backend:8080 before) reported nothing.
    a.accept(request(resource("frontend"),
        span(2, 1, 0, SPAN_KIND_SERVER, "GET /checkout", T0, T0 + 100 * MS),
        span(2, 2, 1, SPAN_KIND_CLIENT, "POST", T0 + 10 * MS, T0 + 90 * MS)
            .addAttributes(str("server.address", "backend")).addAttributes(num("server.port", 8080))), now);
    assertThat(findings(finish(a))).singleElement().satisfies(m -> assertThat(m)
        .containsEntry("service", "backend").containsEntry("quality.kind", "inconsistent_sampling")
        .containsEntry("quality.peer_service", "frontend").containsEntry("quality.count", 1L));
  }

  @Test
  void reportsADownstreamServiceSamplingWhatItsCallerDroppedAsInconsistentSampling() throws Exception {
    Analyzer a = analyzer("");
    cleanTrace(a, 1);
    now += 31_000 * MS;
    a.closeExpired(now);
    a.accept(request(resource("backend"),
        span(2, 3, 2, SPAN_KIND_SERVER, "POST /pay", T0, T0 + 50 * MS),
        span(2, 4, 3, SPAN_KIND_INTERNAL, "charge", T0 + 1 * MS, T0 + 40 * MS)), now);
    assertThat(findings(finish(a))).singleElement().satisfies(m -> assertThat(m)
        .containsEntry("service", "backend").containsEntry("quality.kind", "inconsistent_sampling")
        .containsEntry("quality.peer_service", "frontend").containsEntry("quality.span_name", "POST /pay"));
  }

  @Test
  void checksTheStructureOfALargeTraceKeptPastItsFirstSpans() throws Exception {
    Analyzer a = analyzer("");
    cleanTrace(a, 1);
    now += 31_000 * MS;
    a.closeExpired(now);
    // 40 spans (well past what a trace first holds, and over the size where parents are found by id map),
    // in several requests; a failed call to backend:8080 comes second, the unanswered one last.
    List<Span.Builder> spans = new ArrayList<>();
    spans.add(span(2, 1, 0, SPAN_KIND_SERVER, "GET /checkout", T0, T0 + 100 * MS));
    spans.add(span(2, 39, 1, SPAN_KIND_CLIENT, "POST", T0 + 5 * MS, T0 + 6 * MS)
        .addAttributes(str("server.address", "backend")).addAttributes(num("server.port", 8080))
        .setStatus(io.opentelemetry.proto.trace.v1.Status.newBuilder()
            .setCode(io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR)));
    for (int i = 2; i <= 37; i++) {
      spans.add(span(2, i, 1, SPAN_KIND_INTERNAL, "step", T0 + 1 * MS, T0 + 2 * MS));
    }
    spans.add(span(2, 38, 555, SPAN_KIND_INTERNAL, "late", T0 + 3 * MS, T0 + 4 * MS));
    spans.add(span(2, 40, 1, SPAN_KIND_CLIENT, "POST", T0 + 10 * MS, T0 + 90 * MS)
        .addAttributes(str("server.address", "backend")).addAttributes(num("server.port", 8080)));
    for (int from = 0; from < spans.size(); from += 7) {
      a.accept(request(resource("frontend"), spans.subList(from, Math.min(spans.size(), from + 7))
          .toArray(new Span.Builder[0])), now);
    }
    List<Map<String, Object>> f = findings(finish(a));
    assertThat(f).hasSize(2);
    assertThat(f).anySatisfy(m -> assertThat(m).containsEntry("service", "backend")
        .containsEntry("quality.kind", "inconsistent_sampling").containsEntry("quality.peer_service", "frontend")
        .containsEntry("quality.count", 1L)
        .containsEntry("quality.example_trace_id", Hex.encode(QualityFixtures.traceId(2))));
    assertThat(f).anySatisfy(m -> assertThat(m).containsEntry("service", "frontend")
        .containsEntry("quality.kind", "orphan_span").containsEntry("quality.span_name", "late")
        .containsEntry("quality.count", 1L)
        .containsEntry("quality.example_trace_id", Hex.encode(QualityFixtures.traceId(2))));
  }

  @Test
  void reportsMissingAndUnknownServiceIdentity() throws Exception {
    Analyzer a = analyzer("");
    Resource anonymous = Resource.newBuilder().addAttributes(str("service.name", "unknown_service:java")).build();
    a.accept(request(anonymous, span(1, 1, 0, SPAN_KIND_SERVER, "GET /", T0, T0 + MS)), now);
    assertThat(findings(finish(a))).extracting(m -> m.get("quality.kind")).containsExactlyInAnyOrder(
        "unknown_service", "missing_service_version", "missing_deployment_environment");
  }

  @Test
  void reportsSeveralSdksClaimingOneService() throws Exception {
    Analyzer a = analyzer("");
    a.accept(request(resource("cart"), span(1, 1, 0, SPAN_KIND_SERVER, "GET /", T0, T0 + MS)), now);
    Resource other = resource("cart").toBuilder().setAttributes(3, str("telemetry.sdk.language", "python"))
        .setAttributes(4, str("telemetry.sdk.version", "1.30.0")).build();
    a.accept(request(other, span(2, 1, 0, SPAN_KIND_SERVER, "GET /", T0, T0 + MS)), now);
    assertThat(findings(finish(a))).singleElement().satisfies(m -> assertThat(m)
        .containsEntry("quality.kind", "conflicting_sdk").containsEntry("quality.count", 1L)
        .hasEntrySatisfying("quality.detail", d -> assertThat((String) d).contains("java 1.68.0", "python 1.30.0")));
  }

  @Test
  void reportsInternalSpansCarryingCallAttributesAsWrongKind() throws Exception {
    Analyzer a = analyzer("");
    a.accept(request(resource("api"), span(1, 1, 0, SPAN_KIND_INTERNAL, "fetch", T0, T0 + MS)
        .addAttributes(str("http.request.method", "GET")).addAttributes(str("url.full", "http://x/"))), now);
    assertThat(findings(finish(a))).singleElement().satisfies(m -> assertThat(m)
        .containsEntry("quality.kind", "wrong_span_kind").containsEntry("quality.attribute_key", "http.request.method"));
  }

  @Test
  void flagsAHighCardinalityKeyWithItsEstimateButNotABoundedOne() throws Exception {
    Analyzer a = analyzer("");
    for (int i = 0; i < 5_000; i++) {
      a.accept(request(resource("users"), span(i % 200 + 1, i + 1, 0, SPAN_KIND_SERVER, "GET /users/{id}", T0, T0 + MS)
          .addAttributes(str("user.id", "u" + i)).addAttributes(str("http.request.method", i % 2 == 0 ? "GET" : "HEAD"))),
          now);
    }
    List<Map<String, Object>> f = findings(finish(a));
    assertThat(f).filteredOn(m -> "high_cardinality_attribute".equals(m.get("quality.kind"))).singleElement()
        .satisfies(m -> {
          assertThat(m).containsEntry("quality.attribute_key", "user.id").containsEntry("quality.count", 5_000L)
              .containsEntry("quality.span_name", "GET /users/{id}");
          assertThat((Long) m.get("quality.cardinality_estimate")).isBetween(4_750L, 5_250L);
        });
  }

  @Test
  void flagsIdLikeValuesBelowTheThreshold() throws Exception {
    Analyzer a = analyzer("");
    for (int i = 0; i < 300; i++) {
      a.accept(request(resource("orders"), span(1, i + 1, 0, SPAN_KIND_SERVER, "GET /orders", T0, T0 + MS)
          .addAttributes(str("order.ref", java.util.UUID.nameUUIDFromBytes(new byte[] {(byte) i, (byte) (i >> 8)})
              .toString()))), now);
    }
    assertThat(findings(finish(a))).filteredOn(m -> "high_cardinality_attribute".equals(m.get("quality.kind")))
        .singleElement().satisfies(m -> assertThat((String) m.get("quality.detail")).contains("look like ids"));
  }

  @Test
  void reportsOversizedSpansAndBodies() throws Exception {
    Analyzer a = analyzer("limits: {max_attributes: 5, max_attribute_value_bytes: 100}");
    Span.Builder many = span(1, 1, 0, SPAN_KIND_SERVER, "GET /", T0, T0 + MS);
    for (int i = 0; i < 6; i++) {
      many.addAttributes(str("k" + i, "v"));
    }
    a.accept(request(resource("api"), many,
        span(1, 2, 1, SPAN_KIND_CLIENT, "POST", T0, T0 + MS).addAttributes(str("payload", "x".repeat(200)))
            .addAttributes(str("http.request.body.content", "{}"))), now);
    assertThat(findings(finish(a))).extracting(m -> m.get("quality.kind") + ":" + m.getOrDefault("quality.attribute_key", ""))
        .containsExactlyInAnyOrder("oversized_span:", "oversized_span:payload", "body_on_span:http.request.body.content");
  }

  @Test
  void reportsClockSkewAndNegativeDurations() throws Exception {
    Analyzer a = analyzer("clock_skew_tolerance: 50ms");
    a.accept(request(resource("api"),
        span(1, 1, 0, SPAN_KIND_SERVER, "GET /", T0, T0 + 100 * MS),
        span(1, 2, 1, SPAN_KIND_INTERNAL, "early", T0 - 500 * MS, T0 + 10 * MS),
        span(1, 3, 1, SPAN_KIND_INTERNAL, "slightly early", T0 - 20 * MS, T0 + 10 * MS),
        span(1, 4, 1, SPAN_KIND_INTERNAL, "backwards", T0 + 50 * MS, T0 + 40 * MS)), now);
    assertThat(findings(finish(a))).extracting(m -> m.get("quality.kind") + ":" + m.get("quality.span_name"))
        .containsExactlyInAnyOrder("clock_skew:early", "negative_duration:backwards");
  }

  @Test
  void evictsTheOldestTraceUnanalysedWhenMaxTracesIsReached() throws Exception {
    Analyzer a = analyzer("max_traces: 2");
    for (int i = 1; i <= 3; i++) {
      a.accept(request(resource("api"), span(i, 2, 1, SPAN_KIND_INTERNAL, "child", T0, T0 + MS)), now);
    }
    assertThat(evicted).isEqualTo(1);
    assertThat(bounds).contains("max_traces");
    assertThat(findings(finish(a))).singleElement().satisfies(m -> assertThat(m).containsEntry("quality.count", 2L));
  }

  @Test
  void breaksCostDownByServiceSpanNameAndAttributeKey() throws Exception {
    Analyzer a = analyzer("");
    cleanTrace(a, 1);
    cleanTrace(a, 2);
    Analyzer.Report report = finish(a);
    List<Map<String, Object>> cost = records(report, Records.COST);
    assertThat(cost).filteredOn(m -> m.get("service").equals("frontend") && m.get("cost.span_name").equals("*"))
        .singleElement().satisfies(m -> {
          assertThat(m).containsEntry("cost.spans", 4L).containsEntry("cost.traces", 2L)
              .containsEntry("quality.interval_seconds", 60L);
          assertThat((Long) m.get("cost.bytes")).isGreaterThan((Long) m.get("cost.attribute_bytes")).isPositive();
        });
    assertThat(cost).filteredOn(m -> m.get("service").equals("frontend") && m.get("cost.span_name").equals("POST"))
        .singleElement().satisfies(m -> assertThat(m).containsEntry("cost.spans", 2L).containsEntry("cost.traces", 2L));
    assertThat(records(report, Records.COST_ATTRIBUTE)).filteredOn(m -> m.get("service").equals("frontend"))
        .extracting(m -> m.get("cost.attribute_key")).containsExactly("http.request.method", "server.address",
            "server.port");
    // The next interval starts empty.
    assertThat(a.report(121_000).records()).isEmpty();
  }

  @Test
  void samplingAnalysesWholeTracesAndScalesCountsToAllTraffic() throws Exception {
    Analyzer a = analyzer("sampling_percentage: 10");
    for (int i = 1; i <= 4000; i++) {
      cleanTrace(a, i);
    }
    // a trace with an orphan in every trace would be seen in ~10% of them, then scaled back up
    for (int i = 4001; i <= 6000; i++) {
      a.accept(request(resource("api"), span(i, 2, 1, SPAN_KIND_INTERNAL, "child", T0, T0 + MS)), now);
    }
    Analyzer.Report report = finish(a);
    // sampling keeps or skips a trace whole: the clean traces produce no orphan findings
    assertThat(findings(report)).extracting(m -> m.get("service") + ":" + m.get("quality.kind"))
        .containsExactly("api:orphan_span");
    assertThat(findings(report)).singleElement().satisfies(m ->
        assertThat((Long) m.get("quality.traces_affected")).isBetween(1600L, 2400L));
    assertThat(records(report, Records.COST))
        .filteredOn(m -> m.get("service").equals("frontend") && m.get("cost.span_name").equals("*"))
        .singleElement().satisfies(m -> assertThat((Long) m.get("cost.traces")).isBetween(3400L, 4600L));
  }

  @Test
  void refusesASamplingPercentageOutsideZeroToHundred() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> analyzer("sampling_percentage: 0"))
        .hasMessageContaining("processors.trace_quality.sampling_percentage");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> analyzer("sampling_percentage: 150"))
        .hasMessageContaining("processors.trace_quality.sampling_percentage");
  }
}
