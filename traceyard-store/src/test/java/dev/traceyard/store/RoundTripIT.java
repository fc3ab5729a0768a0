package dev.traceyard.store;

import static dev.traceyard.store.TestData.MS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.traceyard.collector.otlp.OtlpJson;
import dev.traceyard.store.query.TraceId;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.Exemplar;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogram;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Histogram;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.Sum;
import io.opentelemetry.proto.metrics.v1.Summary;
import io.opentelemetry.proto.metrics.v1.SummaryDataPoint;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Everything written comes back field for field through the HTTP API's OTLP/JSON. */
class RoundTripIT {
  @TempDir
  static Path dir;
  static StoreHarness store;
  static final TraceId TRACE = TestData.traceId(1);
  static long start;

  @BeforeAll
  static void startStore() throws Exception {
    store = StoreHarness.start(dir);
    start = store.clock.nanos() - 10_000 * MS;
  }

  @AfterAll
  static void stopStore() {
    store.close();
  }

  @Test
  void traceById_returnsEverySpanFieldAsSent() throws Exception {
    ExportTraceServiceRequest sent = TestData.fullTrace(TRACE, start);
    assertThat(store.send(sent).isSuccess()).isTrue();
    store.flush();

    HttpResponse<byte[]> r = store.getBytes("/api/v1/traces/" + TRACE.toHex());

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).contains("json"));
    ExportTraceServiceRequest got = OtlpJson.decodeTraces(r.body());
    assertThat(normalized(got)).isEqualTo(normalized(sent));
    assertThat(spanCount(got)).isEqualTo(4);
  }

  @Test
  void traceById_splitAcrossRequestsAndPartitions_comesBackWhole() throws Exception {
    TraceId id = TestData.traceId(2);
    // Same trace, sent in two requests, with spans either side of an hour boundary.
    long boundary = (store.clock.nanos() / 3_600_000_000_000L) * 3_600_000_000_000L;
    ExportTraceServiceRequest a = TestData.request(TestData.resource("svc-a"),
        TestData.span(id, 1, null, "root", Span.SpanKind.SPAN_KIND_SERVER, boundary - 5 * MS, 20 * MS,
            io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_UNSET));
    ExportTraceServiceRequest b = TestData.request(TestData.resource("svc-a"),
        TestData.span(id, 2, 1L, "child", Span.SpanKind.SPAN_KIND_INTERNAL, boundary + 1 * MS, 5 * MS,
            io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_UNSET));
    store.send(b);
    store.send(a);
    store.flush();

    ExportTraceServiceRequest got = OtlpJson.decodeTraces(store.getBytes("/api/v1/traces/" + id.toHex()).body());

    assertThat(got.getResourceSpansCount()).isEqualTo(1);
    assertThat(got.getResourceSpans(0).getScopeSpans(0).getSpansList()).extracting(Span::getName)
        .containsExactly("root", "child");
  }

  @Test
  void logsOfTraceAndOfSpan_returnEveryLogFieldAsSent() throws Exception {
    TraceId id = TestData.traceId(3);
    ExportLogsServiceRequest sent = TestData.logs(id, start);
    store.send(TestData.fullTrace(id, start));
    assertThat(store.send(sent).isSuccess()).isTrue();
    store.flush();

    ExportLogsServiceRequest ofTrace = OtlpJson.decodeLogs(store.getBytes("/api/v1/traces/" + id.toHex() + "/logs").body());
    ExportLogsServiceRequest ofSpan = OtlpJson.decodeLogs(
        store.getBytes("/api/v1/traces/" + id.toHex() + "/logs?spanId="
            + dev.traceyard.collector.otlp.Hex.encode(TestData.spanId(1))).body());

    ScopeLogs sentScope = sent.getResourceLogs(0).getScopeLogs(0);
    ExportLogsServiceRequest expected = ExportLogsServiceRequest.newBuilder().addResourceLogs(
        ResourceLogs.newBuilder(sent.getResourceLogs(0)).clearScopeLogs().addScopeLogs(
            ScopeLogs.newBuilder(sentScope).clearLogRecords()
                .addLogRecords(sentScope.getLogRecords(0)).addLogRecords(sentScope.getLogRecords(1)))).build();
    assertThat(ofTrace).isEqualTo(expected);
    assertThat(ofSpan.getResourceLogs(0).getScopeLogs(0).getLogRecordsList()).extracting(LogRecord::getEventName)
        .containsExactly("payment.failure");
  }

  @Test
  void metrics_everyPointTypeComesBackAsSent() throws Exception {
    long t = start;
    Exemplar exemplar = Exemplar.newBuilder().setTimeUnixNano(t).setAsDouble(1.5).setTraceId(TRACE.toBytes())
        .setSpanId(TestData.spanId(1)).addFilteredAttributes(TestData.str("user", "u1")).build();
    ExportMetricsServiceRequest sent = ExportMetricsServiceRequest.newBuilder().addResourceMetrics(
        ResourceMetrics.newBuilder().setResource(TestData.resource("metrics-svc")).setSchemaUrl("https://s/1")
            .addScopeMetrics(ScopeMetrics.newBuilder().setScope(TestData.SCOPE).setSchemaUrl("https://s/2")
                .addMetrics(Metric.newBuilder().setName("queue.size").setDescription("items").setUnit("{item}")
                    .addMetadata(TestData.str("m", "v"))
                    .setGauge(Gauge.newBuilder().addDataPoints(NumberDataPoint.newBuilder().setTimeUnixNano(t)
                        .setAsInt(7).addAttributes(TestData.str("queue", "a")).addExemplars(exemplar))))
                .addMetrics(Metric.newBuilder().setName("requests").setUnit("1").setSum(Sum.newBuilder()
                    .setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE)
                    .setIsMonotonic(true)
                    .addDataPoints(NumberDataPoint.newBuilder().setStartTimeUnixNano(t - 60_000 * MS)
                        .setTimeUnixNano(t + 1).setAsDouble(42.5).setFlags(1))))
                .addMetrics(Metric.newBuilder().setName("latency").setUnit("ms").setHistogram(Histogram.newBuilder()
                    .setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA)
                    .addDataPoints(HistogramDataPoint.newBuilder().setTimeUnixNano(t + 2).setCount(3).setSum(30)
                        .setMin(1).setMax(20).addExplicitBounds(10).addBucketCounts(2).addBucketCounts(1))))
                .addMetrics(Metric.newBuilder().setName("latency.exp").setExponentialHistogram(
                    ExponentialHistogram.newBuilder()
                        .setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE)
                        .addDataPoints(ExponentialHistogramDataPoint.newBuilder().setTimeUnixNano(t + 3).setScale(2)
                            .setCount(4).setZeroCount(1).setPositive(ExponentialHistogramDataPoint.Buckets.newBuilder()
                                .setOffset(1).addBucketCounts(3)))))
                .addMetrics(Metric.newBuilder().setName("rpc.summary").setSummary(Summary.newBuilder()
                    .addDataPoints(SummaryDataPoint.newBuilder().setTimeUnixNano(t + 4).setCount(2).setSum(3)
                        .addQuantileValues(SummaryDataPoint.ValueAtQuantile.newBuilder().setQuantile(0.5)
                            .setValue(1.5)))))))
        .build();
    assertThat(store.send(sent).isSuccess()).isTrue();
    store.flush();

    HttpResponse<byte[]> r = store.getBytes("/api/v1/metrics?service=metrics-svc&start=" + (t / MS - 1000)
        + "&end=" + (t / MS + 1000));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(OtlpJson.decodeMetrics(r.body())).isEqualTo(sent);
  }

  @Test
  void unknownTrace_is404_badId_is400() {
    HttpResponse<String> missing = store.get("/api/v1/traces/" + TestData.traceId(424242).toHex());
    HttpResponse<String> bad = store.get("/api/v1/traces/not-hex");

    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(StoreHarness.parse(missing.body()).path("error").asText()).contains("not found");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(StoreHarness.parse(bad.body()).path("error").asText()).contains("invalid trace id");
  }

  @Test
  void spansWithInvalidIds_areRefusedAsPartialSuccess_andTheRestIsStored() throws Exception {
    TraceId id = TestData.traceId(5);
    Span good = TestData.span(id, 1, null, "ok", Span.SpanKind.SPAN_KIND_SERVER, start, MS,
        io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_UNSET);
    Span noTrace = good.toBuilder().setTraceId(com.google.protobuf.ByteString.copyFrom(new byte[16])).build();
    Span shortSpan = good.toBuilder().setSpanId(com.google.protobuf.ByteString.copyFrom(new byte[3])).build();

    var result = store.send(TestData.request(TestData.resource("ids"), good, noTrace, shortSpan));
    store.flush();

    assertThat(result.isSuccess()).isTrue();
    assertThat(result.rejectedItems()).isEqualTo(2);
    assertThat(result.message()).contains("invalid trace id");
    assertThat(store.get("/api/v1/traces/" + id.toHex()).statusCode()).isEqualTo(200);
    assertThat(store.telemetry.value("traceyard_store_rejected_items", "traceyard", "invalid_id")).isEqualTo(2);
  }

  /** The API groups spans by resource and scope and orders them by start time; so does this. */
  static ExportTraceServiceRequest normalized(ExportTraceServiceRequest r) {
    ExportTraceServiceRequest.Builder out = ExportTraceServiceRequest.newBuilder();
    for (ResourceSpans rs : r.getResourceSpansList()) {
      ResourceSpans.Builder b = rs.toBuilder().clearScopeSpans();
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        List<Span> spans = new ArrayList<>(ss.getSpansList());
        spans.sort(Comparator.comparingLong(Span::getStartTimeUnixNano));
        b.addScopeSpans(ss.toBuilder().clearSpans().addAllSpans(spans));
      }
      out.addResourceSpans(b);
    }
    return out.build();
  }

  static int spanCount(ExportTraceServiceRequest r) {
    return r.getResourceSpansList().stream().flatMap(rs -> rs.getScopeSpansList().stream())
        .mapToInt(ScopeSpans::getSpansCount).sum();
  }
}
