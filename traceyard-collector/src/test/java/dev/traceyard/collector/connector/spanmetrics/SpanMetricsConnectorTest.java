package dev.traceyard.collector.connector.spanmetrics;

import static dev.traceyard.collector.connector.ConnectorTesting.attr;
import static dev.traceyard.collector.connector.ConnectorTesting.attributes;
import static dev.traceyard.collector.connector.ConnectorTesting.batch;
import static dev.traceyard.collector.connector.ConnectorTesting.error;
import static dev.traceyard.collector.connector.ConnectorTesting.metrics;
import static dev.traceyard.collector.connector.ConnectorTesting.span;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.google.protobuf.ByteString;
import dev.traceyard.collector.config.ConfigErrors;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.connector.ConnectorTesting;
import dev.traceyard.collector.connector.ConnectorTesting.Capture;
import dev.traceyard.collector.connector.ConnectorTesting.MutableClock;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.MetricBatch;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.Exemplar;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SpanMetricsConnectorTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final String CALLS = "traces.span.metrics.calls";
  private static final String DURATION = "traces.span.metrics.duration";

  private final SelfTelemetry telemetry = SelfTelemetry.forTesting();
  private final MutableClock clock = new MutableClock();
  private final Capture out = new Capture();
  private SpanMetricsConnector connector;

  @AfterEach
  void stop() {
    if (connector != null) {
      connector.shutdown();
    }
  }

  private SpanMetricsConnector connector(String yaml) throws Exception {
    return connector(yaml, clock, false);
  }

  private SpanMetricsConnector connector(String yaml, Clock c, boolean timer) throws Exception {
    ConfigErrors errors = new ConfigErrors();
    ConfigNode node = ConfigNode.of(YAML.readTree(yaml), "connectors.spanmetrics", errors);
    SpanMetricsConfig config = new SpanMetricsConnectorFactory().parseConfig(node);
    node.reportUnknownKeys();
    assertThat(errors.list()).isEmpty();
    connector = new SpanMetricsConnector(ConnectorTesting.settings("spanmetrics", telemetry), config, out, c, timer);
    connector.start(id -> java.util.Optional.empty());
    return connector;
  }

  private static long callsTotal(MetricBatch b, String name) {
    long total = 0;
    for (Metric m : metrics(b, name)) {
      for (NumberDataPoint dp : m.getSum().getDataPointsList()) {
        total += dp.getAsInt();
      }
    }
    return total;
  }

  private static List<NumberDataPoint> sumPoints(MetricBatch b, String name) {
    List<NumberDataPoint> out = new ArrayList<>();
    metrics(b, name).forEach(m -> out.addAll(m.getSum().getDataPointsList()));
    return out;
  }

  private static List<HistogramDataPoint> histogramPoints(MetricBatch b) {
    List<HistogramDataPoint> out = new ArrayList<>();
    metrics(b, DURATION).forEach(m -> out.addAll(m.getHistogram().getDataPointsList()));
    return out;
  }

  private static NumberDataPoint only(List<NumberDataPoint> points) {
    assertThat(points).hasSize(1);
    return points.get(0);
  }

  @Test
  void callCounts_equalTheSpansSent_acrossManyBatchesAndServices() throws Exception {
    connector("{}");
    Random random = new Random(42);
    String[] services = {"checkout", "cart", "payments"};
    String[] names = {"GET /cart", "POST /pay", "SELECT", "publish", "render"};
    SpanKind[] kinds = {SpanKind.SPAN_KIND_SERVER, SpanKind.SPAN_KIND_CLIENT, SpanKind.SPAN_KIND_INTERNAL};
    Map<String, Long> sentPerService = new HashMap<>();
    long sent = 0;
    for (int b = 0; b < 300; b++) {
      String service = services[random.nextInt(services.length)];
      int n = 1 + random.nextInt(40);
      List<Span> spans = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Span.Builder s = span(names[random.nextInt(names.length)], kinds[random.nextInt(kinds.length)],
            random.nextInt(3000) / 10.0);
        spans.add((random.nextInt(10) == 0 ? error(s) : s).build());
      }
      assertThat(connector.consume(batch(service, spans)).isSuccess()).isTrue();
      sent += n;
      sentPerService.merge(service, (long) n, Long::sum);
      if (b % 100 == 99) {
        connector.flush();
      }
    }
    connector.flush();

    MetricBatch last = out.last();
    assertThat(callsTotal(last, CALLS)).isEqualTo(sent);
    long histogramCount = histogramPoints(last).stream().mapToLong(HistogramDataPoint::getCount).sum();
    assertThat(histogramCount).isEqualTo(sent);
    Map<String, Long> perService = new HashMap<>();
    for (NumberDataPoint dp : sumPoints(last, CALLS)) {
      perService.merge(attributes(dp.getAttributesList()).get("service.name"), dp.getAsInt(), Long::sum);
    }
    assertThat(perService).isEqualTo(sentPerService);
    assertThat(last.request().getResourceMetricsCount()).isEqualTo(3);
    assertThat(telemetry.value(SpanMetricsTelemetry.SPANS, "spanmetrics")).isEqualTo(sent);
    assertThat(telemetry.value(SpanMetricsTelemetry.EMITTED_POINTS, "spanmetrics")).isPositive();
  }

  @Test
  void concurrentBatches_areAllCounted() throws Exception {
    connector("{}");
    ExecutorService pool = Executors.newFixedThreadPool(4);
    CountDownLatch go = new CountDownLatch(1);
    try {
      for (int t = 0; t < 4; t++) {
        pool.submit(() -> {
          go.await();
          for (int i = 0; i < 250; i++) {
            connector.consume(batch("svc", span("op", SpanKind.SPAN_KIND_SERVER, 1).build(),
                span("op", SpanKind.SPAN_KIND_SERVER, 2).build()));
          }
          return null;
        });
      }
      go.countDown();
      pool.shutdown();
      assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      pool.shutdownNow();
    }
    connector.flush();
    assertThat(callsTotal(out.last(), CALLS)).isEqualTo(2000);
  }

  @Test
  void series_areKeyedByServiceNameKindAndStatus() throws Exception {
    connector("{}");
    connector.consume(batch("svc", span("GET /a", SpanKind.SPAN_KIND_SERVER, 5).build(),
        span("GET /a", SpanKind.SPAN_KIND_SERVER, 5).build(),
        error(span("GET /a", SpanKind.SPAN_KIND_SERVER, 5)).build(),
        span("GET /a", SpanKind.SPAN_KIND_CLIENT, 5).build()));
    connector.flush();

    Map<Map<String, String>, Long> calls = new HashMap<>();
    sumPoints(out.last(), CALLS).forEach(dp -> calls.put(attributes(dp.getAttributesList()), dp.getAsInt()));
    assertThat(calls).containsOnly(
        Map.entry(Map.of("service.name", "svc", "span.name", "GET /a", "span.kind", "SPAN_KIND_SERVER",
            "status.code", "STATUS_CODE_UNSET"), 2L),
        Map.entry(Map.of("service.name", "svc", "span.name", "GET /a", "span.kind", "SPAN_KIND_SERVER",
            "status.code", "STATUS_CODE_ERROR"), 1L),
        Map.entry(Map.of("service.name", "svc", "span.name", "GET /a", "span.kind", "SPAN_KIND_CLIENT",
            "status.code", "STATUS_CODE_UNSET"), 1L));
    Metric callsMetric = metrics(out.last(), CALLS).get(0);
    assertThat(callsMetric.getSum().getIsMonotonic()).isTrue();
    assertThat(callsMetric.getSum().getAggregationTemporality())
        .isEqualTo(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
    assertThat(out.last().request().getResourceMetrics(0).getScopeMetrics(0).getScope().getName())
        .isEqualTo("spanmetricsconnector");
    assertThat(out.last().request().getResourceMetrics(0).getResource().getAttributesList())
        .containsExactly(attr("service.name", "svc"));
  }

  @Test
  void explicitHistogram_putsEachDurationInItsBucket() throws Exception {
    connector("histogram: {explicit: {buckets: [2ms, 10ms, 1s]}}");
    // A duration equal to a bound belongs to that bound's bucket: (prev, bound].
    for (double ms : new double[] {0.5, 2, 3, 10, 10.5, 999, 1000, 1001, 20_000}) {
      connector.consume(batch("svc", span("op", SpanKind.SPAN_KIND_SERVER, ms).build()));
    }
    connector.flush();

    HistogramDataPoint dp = histogramPoints(out.last()).get(0);
    assertThat(dp.getExplicitBoundsList()).containsExactly(2.0, 10.0, 1000.0);
    assertThat(dp.getBucketCountsList()).containsExactly(2L, 2L, 3L, 2L);
    assertThat(dp.getCount()).isEqualTo(9);
    assertThat(dp.getSum()).isCloseTo(0.5 + 2 + 3 + 10 + 10.5 + 999 + 1000 + 1001 + 20_000, org.assertj.core.data.Offset.offset(1e-6));
    assertThat(dp.getMin()).isEqualTo(0.5);
    assertThat(dp.getMax()).isEqualTo(20_000);
    assertThat(metrics(out.last(), DURATION).get(0).getUnit()).isEqualTo("ms");
  }

  @Test
  void defaultHistogram_usesOtelcolBucketsInMilliseconds() throws Exception {
    connector("{}");
    connector.consume(batch("svc", span("op", SpanKind.SPAN_KIND_SERVER, 7).build()));
    connector.flush();

    HistogramDataPoint dp = histogramPoints(out.last()).get(0);
    assertThat(dp.getExplicitBoundsList()).containsExactly(2.0, 4.0, 6.0, 8.0, 10.0, 50.0, 100.0, 200.0, 400.0, 800.0,
        1000.0, 1400.0, 2000.0, 5000.0, 10000.0, 15000.0);
    assertThat(dp.getBucketCounts(3)).isEqualTo(1);
  }

  @Test
  void secondsUnit_recordsDurationsAndBoundsInSeconds() throws Exception {
    connector("histogram: {unit: s, explicit: {buckets: [100ms, 1s]}}");
    connector.consume(batch("svc", span("op", SpanKind.SPAN_KIND_SERVER, 250).build()));
    connector.flush();

    HistogramDataPoint dp = histogramPoints(out.last()).get(0);
    assertThat(dp.getExplicitBoundsList()).containsExactly(0.1, 1.0);
    assertThat(dp.getBucketCountsList()).containsExactly(0L, 1L, 0L);
    assertThat(dp.getSum()).isCloseTo(0.25, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(metrics(out.last(), DURATION).get(0).getUnit()).isEqualTo("s");
  }

  @Test
  void exponentialHistogram_countsEveryDurationWithinMaxSize() throws Exception {
    connector("histogram: {exponential: {max_size: 20}}");
    for (double ms : new double[] {0, 1, 2, 4, 100, 1000, 60_000}) {
      connector.consume(batch("svc", span("op", SpanKind.SPAN_KIND_SERVER, ms).build()));
    }
    connector.flush();

    Metric m = metrics(out.last(), DURATION).get(0);
    assertThat(m.hasExponentialHistogram()).isTrue();
    ExponentialHistogramDataPoint dp = m.getExponentialHistogram().getDataPoints(0);
    assertThat(dp.getCount()).isEqualTo(7);
    assertThat(dp.getZeroCount()).isEqualTo(1);
    assertThat(dp.getPositive().getBucketCountsList().stream().mapToLong(Long::longValue).sum()).isEqualTo(6);
    assertThat(dp.getPositive().getBucketCountsCount()).isLessThanOrEqualTo(20);
    assertThat(dp.getMax()).isEqualTo(60_000);
  }

  @Test
  void disabledHistogram_emitsCallsOnly() throws Exception {
    connector("histogram: {disable: true}");
    connector.consume(batch("svc", span("op", SpanKind.SPAN_KIND_SERVER, 1).build()));
    connector.flush();
    assertThat(metrics(out.last(), DURATION)).isEmpty();
    assertThat(callsTotal(out.last(), CALLS)).isEqualTo(1);
  }

  @Test
  void exemplars_carryTheSpansTraceAndSpanIds() throws Exception {
    connector("exemplars: {enabled: true}");
    Span a = span("op", SpanKind.SPAN_KIND_SERVER, 12).build();
    Span b = span("op", SpanKind.SPAN_KIND_SERVER, 30).build();
    connector.consume(batch("svc", a, b));
    connector.flush();

    List<Exemplar> exemplars = histogramPoints(out.last()).get(0).getExemplarsList();
    assertThat(exemplars).extracting(Exemplar::getTraceId).containsExactlyInAnyOrder(a.getTraceId(), b.getTraceId());
    assertThat(exemplars).extracting(Exemplar::getSpanId).containsExactlyInAnyOrder(a.getSpanId(), b.getSpanId());
    assertThat(exemplars).extracting(Exemplar::getAsDouble).containsExactlyInAnyOrder(12.0, 30.0);
    assertThat(exemplars).extracting(Exemplar::getTimeUnixNano)
        .containsExactlyInAnyOrder(a.getEndTimeUnixNano(), b.getEndTimeUnixNano());

    // Exemplars belong to their interval: the next flush of the cumulative series carries none.
    connector.flush();
    assertThat(histogramPoints(out.last()).get(0).getExemplarsList()).isEmpty();
  }

  @Test
  void exemplars_areBoundedPerDataPoint() throws Exception {
    connector("exemplars: {enabled: true, max_per_data_point: 5}");
    Set<ByteString> sent = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      Span s = span("op", SpanKind.SPAN_KIND_SERVER, i).build();
      sent.add(s.getSpanId());
      connector.consume(batch("svc", s));
    }
    connector.flush();

    List<Exemplar> exemplars = histogramPoints(out.last()).get(0).getExemplarsList();
    assertThat(exemplars).hasSize(5);
    assertThat(exemplars).extracting(Exemplar::getSpanId).allMatch(sent::contains).doesNotHaveDuplicates();
  }

  @Test
  void exemplarsDisabled_byDefault() throws Exception {
    connector("{}");
    connector.consume(batch("svc", span("op", SpanKind.SPAN_KIND_SERVER, 1).build()));
    connector.flush();
    assertThat(histogramPoints(out.last()).get(0).getExemplarsList()).isEmpty();
  }

  @Test
  void cumulative_keepsCountingFromTheSeriesStart() throws Exception {
    connector("{}");
    long start = clock.nanos();
    connector.consume(batch("svc", span("op", SpanKind.SPAN_KIND_SERVER, 1).build(),
        span("op", SpanKind.SPAN_KIND_SERVER, 1).build(), span("op", SpanKind.SPAN_KIND_SERVER, 1).build()));
    clock.advance(Duration.ofSeconds(60));
    connector.flush();
    NumberDataPoint first = only(sumPoints(out.last(), CALLS));
    assertThat(first.getAsInt()).isEqualTo(3);
    assertThat(first.getStartTimeUnixNano()).isEqualTo(start);
    assertThat(first.getTimeUnixNano()).isEqualTo(clock.nanos());

    connector.consume(batch("svc", span("op", SpanKind.SPAN_KIND_SERVER, 1).build(),
        span("op", SpanKind.SPAN_KIND_SERVER, 1).build()));
    clock.advance(Duration.ofSeconds(60));
    connector.flush();
    NumberDataPoint second = only(sumPoints(out.last(), CALLS));
    assertThat(second.getAsInt()).isEqualTo(5);
    assertThat(second.getStartTimeUnixNano()).isEqualTo(start);
    assertThat(histogramPoints(out.last()).get(0).getCount()).isEqualTo(5);

    // Unchanged series are emitted again: cumulative consumers expect every series at every flush.
    clock.advance(Duration.ofSeconds(60));
    connector.flush();
    assertThat(only(sumPoints(out.last(), CALLS)).getAsInt()).isEqualTo(5);
    assertThat(out.batches).hasSize(3);
  }

  @Test
  void delta_countsEachIntervalFromThePreviousFlush() throws Exception {
    connector("aggregation_temporality: AGGREGATION_TEMPORALITY_DELTA");
    long start = clock.nanos();
    connector.consume(batch("svc", span("op", SpanKind.SPAN_KIND_SERVER, 1).build(),
        span("op", SpanKind.SPAN_KIND_SERVER, 1).build(), span("op", SpanKind.SPAN_KIND_SERVER, 1).build()));
    clock.advance(Duration.ofSeconds(60));
    long firstFlush = clock.nanos();
    connector.flush();
    NumberDataPoint first = only(sumPoints(out.last(), CALLS));
    assertThat(first.getAsInt()).isEqualTo(3);
    assertThat(first.getStartTimeUnixNano()).isEqualTo(start);
    assertThat(first.getTimeUnixNano()).isEqualTo(firstFlush);
    assertThat(metrics(out.last(), CALLS).get(0).getSum().getAggregationTemporality())
        .isEqualTo(AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA);
    assertThat(metrics(out.last(), DURATION).get(0).getHistogram().getAggregationTemporality())
        .isEqualTo(AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA);

    connector.consume(batch("svc", span("op", SpanKind.SPAN_KIND_SERVER, 1).build(),
        span("op", SpanKind.SPAN_KIND_SERVER, 1).build()));
    clock.advance(Duration.ofSeconds(60));
    connector.flush();
    NumberDataPoint second = only(sumPoints(out.last(), CALLS));
    assertThat(second.getAsInt()).isEqualTo(2);
    assertThat(second.getStartTimeUnixNano()).isEqualTo(firstFlush);
    assertThat(histogramPoints(out.last()).get(0).getCount()).isEqualTo(2);
    assertThat(connector.seriesCount()).isZero();

    // Nothing happened: nothing to send.
    clock.advance(Duration.ofSeconds(60));
    connector.flush();
    assertThat(out.batches).hasSize(2);
  }

  @Test
  void seriesOverTheCacheSize_goToAnOverflowSeries_andTotalsStayExact() throws Exception {
    connector("dimensions_cache_size: 3");
    for (int i = 0; i < 10; i++) {
      connector.consume(batch("svc", span("op-" + i, SpanKind.SPAN_KIND_SERVER, 1).build(),
          span("op-" + i, SpanKind.SPAN_KIND_SERVER, 1).build()));
    }
    connector.flush();

    List<NumberDataPoint> points = sumPoints(out.last(), CALLS);
    assertThat(points).hasSize(4);
    NumberDataPoint overflow = points.stream()
        .filter(dp -> attributes(dp.getAttributesList()).containsKey("otel.metric.overflow")).findFirst().orElseThrow();
    assertThat(overflow.getAttributesList()).hasSize(1);
    assertThat(overflow.getAttributes(0).getValue().getBoolValue()).isTrue();
    assertThat(overflow.getAsInt()).isEqualTo(14);
    assertThat(callsTotal(out.last(), CALLS)).isEqualTo(20);
    assertThat(histogramPoints(out.last())).hasSize(4);
    assertThat(connector.seriesCount()).isEqualTo(3);
    assertThat(telemetry.value(SpanMetricsTelemetry.OVERFLOW_SPANS, "spanmetrics", "series")).isEqualTo(14);
    assertThat(telemetry.scrape()).contains("traceyard_connector_spanmetrics_series{connector=\"spanmetrics\"} 3.0");

    // Existing series keep counting on their own.
    connector.consume(batch("svc", span("op-0", SpanKind.SPAN_KIND_SERVER, 1).build()));
    connector.flush();
    assertThat(sumPoints(out.last(), CALLS).stream()
        .filter(dp -> "op-0".equals(attributes(dp.getAttributesList()).get("span.name")))
        .findFirst().orElseThrow().getAsInt()).isEqualTo(3);
  }

  @Test
  void aggregationCardinalityLimit_takesPrecedenceOverTheCacheSize() throws Exception {
    connector("dimensions_cache_size: 100\naggregation_cardinality_limit: 2");
    for (int i = 0; i < 5; i++) {
      connector.consume(batch("svc", span("op-" + i, SpanKind.SPAN_KIND_SERVER, 1).build()));
    }
    assertThat(connector.seriesCount()).isEqualTo(2);
    assertThat(telemetry.value(SpanMetricsTelemetry.OVERFLOW_SPANS, "spanmetrics", "series")).isEqualTo(3);
  }

  @Test
  void resourcesOverTheCacheSize_goToAnOverflowResource() throws Exception {
    connector("resource_metrics_cache_size: 2");
    for (String service : new String[] {"a", "b", "c", "d"}) {
      connector.consume(batch(service, span("op", SpanKind.SPAN_KIND_SERVER, 1).build()));
    }
    connector.flush();

    List<ResourceMetrics> resources = out.last().request().getResourceMetricsList();
    assertThat(resources).hasSize(3);
    ResourceMetrics overflow = resources.stream().filter(r -> attributes(r.getResource().getAttributesList())
        .containsKey("otel.metric.overflow")).findFirst().orElseThrow();
    assertThat(overflow.getScopeMetrics(0).getMetrics(0).getSum().getDataPoints(0).getAsInt()).isEqualTo(2);
    assertThat(callsTotal(out.last(), CALLS)).isEqualTo(4);
    assertThat(telemetry.value(SpanMetricsTelemetry.OVERFLOW_SPANS, "spanmetrics", "resources")).isEqualTo(2);
  }

  @Test
  void resourceKeyAttributes_mergeResourcesThatDifferElsewhere() throws Exception {
    connector("resource_metrics_key_attributes: [service.name]");
    connector.consume(batch("svc", List.of(span("op", SpanKind.SPAN_KIND_SERVER, 1).build()), attr("process.pid", 1)));
    connector.consume(batch("svc", List.of(span("op", SpanKind.SPAN_KIND_SERVER, 1).build()), attr("process.pid", 2)));
    connector.flush();
    assertThat(out.last().request().getResourceMetricsCount()).isEqualTo(1);
    assertThat(only(sumPoints(out.last(), CALLS)).getAsInt()).isEqualTo(2);
  }

  @Test
  void resourcesWithDifferentAttributes_makeDifferentResourceMetrics() throws Exception {
    connector("{}");
    connector.consume(batch("svc", List.of(span("op", SpanKind.SPAN_KIND_SERVER, 1).build()), attr("process.pid", 1)));
    connector.consume(batch("svc", List.of(span("op", SpanKind.SPAN_KIND_SERVER, 1).build()), attr("process.pid", 2)));
    connector.flush();
    assertThat(out.last().request().getResourceMetricsCount()).isEqualTo(2);
  }

  @Test
  void dimensions_comeFromSpanThenResourceAttributes_withDefaults() throws Exception {
    connector(String.join("\n",
        "dimensions:",
        "  - name: http.method",
        "    default: GET",
        "  - name: region",
        "  - name: http.status_code",
        "exclude_dimensions: [status.code]"));
    connector.consume(batch("svc", List.of(
        span("op", SpanKind.SPAN_KIND_SERVER, 1).addAttributes(attr("http.method", "POST"))
            .addAttributes(attr("http.status_code", 500)).build(),
        span("op", SpanKind.SPAN_KIND_SERVER, 1).build(),
        span("op", SpanKind.SPAN_KIND_SERVER, 1).addAttributes(attr("http.status_code", "500")).build()),
        attr("region", "eu")));
    connector.flush();

    List<Map<String, String>> series = new ArrayList<>();
    sumPoints(out.last(), CALLS).forEach(dp -> series.add(attributes(dp.getAttributesList())));
    assertThat(series).containsExactlyInAnyOrder(
        Map.of("service.name", "svc", "span.name", "op", "span.kind", "SPAN_KIND_SERVER", "http.method", "POST",
            "region", "eu", "http.status_code", "500"),
        Map.of("service.name", "svc", "span.name", "op", "span.kind", "SPAN_KIND_SERVER", "http.method", "GET",
            "region", "eu"),
        // A string "500" and an integer 500 are different values, as in otelcol.
        Map.of("service.name", "svc", "span.name", "op", "span.kind", "SPAN_KIND_SERVER", "http.method", "GET",
            "region", "eu", "http.status_code", "500"));
    NumberDataPoint typed = sumPoints(out.last(), CALLS).stream()
        .filter(dp -> dp.getAttributesList().stream().anyMatch(kv -> kv.getValue().hasIntValue())).findFirst()
        .orElseThrow();
    assertThat(typed.getAsInt()).isEqualTo(1);
  }

  @Test
  void namespace_prefixesMetricNames() throws Exception {
    connector("namespace: red");
    connector.consume(batch("svc", span("op", SpanKind.SPAN_KIND_SERVER, 1).build()));
    connector.flush();
    assertThat(out.last().request().getResourceMetrics(0).getScopeMetrics(0).getMetricsList())
        .extracting(Metric::getName).containsExactly("red.calls", "red.duration");
  }

  @Test
  void emptyNamespace_leavesNamesBare() throws Exception {
    connector("namespace: ''");
    connector.consume(batch("svc", span("op", SpanKind.SPAN_KIND_SERVER, 1).build()));
    connector.flush();
    assertThat(out.last().request().getResourceMetrics(0).getScopeMetrics(0).getMetricsList())
        .extracting(Metric::getName).containsExactly("calls", "duration");
  }

  @Test
  void spansWithoutServiceName_areCountedAsUnknownService() throws Exception {
    connector("{}");
    connector.consume(batch(null, span("op", SpanKind.SPAN_KIND_SERVER, 1).build()));
    connector.flush();
    assertThat(attributes(only(sumPoints(out.last(), CALLS)).getAttributesList()))
        .containsEntry("service.name", "unknown_service");
  }

  @Test
  void spansEndingBeforeTheyStart_countAsZeroDuration() throws Exception {
    connector("{}");
    connector.consume(batch("svc", span("op", SpanKind.SPAN_KIND_SERVER, 1)
        .setEndTimeUnixNano(ConnectorTesting.T0 - 5).build()));
    connector.flush();
    HistogramDataPoint dp = histogramPoints(out.last()).get(0);
    assertThat(dp.getSum()).isZero();
    assertThat(dp.getBucketCounts(0)).isEqualTo(1);
  }

  @Test
  void metricsExpiration_stopsEmittingIdleResources() throws Exception {
    connector("metrics_expiration: 5m");
    connector.consume(batch("idle", span("op", SpanKind.SPAN_KIND_SERVER, 1).build()));
    clock.advance(Duration.ofMinutes(1));
    connector.flush();
    assertThat(callsTotal(out.last(), CALLS)).isEqualTo(1);

    clock.advance(Duration.ofMinutes(5));
    connector.consume(batch("busy", span("op", SpanKind.SPAN_KIND_SERVER, 1).build()));
    connector.flush();
    assertThat(out.last().request().getResourceMetricsList()).extracting(r -> attributes(r.getResource()
        .getAttributesList()).get("service.name")).containsExactly("busy");
    assertThat(connector.seriesCount()).isEqualTo(1);
  }

  @Test
  void seriesExpiration_stopsEmittingIdleSeries() throws Exception {
    connector("series_expiration: 5m");
    connector.consume(batch("svc", span("old", SpanKind.SPAN_KIND_SERVER, 1).build()));
    clock.advance(Duration.ofMinutes(6));
    connector.consume(batch("svc", span("new", SpanKind.SPAN_KIND_SERVER, 1).build()));
    // "old" expired before it was ever emitted: it goes out once, then is gone.
    connector.flush();
    assertThat(sumPoints(out.last(), CALLS)).hasSize(2);
    clock.advance(Duration.ofSeconds(1));
    connector.flush();
    assertThat(sumPoints(out.last(), CALLS)).extracting(dp -> attributes(dp.getAttributesList()).get("span.name"))
        .containsExactly("new");
  }

  @Test
  void events_areCountedWithTheirAttributes() throws Exception {
    connector("events: {enabled: true, dimensions: [{name: exception.type}]}");
    connector.consume(batch("svc", span("op", SpanKind.SPAN_KIND_SERVER, 1)
        .addEvents(Span.Event.newBuilder().setName("exception").addAttributes(attr("exception.type", "IOException")))
        .addEvents(Span.Event.newBuilder().setName("exception").addAttributes(attr("exception.type", "IOException")))
        .addEvents(Span.Event.newBuilder().setName("log")).build()));
    connector.flush();

    Map<String, Long> byType = new HashMap<>();
    sumPoints(out.last(), "traces.span.metrics.events").forEach(dp ->
        byType.put(attributes(dp.getAttributesList()).getOrDefault("exception.type", "-"), dp.getAsInt()));
    assertThat(byType).containsOnly(Map.entry("IOException", 2L), Map.entry("-", 1L));
    assertThat(callsTotal(out.last(), CALLS)).isEqualTo(1);
  }

  @Test
  void refusedFlush_isCounted_andCumulativeValuesGoAgainNextTime() throws Exception {
    connector("{}");
    out.answer = ConsumeResult.retryable("down", null);
    connector.consume(batch("svc", span("op", SpanKind.SPAN_KIND_SERVER, 1).build()));
    connector.flush();
    assertThat(telemetry.value(SpanMetricsTelemetry.FAILED_POINTS, "spanmetrics")).isEqualTo(2);

    out.answer = ConsumeResult.success();
    connector.flush();
    assertThat(callsTotal(out.last(), CALLS)).isEqualTo(1);
  }

  @Test
  void consume_refusesOtherSignals() throws Exception {
    connector("{}");
    ConsumeResult r = connector.consume(Batch.of(ExportLogsServiceRequest.getDefaultInstance()));
    assertThat(r.isPermanent()).isTrue();
    assertThat(r.message()).contains("spanmetrics takes traces");
  }

  @Test
  void nothingCounted_emitsNothing() throws Exception {
    connector("{}");
    connector.flush();
    assertThat(out.batches).isEmpty();
  }

  @Test
  void shutdown_emitsAFinalFlush_andLaterSpansAreStillEmitted() throws Exception {
    connector("{}");
    connector.consume(batch("svc", span("op", SpanKind.SPAN_KIND_SERVER, 1).build()));
    connector.shutdown();
    assertThat(callsTotal(out.last(), CALLS)).isEqualTo(1);

    connector.consume(batch("svc", span("op", SpanKind.SPAN_KIND_SERVER, 1).build()));
    assertThat(callsTotal(out.last(), CALLS)).isEqualTo(2);
    connector = null;
  }

  @Test
  void timer_flushesEveryInterval() throws Exception {
    connector("metrics_flush_interval: 50ms", Clock.systemUTC(), true);
    connector.consume(batch("svc", span("op", SpanKind.SPAN_KIND_SERVER, 1).build()));
    await().atMost(Duration.ofSeconds(30)).until(() -> out.batches.size() >= 2);
    assertThat(callsTotal(out.last(), CALLS)).isEqualTo(1);
  }

  @Test
  void zeroFlushInterval_emitsAfterEveryBatch() throws Exception {
    connector("metrics_flush_interval: 0s", Clock.systemUTC(), true);
    connector.consume(batch("svc", span("op", SpanKind.SPAN_KIND_SERVER, 1).build()));
    assertThat(out.batches).hasSize(1);
    connector.consume(batch("svc", span("op", SpanKind.SPAN_KIND_SERVER, 1).build()));
    assertThat(callsTotal(out.last(), CALLS)).isEqualTo(2);
  }
}
