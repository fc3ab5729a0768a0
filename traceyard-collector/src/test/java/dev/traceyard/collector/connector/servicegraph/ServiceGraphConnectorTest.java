package dev.traceyard.collector.connector.servicegraph;

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
import io.opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ServiceGraphConnectorTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final SelfTelemetry telemetry = SelfTelemetry.forTesting();
  private final MutableClock clock = new MutableClock();
  private final Capture out = new Capture();
  private ServiceGraphConnector connector;

  @AfterEach
  void stop() {
    if (connector != null) {
      connector.shutdown();
    }
  }

  private ServiceGraphConnector connector(String yaml) throws Exception {
    return connector(yaml, clock, false, ServiceGraphConnector.DEFAULT_MAX_SERIES);
  }

  private ServiceGraphConnector connector(String yaml, Clock c, boolean timer, int maxSeries) throws Exception {
    ConfigErrors errors = new ConfigErrors();
    ConfigNode node = ConfigNode.of(YAML.readTree(yaml), "connectors.servicegraph", errors);
    ServiceGraphConfig config = new ServiceGraphConnectorFactory().parseConfig(node);
    node.reportUnknownKeys();
    assertThat(errors.list()).isEmpty();
    connector = new ServiceGraphConnector(ConnectorTesting.settings("servicegraph", telemetry), config, out, c, timer,
        maxSeries);
    connector.start(id -> Optional.empty());
    return connector;
  }

  private static Span.Builder client(String name, double ms) {
    return span(name, SpanKind.SPAN_KIND_CLIENT, ms);
  }

  /** The server span answering {@code client}: same trace, parent is the client span. */
  private static Span.Builder serverOf(Span client, double ms) {
    return span(client.getName(), SpanKind.SPAN_KIND_SERVER, ms).setTraceId(client.getTraceId())
        .setParentSpanId(client.getSpanId());
  }

  /** Sum points of {@code name} keyed by their attributes. */
  private static Map<Map<String, String>, Long> sums(MetricBatch b, String name) {
    Map<Map<String, String>, Long> out = new HashMap<>();
    for (Metric m : metrics(b, name)) {
      for (NumberDataPoint dp : m.getSum().getDataPointsList()) {
        out.put(attributes(dp.getAttributesList()), dp.getAsInt());
      }
    }
    return out;
  }

  private static List<HistogramDataPoint> histograms(MetricBatch b, String name) {
    List<HistogramDataPoint> out = new ArrayList<>();
    metrics(b, name).forEach(m -> out.addAll(m.getHistogram().getDataPointsList()));
    return out;
  }

  private static Map<String, String> edge(String client, String server, String type, boolean failed) {
    return Map.of("client", client, "server", server, "connection_type", type, "failed", String.valueOf(failed));
  }

  @Test
  void clientThenServer_inSeparateBatches_makeOneEdge() throws Exception {
    connector("{}");
    Span c = client("GET /cart", 30).build();
    connector.consume(batch("frontend", c));
    assertThat(connector.storeSize()).isEqualTo(1);
    connector.consume(batch("cart", serverOf(c, 20).build()));
    assertThat(connector.storeSize()).isZero();
    connector.flush();

    assertThat(sums(out.last(), ServiceGraphConnector.REQUEST_TOTAL))
        .containsOnly(Map.entry(edge("frontend", "cart", "", false), 1L));
    assertThat(metrics(out.last(), ServiceGraphConnector.REQUEST_FAILED_TOTAL)).isEmpty();
    HistogramDataPoint serverLatency = histograms(out.last(), ServiceGraphConnector.SERVER_SECONDS).get(0);
    HistogramDataPoint clientLatency = histograms(out.last(), ServiceGraphConnector.CLIENT_SECONDS).get(0);
    assertThat(serverLatency.getSum()).isCloseTo(0.020, Offset.offset(1e-9));
    assertThat(clientLatency.getSum()).isCloseTo(0.030, Offset.offset(1e-9));
    assertThat(serverLatency.getExplicitBoundsList()).hasSize(16).first().isEqualTo(0.002);
    assertThat(metrics(out.last(), ServiceGraphConnector.SERVER_SECONDS).get(0).getUnit()).isEqualTo("s");
    assertThat(out.last().request().getResourceMetrics(0).getScopeMetrics(0).getScope().getName())
        .isEqualTo("traces_service_graph");
    assertThat(telemetry.value(ServiceGraphTelemetry.TOTAL_EDGES, "servicegraph")).isEqualTo(1);
  }

  @Test
  void serverThenClient_pairAsWell() throws Exception {
    connector("{}");
    Span c = client("GET /cart", 30).build();
    connector.consume(batch("cart", serverOf(c, 20).build()));
    connector.consume(batch("frontend", c));
    connector.flush();
    assertThat(sums(out.last(), ServiceGraphConnector.REQUEST_TOTAL))
        .containsOnly(Map.entry(edge("frontend", "cart", "", false), 1L));
    assertThat(connector.storeSize()).isZero();
  }

  @Test
  void manyInterleavedRequests_areAllPaired() throws Exception {
    connector("store: {max_items: 10000}");
    List<Span> clients = new ArrayList<>();
    List<Span> servers = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      Span c = client("call", 5).build();
      clients.add(c);
      servers.add(serverOf(c, 4).build());
    }
    // Servers of even requests come first; each side split over many batches.
    for (int i = 0; i < 500; i += 50) {
      connector.consume(batch("api", clients.subList(i, i + 50).stream().filter(s -> clients.indexOf(s) % 2 == 1).toList()));
      connector.consume(batch("db-proxy", servers.subList(i, i + 50)));
      connector.consume(batch("api", clients.subList(i, i + 50).stream().filter(s -> clients.indexOf(s) % 2 == 0).toList()));
    }
    connector.flush();
    assertThat(sums(out.last(), ServiceGraphConnector.REQUEST_TOTAL))
        .containsOnly(Map.entry(edge("api", "db-proxy", "", false), 500L));
    assertThat(connector.storeSize()).isZero();
  }

  @Test
  void failedRequests_areCountedWhenEitherSideFailed() throws Exception {
    connector("{}");
    Span ok = client("a", 1).build();
    Span clientFailed = error(client("b", 1)).build();
    Span serverFails = client("c", 1).build();
    connector.consume(batch("frontend", ok, clientFailed, serverFails));
    connector.consume(batch("cart", serverOf(ok, 1).build(), serverOf(clientFailed, 1).build(),
        error(serverOf(serverFails, 1)).build()));
    connector.flush();

    assertThat(sums(out.last(), ServiceGraphConnector.REQUEST_TOTAL)).containsOnly(
        Map.entry(edge("frontend", "cart", "", false), 1L), Map.entry(edge("frontend", "cart", "", true), 2L));
    assertThat(sums(out.last(), ServiceGraphConnector.REQUEST_FAILED_TOTAL))
        .containsOnly(Map.entry(edge("frontend", "cart", "", true), 2L));
  }

  @Test
  void producerAndConsumer_makeAMessagingEdge() throws Exception {
    connector("{}");
    Span producer = span("orders publish", SpanKind.SPAN_KIND_PRODUCER, 2).build();
    Span consumer = span("orders process", SpanKind.SPAN_KIND_CONSUMER, 50).setTraceId(producer.getTraceId())
        .setParentSpanId(producer.getSpanId()).build();
    connector.consume(batch("shop", producer));
    connector.consume(batch("billing", consumer));
    connector.flush();
    assertThat(sums(out.last(), ServiceGraphConnector.REQUEST_TOTAL))
        .containsOnly(Map.entry(edge("shop", "billing", "messaging_system", false), 1L));
  }

  @Test
  void clientSpanWithDbSystem_isADatabaseEdgeAtOnce() throws Exception {
    connector("{}");
    connector.consume(batch("orders", client("SELECT", 8).addAttributes(attr("db.system", "postgresql")).build(),
        client("SELECT", 8).addAttributes(attr("db.system", "postgresql")).addAttributes(attr("db.name", "orders_db"))
            .build()));
    assertThat(connector.storeSize()).isZero();
    connector.flush();
    assertThat(sums(out.last(), ServiceGraphConnector.REQUEST_TOTAL)).containsOnly(
        Map.entry(edge("orders", "postgresql", "database", false), 1L),
        Map.entry(edge("orders", "orders_db", "database", false), 1L));
    assertThat(histograms(out.last(), ServiceGraphConnector.SERVER_SECONDS).get(0).getSum())
        .isCloseTo(0.008, Offset.offset(1e-9));
  }

  @Test
  void databaseNameAttributes_canBeConfigured() throws Exception {
    connector("database_name_attributes: [db.instance]");
    connector.consume(batch("orders", client("SELECT", 8).addAttributes(attr("db.instance", "primary")).build()));
    connector.flush();
    assertThat(sums(out.last(), ServiceGraphConnector.REQUEST_TOTAL))
        .containsOnly(Map.entry(edge("orders", "primary", "database", false), 1L));
  }

  @Test
  void nothingExpires_beforeTheTtl() throws Exception {
    connector("store: {ttl: 2s}");
    connector.consume(batch("frontend", client("GET", 1).build()));
    clock.advance(Duration.ofMillis(1999));
    connector.expire();
    assertThat(connector.storeSize()).isEqualTo(1);
  }

  @Test
  void expiredClientSpan_becomesAnEdgeToItsVirtualPeer() throws Exception {
    connector("store: {ttl: 2s}");
    connector.consume(batch("frontend", client("GET", 40).addAttributes(attr("peer.service", "payments-api")).build(),
        client("GET", 40).build()));
    clock.advance(Duration.ofSeconds(2));
    connector.expire();
    assertThat(connector.storeSize()).isZero();
    connector.flush();

    assertThat(sums(out.last(), ServiceGraphConnector.REQUEST_TOTAL)).containsOnly(
        Map.entry(edge("frontend", "payments-api", "virtual_node", false), 1L),
        Map.entry(edge("frontend", "unknown", "virtual_node", false), 1L));
    // Only the client side was seen: the server histogram has nothing to say.
    assertThat(metrics(out.last(), ServiceGraphConnector.SERVER_SECONDS)).isEmpty();
    assertThat(histograms(out.last(), ServiceGraphConnector.CLIENT_SECONDS)).hasSize(2);
    assertThat(telemetry.value(ServiceGraphTelemetry.EXPIRED_EDGES, "servicegraph")).isEqualTo(2);
    assertThat(telemetry.value(ServiceGraphTelemetry.UNPAIRED_SPANS, "servicegraph")).isZero();
  }

  @Test
  void expiredRootServerSpan_becomesAnEdgeFromUser() throws Exception {
    connector("{}");
    connector.consume(batch("frontend", span("GET /", SpanKind.SPAN_KIND_SERVER, 12).build()));
    clock.advance(Duration.ofSeconds(3));
    connector.expire();
    connector.flush();
    assertThat(sums(out.last(), ServiceGraphConnector.REQUEST_TOTAL))
        .containsOnly(Map.entry(edge("user", "frontend", "virtual_node", false), 1L));
    assertThat(metrics(out.last(), ServiceGraphConnector.CLIENT_SECONDS)).isEmpty();
  }

  @Test
  void expiredServerSpanWithAParent_isCountedUnpaired() throws Exception {
    connector("{}");
    Span lost = client("GET", 1).build();
    connector.consume(batch("cart", serverOf(lost, 3).build()));
    clock.advance(Duration.ofSeconds(3));
    connector.expire();
    connector.flush();

    assertThat(metrics(out.last(), ServiceGraphConnector.REQUEST_TOTAL)).isEmpty();
    assertThat(sums(out.last(), ServiceGraphConnector.UNPAIRED_TOTAL)).containsOnly(
        Map.entry(Map.of("client", "", "server", "cart", "connection_type", ""), 1L));
    assertThat(telemetry.value(ServiceGraphTelemetry.UNPAIRED_SPANS, "servicegraph")).isEqualTo(1);
    assertThat(telemetry.value(ServiceGraphTelemetry.EXPIRED_EDGES, "servicegraph")).isEqualTo(1);
  }

  @Test
  void withoutPeerAttributes_expiredClientSpansAreUnpaired() throws Exception {
    connector("virtual_node_peer_attributes: []");
    connector.consume(batch("frontend", client("GET", 1).addAttributes(attr("peer.service", "x")).build()));
    clock.advance(Duration.ofSeconds(3));
    connector.expire();
    connector.flush();
    assertThat(sums(out.last(), ServiceGraphConnector.UNPAIRED_TOTAL)).containsOnly(
        Map.entry(Map.of("client", "frontend", "server", "", "connection_type", ""), 1L));
  }

  @Test
  void lateServerSpan_afterExpiry_isItsOwnUnpairedSpan() throws Exception {
    connector("virtual_node_peer_attributes: []");
    Span c = client("GET", 1).build();
    connector.consume(batch("frontend", c));
    clock.advance(Duration.ofSeconds(3));
    connector.expire();
    connector.consume(batch("cart", serverOf(c, 1).build()));
    clock.advance(Duration.ofSeconds(3));
    connector.expire();
    connector.flush();
    assertThat(sums(out.last(), ServiceGraphConnector.UNPAIRED_TOTAL)).containsOnly(
        Map.entry(Map.of("client", "frontend", "server", "", "connection_type", ""), 1L),
        Map.entry(Map.of("client", "", "server", "cart", "connection_type", ""), 1L));
  }

  @Test
  void fullStore_dropsNewHalves_andCountsThem() throws Exception {
    connector("store: {max_items: 2}");
    Span a = client("a", 1).build();
    Span b = client("b", 1).build();
    connector.consume(batch("frontend", a, b, client("c", 1).build()));
    assertThat(connector.storeSize()).isEqualTo(2);
    assertThat(telemetry.value(ServiceGraphTelemetry.DROPPED_SPANS, "servicegraph")).isEqualTo(1);

    // Halves already waiting still pair, even with the store full.
    connector.consume(batch("cart", serverOf(a, 1).build()));
    connector.flush();
    assertThat(sums(out.last(), ServiceGraphConnector.REQUEST_TOTAL))
        .containsOnly(Map.entry(edge("frontend", "cart", "", false), 1L));
    assertThat(sums(out.last(), ServiceGraphConnector.DROPPED_TOTAL)).containsOnly(
        Map.entry(Map.of("client", "frontend", "server", "", "connection_type", ""), 1L));
    assertThat(telemetry.scrape()).contains("traceyard_connector_servicegraph_edges_in_store{connector=\"servicegraph\"} 1.0");
  }

  @Test
  void dimensions_areLabelledBySide() throws Exception {
    connector("dimensions: [deployment.environment, http.route]");
    Span c = client("GET", 1).build();
    connector.consume(batch("frontend", List.of(c), attr("deployment.environment", "prod")));
    connector.consume(batch("cart", List.of(serverOf(c, 1).addAttributes(attr("http.route", "/cart/{id}")).build()),
        attr("deployment.environment", "prod")));
    connector.flush();
    Map<String, String> expected = new HashMap<>(edge("frontend", "cart", "", false));
    expected.put("client_deployment.environment", "prod");
    expected.put("server_deployment.environment", "prod");
    expected.put("server_http.route", "/cart/{id}");
    assertThat(sums(out.last(), ServiceGraphConnector.REQUEST_TOTAL)).containsOnly(Map.entry(expected, 1L));
  }

  @Test
  void virtualNodeExtraLabel_saysWhichSideIsVirtual() throws Exception {
    connector("virtual_node_extra_label: true");
    connector.consume(batch("frontend", span("GET /", SpanKind.SPAN_KIND_SERVER, 1).build()));
    Span c = client("GET", 1).build();
    connector.consume(batch("frontend", c));
    connector.consume(batch("cart", serverOf(c, 1).build()));
    clock.advance(Duration.ofSeconds(3));
    connector.expire();
    connector.flush();
    Map<String, String> fromUser = new HashMap<>(edge("user", "frontend", "virtual_node", false));
    fromUser.put("virtual_node", "client");
    Map<String, String> real = new HashMap<>(edge("frontend", "cart", "", false));
    real.put("virtual_node", "");
    assertThat(sums(out.last(), ServiceGraphConnector.REQUEST_TOTAL))
        .containsOnly(Map.entry(fromUser, 1L), Map.entry(real, 1L));
  }

  @Test
  void spansWithoutServiceName_areSkippedAndCounted() throws Exception {
    connector("{}");
    connector.consume(batch(null, client("GET", 1).build(), span("x", SpanKind.SPAN_KIND_INTERNAL, 1).build()));
    assertThat(connector.storeSize()).isZero();
    assertThat(telemetry.value(ServiceGraphTelemetry.SKIPPED_SPANS, "servicegraph")).isEqualTo(1);
  }

  @Test
  void internalSpans_areIgnored() throws Exception {
    connector("{}");
    connector.consume(batch("svc", span("work", SpanKind.SPAN_KIND_INTERNAL, 1).build()));
    assertThat(connector.storeSize()).isZero();
    connector.flush();
    assertThat(out.batches).isEmpty();
  }

  @Test
  void seriesOverTheLimit_goToAnOverflowSeries() throws Exception {
    connector("{}", clock, false, 2);
    for (String db : new String[] {"a", "b", "c", "d"}) {
      connector.consume(batch("svc", client("q", 1).addAttributes(attr("db.name", db)).build()));
    }
    connector.flush();
    Map<Map<String, String>, Long> totals = sums(out.last(), ServiceGraphConnector.REQUEST_TOTAL);
    assertThat(totals).hasSize(3).containsEntry(Map.of("otel.metric.overflow", "true"), 2L);
    assertThat(telemetry.value(ServiceGraphTelemetry.OVERFLOW_REQUESTS, "servicegraph")).isEqualTo(2);
  }

  @Test
  void staleSeries_areRemovedAfterFifteenMinutes() throws Exception {
    connector("{}");
    connector.consume(batch("svc", client("q", 1).addAttributes(attr("db.name", "old")).build()));
    clock.advance(Duration.ofMinutes(16));
    connector.consume(batch("svc", client("q", 1).addAttributes(attr("db.name", "new")).build()));
    connector.removeStaleSeries();
    connector.flush();
    assertThat(sums(out.last(), ServiceGraphConnector.REQUEST_TOTAL))
        .containsOnly(Map.entry(edge("svc", "new", "database", false), 1L));
  }

  @Test
  void countsAreCumulative_acrossFlushes() throws Exception {
    connector("metrics_timestamp_offset: 1s");
    long start = clock.nanos();
    connector.consume(batch("svc", client("q", 1).addAttributes(attr("db.name", "db")).build()));
    clock.advance(Duration.ofSeconds(60));
    connector.flush();
    connector.consume(batch("svc", client("q", 1).addAttributes(attr("db.name", "db")).build()));
    clock.advance(Duration.ofSeconds(60));
    connector.flush();
    NumberDataPoint dp = metrics(out.last(), ServiceGraphConnector.REQUEST_TOTAL).get(0).getSum().getDataPoints(0);
    assertThat(dp.getAsInt()).isEqualTo(2);
    assertThat(dp.getStartTimeUnixNano()).isEqualTo(start - 1_000_000_000L);
    assertThat(dp.getTimeUnixNano()).isEqualTo(clock.nanos() - 1_000_000_000L);
  }

  @Test
  void exponentialHistograms_whenConfigured() throws Exception {
    connector("exponential_histogram_max_size: 40");
    Span c = client("GET", 30).build();
    connector.consume(batch("frontend", c));
    connector.consume(batch("cart", serverOf(c, 20).build()));
    connector.flush();
    Metric m = metrics(out.last(), ServiceGraphConnector.SERVER_SECONDS).get(0);
    assertThat(m.hasExponentialHistogram()).isTrue();
    ExponentialHistogramDataPoint dp = m.getExponentialHistogram().getDataPoints(0);
    assertThat(dp.getCount()).isEqualTo(1);
    assertThat(dp.getSum()).isCloseTo(0.020, Offset.offset(1e-9));
  }

  @Test
  void shutdown_settlesWaitingHalves_andFlushes() throws Exception {
    connector("{}");
    connector.consume(batch("frontend", client("GET", 1).addAttributes(attr("peer.service", "ext")).build()));
    connector.shutdown();
    assertThat(sums(out.last(), ServiceGraphConnector.REQUEST_TOTAL))
        .containsOnly(Map.entry(edge("frontend", "ext", "virtual_node", false), 1L));
    assertThat(connector.storeSize()).isZero();
    connector = null;
  }

  @Test
  void refusedFlush_isCounted() throws Exception {
    connector("{}");
    out.answer = ConsumeResult.retryable("down", null);
    connector.consume(batch("svc", client("q", 1).addAttributes(attr("db.name", "db")).build()));
    connector.flush();
    assertThat(telemetry.value(ServiceGraphTelemetry.FAILED_POINTS, "servicegraph")).isEqualTo(3);
  }

  @Test
  void consume_refusesOtherSignals() throws Exception {
    connector("{}");
    assertThat(connector.consume(Batch.of(ExportLogsServiceRequest.getDefaultInstance())).isPermanent()).isTrue();
  }

  @Test
  void timer_expiresAndFlushes() throws Exception {
    connector("store: {ttl: 50ms}\nstore_expiration_loop: 20ms\nmetrics_flush_interval: 50ms", Clock.systemUTC(),
        true, ServiceGraphConnector.DEFAULT_MAX_SERIES);
    connector.consume(batch("frontend", client("GET", 1).addAttributes(attr("peer.service", "ext")).build()));
    await().atMost(Duration.ofSeconds(30)).until(() -> !out.batches.isEmpty()
        && !sums(out.last(), ServiceGraphConnector.REQUEST_TOTAL).isEmpty());
    assertThat(sums(out.last(), ServiceGraphConnector.REQUEST_TOTAL))
        .containsOnly(Map.entry(edge("frontend", "ext", "virtual_node", false), 1L));
  }

  @Test
  void zeroFlushInterval_emitsAfterEveryBatch() throws Exception {
    connector("metrics_flush_interval: 0s");
    connector.consume(batch("svc", client("q", 1).addAttributes(attr("db.name", "db")).build()));
    assertThat(out.batches).hasSize(1);
  }

  @Test
  void rootServerSpansOfOneTrace_shareTheirEmptyParentKey() throws Exception {
    // Documents the pairing key: (trace id, client span id); a root server span has no client span id.
    connector("{}");
    Span root = span("GET /", SpanKind.SPAN_KIND_SERVER, 1).build();
    connector.consume(batch("frontend", root));
    assertThat(root.getParentSpanId()).isEqualTo(ByteString.EMPTY);
    assertThat(connector.storeSize()).isEqualTo(1);
  }
}
