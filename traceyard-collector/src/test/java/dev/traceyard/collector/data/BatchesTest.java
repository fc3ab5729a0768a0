package dev.traceyard.collector.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Histogram;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.Sum;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class BatchesTest {

  // ---- split ----

  @Test
  void split_smallBatch_returnsTheSameBatch() {
    TraceBatch batch = traces("svc", 2, 3);
    assertThat(Batches.split(batch, 6)).containsExactly(batch);
    assertThat(Batches.split(batch, 100)).containsExactly(batch);
  }

  @Test
  void split_traces_cutsInsideScopesAndKeepsResourceAndScopeWithEverySpan() {
    TraceBatch batch = Batch.of(ExportTraceServiceRequest.newBuilder()
        .addAllResourceSpans(traces("a", 2, 5).request().getResourceSpansList())
        .addAllResourceSpans(traces("b", 1, 4).request().getResourceSpansList())
        .addAllResourceSpans(traces("c", 3, 3).request().getResourceSpansList())
        .build());
    assertThat(batch.itemCount()).isEqualTo(23);

    List<Batch> pieces = Batches.split(batch, 7);

    assertThat(pieces).extracting(Batch::itemCount).containsExactly(7, 7, 7, 2);
    for (Batch p : pieces) {
      assertThat(p.itemCount()).as("declared count matches content").isEqualTo(TraceBatch.of((ExportTraceServiceRequest) p.request()).itemCount());
    }
    assertThat(spanOrigins(pieces)).isEqualTo(spanOrigins(List.of(batch)));
    assertThat(spanNames(pieces)).doesNotHaveDuplicates().hasSize(23);
  }

  @Test
  void split_traces_intoSingleItems() {
    TraceBatch batch = traces("svc", 3, 4);
    List<Batch> pieces = Batches.split(batch, 1);
    assertThat(pieces).hasSize(12).allSatisfy(p -> assertThat(p.itemCount()).isEqualTo(1));
    assertThat(spanOrigins(pieces)).isEqualTo(spanOrigins(List.of(batch)));
  }

  @Test
  void split_logs_cutsInsideScopes() {
    LogBatch batch = logs("svc", 2, 10);
    List<Batch> pieces = Batches.split(batch, 6);
    assertThat(pieces).extracting(Batch::itemCount).containsExactly(6, 6, 6, 2);
    List<String> bodies = new ArrayList<>();
    for (Batch p : pieces) {
      for (ResourceLogs rl : ((LogBatch) p).request().getResourceLogsList()) {
        assertThat(rl.getResource()).isEqualTo(resource("svc"));
        for (ScopeLogs sl : rl.getScopeLogsList()) {
          for (LogRecord r : sl.getLogRecordsList()) {
            assertThat(r.getBody().getStringValue()).startsWith(sl.getScope().getName() + "/");
            bodies.add(r.getBody().getStringValue());
          }
        }
      }
      assertThat(p.itemCount()).isEqualTo(LogBatch.of((ExportLogsServiceRequest) p.request()).itemCount());
    }
    assertThat(bodies).doesNotHaveDuplicates().hasSize(20);
  }

  @Test
  void split_metrics_cutsInsideMetricsAndKeepsTypeAndTemporality() {
    MetricBatch batch = metrics();
    assertThat(batch.itemCount()).isEqualTo(5 + 7 + 3);

    List<Batch> pieces = Batches.split(batch, 4);

    assertThat(pieces).extracting(Batch::itemCount).containsExactly(4, 4, 4, 3);
    List<String> points = new ArrayList<>();
    for (Batch p : pieces) {
      assertThat(p.itemCount()).isEqualTo(MetricBatch.of((ExportMetricsServiceRequest) p.request()).itemCount());
      for (ResourceMetrics rm : ((MetricBatch) p).request().getResourceMetricsList()) {
        assertThat(rm.getResource()).isEqualTo(resource("svc"));
        for (ScopeMetrics sm : rm.getScopeMetricsList()) {
          assertThat(sm.getScope().getName()).isEqualTo("meter");
          for (Metric m : sm.getMetricsList()) {
            switch (m.getName()) {
              case "requests":
                assertThat(m.getSum().getIsMonotonic()).isTrue();
                assertThat(m.getSum().getAggregationTemporality())
                    .isEqualTo(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
                m.getSum().getDataPointsList().forEach(d -> points.add("requests/" + d.getAsInt()));
                break;
              case "latency":
                assertThat(m.getUnit()).isEqualTo("ms");
                assertThat(m.getHistogram().getAggregationTemporality())
                    .isEqualTo(AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA);
                m.getHistogram().getDataPointsList().forEach(d -> points.add("latency/" + d.getCount()));
                break;
              default:
                assertThat(m.getName()).isEqualTo("heap");
                m.getGauge().getDataPointsList().forEach(d -> points.add("heap/" + d.getAsInt()));
            }
          }
        }
      }
    }
    assertThat(points).containsExactlyElementsOf(allPoints(batch));
  }

  @Test
  void split_keepsContainersWithoutItems() {
    ExportTraceServiceRequest request = ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(ResourceSpans.newBuilder().setResource(resource("empty")))
        .addResourceSpans(ResourceSpans.newBuilder().setResource(resource("svc"))
            .addScopeSpans(ScopeSpans.newBuilder().setScope(scope("no-spans")))
            .addScopeSpans(scopeSpans("s", 3)))
        .build();
    List<Batch> pieces = Batches.split(TraceBatch.of(request), 2);

    assertThat(pieces).extracting(Batch::itemCount).containsExactly(2, 1);
    ExportTraceServiceRequest first = (ExportTraceServiceRequest) pieces.get(0).request();
    assertThat(first.getResourceSpansList()).extracting(rs -> rs.getResource()).containsExactly(resource("empty"), resource("svc"));
    assertThat(first.getResourceSpans(1).getScopeSpansList()).extracting(ss -> ss.getScope().getName())
        .containsExactly("no-spans", "s");
  }

  @Test
  void split_rejectsNonPositiveMax() {
    assertThatThrownBy(() -> Batches.split(traces("svc", 1, 1), 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxItems must be positive");
  }

  // ---- merge ----

  @Test
  void merge_single_returnsIt() {
    TraceBatch batch = traces("svc", 1, 2);
    assertThat(Batches.merge(List.of(batch))).isSameAs(batch);
  }

  @Test
  void merge_traces_groupsSameResourceAndScope_andKeepsOthersApart() {
    TraceBatch a1 = traces("a", 2, 3);
    TraceBatch b = traces("b", 1, 2);
    TraceBatch a2 = traces("a", 3, 1);

    Batch merged = Batches.merge(List.of(a1, b, a2));

    assertThat(merged.itemCount()).isEqualTo(6 + 2 + 3);
    ExportTraceServiceRequest req = (ExportTraceServiceRequest) merged.request();
    assertThat(req.getResourceSpansList()).extracting(ResourceSpans::getResource).containsExactly(resource("a"), resource("b"));
    ResourceSpans a = req.getResourceSpans(0);
    // scopes s0 and s1 exist in both "a" batches and merge; s2 only in the second
    assertThat(a.getScopeSpansList()).extracting(ss -> ss.getScope().getName()).containsExactly("s0", "s1", "s2");
    assertThat(a.getScopeSpans(0).getSpansCount()).isEqualTo(4);
    assertThat(a.getScopeSpans(2).getSpansCount()).isEqualTo(1);
    assertThat(merged.itemCount()).isEqualTo(TraceBatch.of(req).itemCount());
    assertThat(spanOrigins(List.of(merged))).isEqualTo(spanOrigins(List.of(a1, b, a2)));
  }

  @Test
  void merge_keepsResourcesWithDifferentSchemaUrlApart() {
    ResourceSpans rs = traces("a", 1, 1).request().getResourceSpans(0);
    TraceBatch v1 = TraceBatch.of(ExportTraceServiceRequest.newBuilder().addResourceSpans(rs.toBuilder().setSchemaUrl("v1")).build());
    TraceBatch v2 = TraceBatch.of(ExportTraceServiceRequest.newBuilder().addResourceSpans(rs.toBuilder().setSchemaUrl("v2")).build());

    ExportTraceServiceRequest req = (ExportTraceServiceRequest) Batches.merge(List.of(v1, v2)).request();

    assertThat(req.getResourceSpansList()).extracting(ResourceSpans::getSchemaUrl).containsExactly("v1", "v2");
  }

  @Test
  void merge_metricsAndLogs_countEveryItem() {
    MetricBatch m = metrics();
    Batch mergedMetrics = Batches.merge(List.of(m, m));
    assertThat(mergedMetrics.itemCount()).isEqualTo(30)
        .isEqualTo(MetricBatch.of((ExportMetricsServiceRequest) mergedMetrics.request()).itemCount());
    assertThat(((ExportMetricsServiceRequest) mergedMetrics.request()).getResourceMetricsCount()).isEqualTo(1);

    Batch mergedLogs = Batches.merge(List.of(logs("x", 1, 3), logs("y", 2, 2), logs("x", 1, 4)));
    assertThat(mergedLogs.itemCount()).isEqualTo(11)
        .isEqualTo(LogBatch.of((ExportLogsServiceRequest) mergedLogs.request()).itemCount());
    assertThat(((ExportLogsServiceRequest) mergedLogs.request()).getResourceLogsCount()).isEqualTo(2);
  }

  @Test
  void merge_rejectsMixedSignalsAndNothing() {
    assertThatThrownBy(() -> Batches.merge(List.of(traces("a", 1, 1), logs("a", 1, 1))))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("cannot merge logs into traces");
    assertThatThrownBy(() -> Batches.merge(List.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void mergeThenSplit_losesAndDuplicatesNothing() {
    List<TraceBatch> inputs = List.of(traces("a", 2, 7), traces("b", 3, 5), traces("a", 1, 9), traces("c", 4, 1));
    Batch merged = Batches.merge(inputs);
    List<Batch> pieces = Batches.split(merged, 8);

    assertThat(pieces).allSatisfy(p -> assertThat(p.itemCount()).isBetween(1, 8));
    assertThat(pieces.stream().mapToInt(Batch::itemCount).sum()).isEqualTo(14 + 15 + 9 + 4);
    assertThat(spanOrigins(pieces)).isEqualTo(spanOrigins(inputs));
  }

  // ---- fixtures ----

  private static Resource resource(String service) {
    return Resource.newBuilder().addAttributes(KeyValue.newBuilder().setKey("service.name")
        .setValue(AnyValue.newBuilder().setStringValue(service))).build();
  }

  private static InstrumentationScope scope(String name) {
    return InstrumentationScope.newBuilder().setName(name).setVersion("1.0").build();
  }

  private static int nextId;

  private static ScopeSpans scopeSpans(String scopeName, int spans) {
    ScopeSpans.Builder ss = ScopeSpans.newBuilder().setScope(scope(scopeName));
    for (int i = 0; i < spans; i++) {
      ss.addSpans(Span.newBuilder().setName("span-" + (nextId++)));
    }
    return ss.build();
  }

  /** One resource with {@code scopes} scopes named s0.. of {@code perScope} uniquely named spans. */
  private static TraceBatch traces(String service, int scopes, int perScope) {
    ResourceSpans.Builder rs = ResourceSpans.newBuilder().setResource(resource(service));
    for (int s = 0; s < scopes; s++) {
      rs.addScopeSpans(scopeSpans("s" + s, perScope));
    }
    return TraceBatch.of(ExportTraceServiceRequest.newBuilder().addResourceSpans(rs).build());
  }

  private static LogBatch logs(String service, int scopes, int perScope) {
    ResourceLogs.Builder rl = ResourceLogs.newBuilder().setResource(resource(service));
    for (int s = 0; s < scopes; s++) {
      ScopeLogs.Builder sl = ScopeLogs.newBuilder().setScope(scope("logger" + s));
      for (int i = 0; i < perScope; i++) {
        sl.addLogRecords(LogRecord.newBuilder().setBody(AnyValue.newBuilder().setStringValue("logger" + s + "/" + (nextId++))));
      }
      rl.addScopeLogs(sl);
    }
    return LogBatch.of(ExportLogsServiceRequest.newBuilder().addResourceLogs(rl).build());
  }

  /** A sum of 5 points, a histogram of 7 and a gauge of 3, in one scope. */
  private static MetricBatch metrics() {
    Sum.Builder sum = Sum.newBuilder().setIsMonotonic(true)
        .setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
    for (int i = 0; i < 5; i++) {
      sum.addDataPoints(NumberDataPoint.newBuilder().setAsInt(i));
    }
    Histogram.Builder hist = Histogram.newBuilder()
        .setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA);
    for (int i = 0; i < 7; i++) {
      hist.addDataPoints(HistogramDataPoint.newBuilder().setCount(i));
    }
    Gauge.Builder gauge = Gauge.newBuilder();
    for (int i = 0; i < 3; i++) {
      gauge.addDataPoints(NumberDataPoint.newBuilder().setAsInt(100 + i));
    }
    return MetricBatch.of(ExportMetricsServiceRequest.newBuilder().addResourceMetrics(ResourceMetrics.newBuilder()
        .setResource(resource("svc"))
        .addScopeMetrics(ScopeMetrics.newBuilder().setScope(scope("meter"))
            .addMetrics(Metric.newBuilder().setName("requests").setSum(sum))
            .addMetrics(Metric.newBuilder().setName("latency").setUnit("ms").setHistogram(hist))
            .addMetrics(Metric.newBuilder().setName("heap").setGauge(gauge))))
        .build());
  }

  private static List<String> allPoints(MetricBatch batch) {
    List<String> out = new ArrayList<>();
    Metric[] ms = batch.request().getResourceMetrics(0).getScopeMetrics(0).getMetricsList().toArray(new Metric[0]);
    ms[0].getSum().getDataPointsList().forEach(d -> out.add("requests/" + d.getAsInt()));
    ms[1].getHistogram().getDataPointsList().forEach(d -> out.add("latency/" + d.getCount()));
    ms[2].getGauge().getDataPointsList().forEach(d -> out.add("heap/" + d.getAsInt()));
    return out;
  }

  /** span name -> "resource|scope" it was found under, across all batches; fails on a duplicate name. */
  private static Map<String, String> spanOrigins(List<? extends Batch> batches) {
    Map<String, String> out = new TreeMap<>();
    for (Batch b : batches) {
      for (ResourceSpans rs : ((TraceBatch) b).request().getResourceSpansList()) {
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          for (Span s : ss.getSpansList()) {
            String origin = rs.getResource().getAttributes(0).getValue().getStringValue() + "|" + ss.getScope().getName()
                + "|" + ss.getScope().getVersion();
            assertThat(out.put(s.getName(), origin)).as("duplicate span %s", s.getName()).isNull();
          }
        }
      }
    }
    return out;
  }

  private static List<String> spanNames(List<? extends Batch> batches) {
    List<String> out = new ArrayList<>();
    for (Batch b : batches) {
      for (ResourceSpans rs : ((TraceBatch) b).request().getResourceSpansList()) {
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          ss.getSpansList().forEach(s -> out.add(s.getName()));
        }
      }
    }
    return out;
  }
}
