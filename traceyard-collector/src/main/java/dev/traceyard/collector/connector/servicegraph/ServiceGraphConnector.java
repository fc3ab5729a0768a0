package dev.traceyard.collector.connector.servicegraph;

import com.google.protobuf.ByteString;
import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Connector;
import dev.traceyard.collector.component.Host;
import dev.traceyard.collector.connector.internal.Attributes;
import dev.traceyard.collector.connector.internal.ConfigReaders;
import dev.traceyard.collector.connector.internal.DurationHistogram;
import dev.traceyard.collector.connector.internal.ExplicitBucketHistogram;
import dev.traceyard.collector.connector.internal.ExponentialHistogram;
import dev.traceyard.collector.connector.internal.Ticker;
import dev.traceyard.collector.connector.servicegraph.Edge.ConnectionType;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.consumer.Consumer;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.MetricBatch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.telemetry.RateLimitedLogger;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint;
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
import io.opentelemetry.proto.trace.v1.Status;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;

/**
 * Builds a service graph from spans: each request seen from both sides (a CLIENT span and the SERVER
 * span whose parent it is, or a PRODUCER and its CONSUMER) is an edge between two services, counted
 * in {@code traces_service_graph_request_total}, {@code ..._failed_total} and the latency histograms
 * {@code ..._server_seconds} / {@code ..._client_seconds}, labelled {@code client}, {@code server},
 * {@code connection_type} and {@code failed}. A client span naming a database is an edge to that
 * database at once. Halves wait in a bounded store until their other half arrives, in any batch and
 * order, or until {@code store.ttl} passes: then a server span without parent becomes an edge from the
 * virtual node {@code user}, a client span one to the virtual node named by its peer attributes, and
 * anything else an unpaired span.
 *
 * <p>Threading: {@link #consume} updates the store and counters under one lock and returns; expiry
 * and flushes run on a timer thread and build the request outside the lock.
 */
final class ServiceGraphConnector implements Connector {
  static final int DEFAULT_MAX_SERIES = 10_000;
  static final String SCOPE_NAME = "traces_service_graph";
  static final String REQUEST_TOTAL = "traces_service_graph_request_total";
  static final String REQUEST_FAILED_TOTAL = "traces_service_graph_request_failed_total";
  static final String SERVER_SECONDS = "traces_service_graph_request_server_seconds";
  static final String CLIENT_SECONDS = "traces_service_graph_request_client_seconds";
  static final String UNPAIRED_TOTAL = "traces_service_graph_unpaired_spans_total";
  static final String DROPPED_TOTAL = "traces_service_graph_dropped_spans_total";
  static final String USER = "user";
  static final String UNKNOWN = "unknown";

  private static final Duration STOP_WAIT = Duration.ofSeconds(10);
  private static final char SEP = '\u0000';
  private static final char ABSENT = '\u0001';

  private final ServiceGraphConfig config;
  private final Consumer next;
  private final Clock clock;
  private final Logger logger;
  private final RateLimitedLogger flushFailures;
  private final ServiceGraphTelemetry telemetry;
  /** Bounds in seconds; null for exponential histograms. */
  private final double[] bounds;
  private final long ttlNanos;
  private final int maxSeries;
  private final boolean flushEveryBatch;
  private final Ticker ticker;

  private final Object lock = new Object();
  private final Object flushLock = new Object();

  // Guarded by lock. Edges expire in insertion order: every edge waits the same ttl from its creation.
  private final LinkedHashMap<Edge.Key, Edge> store = new LinkedHashMap<>();
  private final Map<String, RequestSeries> requests = new LinkedHashMap<>();
  private final Map<String, CountSeries> unpaired = new LinkedHashMap<>();
  private final Map<String, CountSeries> dropped = new LinkedHashMap<>();
  private RequestSeries requestOverflow;
  private CountSeries unpairedOverflow;
  private CountSeries droppedOverflow;
  private int seriesCount;

  private volatile int storeGauge;
  private volatile boolean stopped;

  /**
   * @param timer false to expire, flush and clean only when tests call {@link #expire}, {@link #flush}
   *     and {@link #removeStaleSeries}
   * @param maxSeries series held at once, overflow series excluded
   */
  ServiceGraphConnector(ComponentSettings settings, ServiceGraphConfig config, Consumer next, Clock clock,
      boolean timer, int maxSeries) {
    this.config = config;
    this.next = next;
    this.clock = clock;
    this.logger = settings.logger();
    this.flushFailures = new RateLimitedLogger(logger, Duration.ofSeconds(30));
    this.telemetry = new ServiceGraphTelemetry(settings.telemetry(), settings.id().toString(), () -> storeGauge);
    this.bounds = config.latencyBuckets() == null ? null : ConfigReaders.toUnit(config.latencyBuckets(), 1e9);
    this.ttlNanos = config.storeTtl().toNanos();
    this.maxSeries = maxSeries;
    this.flushEveryBatch = config.metricsFlushInterval().isZero();
    this.ticker = timer ? new Ticker("traceyard-servicegraph-" + settings.id(), logger) : null;
  }

  @Override
  public void start(Host host) {
    if (ticker != null) {
      ticker.every(config.storeExpirationLoop(), "service graph store expiry", this::expire);
      ticker.every(config.metricsFlushInterval(), "service graph flush", this::flush);
      ticker.every(config.cacheLoop(), "service graph series cleanup", this::removeStaleSeries);
    }
  }

  @Override
  public ConsumeResult consume(Batch batch) {
    if (!(batch instanceof TraceBatch traces)) {
      return ConsumeResult.permanent("servicegraph takes traces, got " + batch.signal().configName());
    }
    long now = nowNanos();
    synchronized (lock) {
      for (ResourceSpans rs : traces.request().getResourceSpansList()) {
        List<KeyValue> resourceAttributes = rs.getResource().getAttributesList();
        AnyValue service = Attributes.find(resourceAttributes, "service.name");
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          for (Span span : ss.getSpansList()) {
            Span.SpanKind kind = span.getKind();
            boolean client = kind == Span.SpanKind.SPAN_KIND_CLIENT || kind == Span.SpanKind.SPAN_KIND_PRODUCER;
            boolean server = kind == Span.SpanKind.SPAN_KIND_SERVER || kind == Span.SpanKind.SPAN_KIND_CONSUMER;
            if (!client && !server) {
              continue;
            }
            if (service == null) {
              telemetry.skippedSpans.inc();
              continue;
            }
            boolean messaging = kind == Span.SpanKind.SPAN_KIND_PRODUCER || kind == Span.SpanKind.SPAN_KIND_CONSUMER;
            if (client) {
              onClient(Attributes.asString(service), resourceAttributes, span, messaging, now);
            } else {
              onServer(Attributes.asString(service), resourceAttributes, span, messaging, now);
            }
          }
        }
      }
      storeGauge = store.size();
    }
    if (flushEveryBatch || stopped) {
      flush();
    }
    return ConsumeResult.success();
  }

  private void onClient(String service, List<KeyValue> resourceAttributes, Span span, boolean messaging, long now) {
    Edge.Key key = new Edge.Key(span.getTraceId(), span.getSpanId());
    Edge e = store.get(key);
    String database = firstValue(config.databaseNameAttributes(), span.getAttributesList(), resourceAttributes);
    if (e == null && database != null) {
      // A database answers no span of its own: the client span is the whole edge.
      e = new Edge(now);
      fillClient(e, service, resourceAttributes, span, messaging);
      toDatabase(e, database);
      record(e, now);
      return;
    }
    if (e == null) {
      e = admit(key, now, service, "", messaging);
      if (e == null) {
        return;
      }
    }
    fillClient(e, service, resourceAttributes, span, messaging);
    if (!e.hasServer() && database != null) {
      toDatabase(e, database);
    }
    completeIfPaired(key, e, now);
  }

  private void onServer(String service, List<KeyValue> resourceAttributes, Span span, boolean messaging, long now) {
    ByteString parent = span.getParentSpanId();
    Edge.Key key = new Edge.Key(span.getTraceId(), parent);
    Edge e = store.get(key);
    if (e == null) {
      e = admit(key, now, "", service, messaging);
      if (e == null) {
        return;
      }
    }
    e.server = service;
    e.serverSeconds = seconds(span);
    e.serverIsRoot = parent.isEmpty();
    e.failed |= span.getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR;
    if (messaging) {
      e.connectionType = ConnectionType.MESSAGING_SYSTEM;
    }
    addDimensions(e, "server_", resourceAttributes, span);
    completeIfPaired(key, e, now);
  }

  /** A new edge in the store, or null when the store is full (the span is dropped and counted). */
  private Edge admit(Edge.Key key, long now, String client, String server, boolean messaging) {
    if (store.size() >= config.storeMaxItems()) {
      telemetry.droppedSpans.inc();
      ConnectionType type = messaging ? ConnectionType.MESSAGING_SYSTEM : ConnectionType.UNSET;
      count(dropped, true, client, server, type, now);
      return null;
    }
    Edge e = new Edge(now + ttlNanos);
    store.put(key, e);
    telemetry.totalEdges.inc();
    return e;
  }

  private void fillClient(Edge e, String service, List<KeyValue> resourceAttributes, Span span, boolean messaging) {
    e.client = service;
    e.clientSeconds = seconds(span);
    e.failed |= span.getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR;
    if (messaging) {
      e.connectionType = ConnectionType.MESSAGING_SYSTEM;
    }
    addDimensions(e, "client_", resourceAttributes, span);
    String peer = firstValue(config.virtualNodePeerAttributes(), span.getAttributesList(), List.of());
    if (peer != null) {
      e.peer = peer;
    }
  }

  private static void toDatabase(Edge e, String database) {
    e.server = database;
    e.connectionType = ConnectionType.DATABASE;
    e.serverSeconds = e.clientSeconds;
  }

  private void completeIfPaired(Edge.Key key, Edge e, long now) {
    if (e.hasClient() && e.hasServer()) {
      store.remove(key);
      record(e, now);
    }
  }

  private void addDimensions(Edge e, String prefix, List<KeyValue> resourceAttributes, Span span) {
    for (String d : config.dimensions()) {
      AnyValue v = Attributes.find(resourceAttributes, d);
      if (v == null) {
        v = Attributes.find(span.getAttributesList(), d);
      }
      if (v != null) {
        e.dimensions.put(prefix + d, Attributes.asString(v));
      }
    }
  }

  /** The value of the first of {@code keys} found in the span's attributes, then the resource's. */
  private static String firstValue(List<String> keys, List<KeyValue> spanAttributes, List<KeyValue> resourceAttributes) {
    for (String k : keys) {
      AnyValue v = Attributes.find(spanAttributes, k);
      if (v == null) {
        v = Attributes.find(resourceAttributes, k);
      }
      if (v != null) {
        String s = Attributes.asString(v);
        if (!s.isEmpty()) {
          return s;
        }
      }
    }
    return null;
  }

  private static double seconds(Span span) {
    long start = span.getStartTimeUnixNano();
    long end = span.getEndTimeUnixNano();
    return end > start ? (end - start) / 1e9 : 0;
  }

  /** Counts a completed edge into its series. */
  private void record(Edge e, long now) {
    StringBuilder key = new StringBuilder(64).append(e.client).append(SEP).append(e.server).append(SEP)
        .append(e.connectionType.label).append(SEP).append(e.failed).append(SEP);
    for (String d : config.dimensions()) {
      for (String side : new String[] {"client_", "server_"}) {
        String v = e.dimensions.get(side + d);
        key.append(v == null ? String.valueOf(ABSENT) : v).append(SEP);
      }
    }
    if (config.virtualNodeExtraLabel()) {
      key.append(e.virtualSide);
    }
    String k = key.toString();
    RequestSeries s = requests.get(k);
    if (s == null) {
      if (seriesCount >= maxSeries) {
        if (requestOverflow == null) {
          requestOverflow = new RequestSeries(List.of(Attributes.bool(Attributes.OVERFLOW_KEY, true)), now, histogram(),
              histogram());
        }
        s = requestOverflow;
        telemetry.overflowRequests.inc();
      } else {
        s = new RequestSeries(requestAttributes(e), now, histogram(), histogram());
        requests.put(k, s);
        seriesCount++;
      }
    }
    s.total++;
    if (e.failed) {
      s.failed++;
    }
    if (!Double.isNaN(e.serverSeconds)) {
      s.server.record(e.serverSeconds);
    }
    if (!Double.isNaN(e.clientSeconds)) {
      s.client.record(e.clientSeconds);
    }
    s.lastUpdatedNanos = now;
  }

  private List<KeyValue> requestAttributes(Edge e) {
    List<KeyValue> out = new ArrayList<>(5 + e.dimensions.size());
    out.add(Attributes.string("client", e.client));
    out.add(Attributes.string("server", e.server));
    out.add(Attributes.string("connection_type", e.connectionType.label));
    out.add(Attributes.bool("failed", e.failed));
    e.dimensions.forEach((k, v) -> out.add(Attributes.string(k, v)));
    if (config.virtualNodeExtraLabel()) {
      out.add(Attributes.string("virtual_node", e.virtualSide));
    }
    return out;
  }

  private DurationHistogram histogram() {
    return bounds != null ? new ExplicitBucketHistogram(bounds) : new ExponentialHistogram(config.exponentialMaxSize());
  }

  /** Counts an unpaired or dropped span into its series of {@code map}. */
  private void count(Map<String, CountSeries> map, boolean droppedMap, String client, String server,
      ConnectionType type, long now) {
    String k = client + SEP + server + SEP + type.label;
    CountSeries s = map.get(k);
    if (s == null) {
      if (seriesCount >= maxSeries) {
        if (droppedMap) {
          droppedOverflow = droppedOverflow != null ? droppedOverflow : CountSeries.overflow(now);
          s = droppedOverflow;
        } else {
          unpairedOverflow = unpairedOverflow != null ? unpairedOverflow : CountSeries.overflow(now);
          s = unpairedOverflow;
        }
      } else {
        s = new CountSeries(List.of(Attributes.string("client", client), Attributes.string("server", server),
            Attributes.string("connection_type", type.label)), now);
        map.put(k, s);
        seriesCount++;
      }
    }
    s.count++;
    s.lastUpdatedNanos = now;
  }

  /**
   * Expires edges that waited {@code store.ttl}: the timer calls it every {@code store_expiration_loop};
   * tests call it directly.
   */
  void expire() {
    synchronized (lock) {
      long now = nowNanos();
      for (Iterator<Edge> it = store.values().iterator(); it.hasNext(); ) {
        Edge e = it.next();
        if (e.expiresAtNanos > now) {
          break;
        }
        it.remove();
        expired(e, now);
      }
      storeGauge = store.size();
    }
  }

  private void expired(Edge e, long now) {
    telemetry.expiredEdges.inc();
    if (!config.virtualNodePeerAttributes().isEmpty()) {
      if (!e.hasClient() && e.serverIsRoot) {
        e.client = USER;
        e.connectionType = ConnectionType.VIRTUAL_NODE;
        e.virtualSide = "client";
        record(e, now);
        return;
      }
      if (e.hasClient() && !e.hasServer()) {
        e.server = e.peer != null ? e.peer : UNKNOWN;
        e.connectionType = ConnectionType.VIRTUAL_NODE;
        e.virtualSide = "server";
        record(e, now);
        return;
      }
    }
    telemetry.unpairedSpans.inc();
    count(unpaired, false, e.hasClient() ? e.client : "", e.hasServer() ? e.server : "", e.connectionType, now);
  }

  /** Removes series not updated for {@link ServiceGraphConfig#STALE_SERIES_AGE}, as otelcol's cache loop does. */
  void removeStaleSeries() {
    synchronized (lock) {
      long cutoff = nowNanos() - ServiceGraphConfig.STALE_SERIES_AGE.toNanos();
      seriesCount -= removeBefore(requests, s -> s.lastUpdatedNanos, cutoff);
      seriesCount -= removeBefore(unpaired, s -> s.lastUpdatedNanos, cutoff);
      seriesCount -= removeBefore(dropped, s -> s.lastUpdatedNanos, cutoff);
      if (requestOverflow != null && requestOverflow.lastUpdatedNanos < cutoff) {
        requestOverflow = null;
      }
      if (unpairedOverflow != null && unpairedOverflow.lastUpdatedNanos < cutoff) {
        unpairedOverflow = null;
      }
      if (droppedOverflow != null && droppedOverflow.lastUpdatedNanos < cutoff) {
        droppedOverflow = null;
      }
    }
  }

  private static <S> int removeBefore(Map<String, S> map, Function<S, Long> updated, long cutoff) {
    int removed = 0;
    for (Iterator<S> it = map.values().iterator(); it.hasNext(); ) {
      if (updated.apply(it.next()) < cutoff) {
        it.remove();
        removed++;
      }
    }
    return removed;
  }

  private record RequestPoint(List<KeyValue> attributes, long startNanos, long total, long failed,
      DurationHistogram server, DurationHistogram client) {}

  private record CountPoint(List<KeyValue> attributes, long startNanos, long count) {}

  /** Emits every series, cumulative. The timer calls it every {@code metrics_flush_interval}; tests call it directly. */
  void flush() {
    synchronized (flushLock) {
      List<RequestPoint> requestPoints = new ArrayList<>();
      List<CountPoint> unpairedPoints = new ArrayList<>();
      List<CountPoint> droppedPoints = new ArrayList<>();
      long now;
      synchronized (lock) {
        now = nowNanos();
        for (RequestSeries s : requests.values()) {
          requestPoints.add(s.point());
        }
        if (requestOverflow != null) {
          requestPoints.add(requestOverflow.point());
        }
        copy(unpaired, unpairedOverflow, unpairedPoints);
        copy(dropped, droppedOverflow, droppedPoints);
      }
      if (requestPoints.isEmpty() && unpairedPoints.isEmpty() && droppedPoints.isEmpty()) {
        return;
      }
      MetricBatch batch = MetricBatch.of(build(requestPoints, unpairedPoints, droppedPoints, now));
      ConsumeResult result;
      try {
        result = next.consume(batch);
      } catch (RuntimeException e) {
        result = ConsumeResult.permanent(String.valueOf(e));
      }
      if (result.isSuccess()) {
        telemetry.emitted.inc(batch.itemCount());
      } else {
        telemetry.failed.inc(batch.itemCount());
        flushFailures.warn("the metrics pipeline refused {} service graph data points: {}", batch.itemCount(), result);
      }
    }
  }

  private static void copy(Map<String, CountSeries> map, CountSeries overflow, List<CountPoint> out) {
    for (CountSeries s : map.values()) {
      out.add(new CountPoint(s.attributes, s.startNanos, s.count));
    }
    if (overflow != null) {
      out.add(new CountPoint(overflow.attributes, overflow.startNanos, overflow.count));
    }
  }

  private ExportMetricsServiceRequest build(List<RequestPoint> requestPoints, List<CountPoint> unpairedPoints,
      List<CountPoint> droppedPoints, long now) {
    long offset = config.metricsTimestampOffset().toNanos();
    long time = now - offset;
    ScopeMetrics.Builder scope = ScopeMetrics.newBuilder().setScope(InstrumentationScope.newBuilder().setName(SCOPE_NAME));
    Sum.Builder total = cumulativeSum();
    Sum.Builder failed = cumulativeSum();
    List<RequestPoint> withServer = new ArrayList<>();
    List<RequestPoint> withClient = new ArrayList<>();
    for (RequestPoint p : requestPoints) {
      total.addDataPoints(number(p.attributes, p.startNanos - offset, time, p.total));
      if (p.failed > 0) {
        failed.addDataPoints(number(p.attributes, p.startNanos - offset, time, p.failed));
      }
      if (p.server.count() > 0) {
        withServer.add(p);
      }
      if (p.client.count() > 0) {
        withClient.add(p);
      }
    }
    addSum(scope, REQUEST_TOTAL, total);
    addSum(scope, REQUEST_FAILED_TOTAL, failed);
    addHistogram(scope, SERVER_SECONDS, withServer, true, offset, time);
    addHistogram(scope, CLIENT_SECONDS, withClient, false, offset, time);
    Sum.Builder unpairedSum = cumulativeSum();
    unpairedPoints.forEach(p -> unpairedSum.addDataPoints(number(p.attributes, p.startNanos - offset, time, p.count)));
    addSum(scope, UNPAIRED_TOTAL, unpairedSum);
    Sum.Builder droppedSum = cumulativeSum();
    droppedPoints.forEach(p -> droppedSum.addDataPoints(number(p.attributes, p.startNanos - offset, time, p.count)));
    addSum(scope, DROPPED_TOTAL, droppedSum);
    return ExportMetricsServiceRequest.newBuilder().addResourceMetrics(ResourceMetrics.newBuilder()
        .setResource(Resource.getDefaultInstance()).addScopeMetrics(scope)).build();
  }

  private static Sum.Builder cumulativeSum() {
    return Sum.newBuilder().setIsMonotonic(true)
        .setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
  }

  private static NumberDataPoint number(List<KeyValue> attributes, long start, long time, long value) {
    return NumberDataPoint.newBuilder().addAllAttributes(attributes).setStartTimeUnixNano(start).setTimeUnixNano(time)
        .setAsInt(value).build();
  }

  private static void addSum(ScopeMetrics.Builder scope, String name, Sum.Builder sum) {
    if (sum.getDataPointsCount() > 0) {
      scope.addMetrics(Metric.newBuilder().setName(name).setSum(sum));
    }
  }

  private void addHistogram(ScopeMetrics.Builder scope, String name, List<RequestPoint> points, boolean server,
      long offset, long time) {
    if (points.isEmpty()) {
      return;
    }
    Metric.Builder m = Metric.newBuilder().setName(name).setUnit("s");
    if (bounds != null) {
      var h = io.opentelemetry.proto.metrics.v1.Histogram.newBuilder()
          .setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
      for (RequestPoint p : points) {
        HistogramDataPoint.Builder dp = HistogramDataPoint.newBuilder().addAllAttributes(p.attributes)
            .setStartTimeUnixNano(p.startNanos - offset).setTimeUnixNano(time);
        ((ExplicitBucketHistogram) (server ? p.server : p.client)).writeTo(dp);
        h.addDataPoints(dp);
      }
      m.setHistogram(h);
    } else {
      var h = io.opentelemetry.proto.metrics.v1.ExponentialHistogram.newBuilder()
          .setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
      for (RequestPoint p : points) {
        ExponentialHistogramDataPoint.Builder dp = ExponentialHistogramDataPoint.newBuilder()
            .addAllAttributes(p.attributes).setStartTimeUnixNano(p.startNanos - offset).setTimeUnixNano(time);
        ((ExponentialHistogram) (server ? p.server : p.client)).writeTo(dp);
        h.addDataPoints(dp);
      }
      m.setExponentialHistogram(h);
    }
    scope.addMetrics(m);
  }

  @Override
  public void shutdown() {
    stopped = true;
    if (ticker != null && !ticker.stop(STOP_WAIT)) {
      logger.warn("service graph work is still running after {}s; flushing anyway", STOP_WAIT.toSeconds());
    }
    // Nothing will pair the waiting halves any more: settle them as expiry would, then emit.
    synchronized (lock) {
      long now = nowNanos();
      for (Edge e : store.values()) {
        expired(e, now);
      }
      store.clear();
      storeGauge = 0;
    }
    flush();
  }

  /** Edges waiting in the store; for tests. */
  int storeSize() {
    synchronized (lock) {
      return store.size();
    }
  }

  private long nowNanos() {
    Instant i = clock.instant();
    return i.getEpochSecond() * 1_000_000_000L + i.getNano();
  }

  /** Requests of one edge series. */
  private static final class RequestSeries {
    final List<KeyValue> attributes;
    final long startNanos;
    final DurationHistogram server;
    final DurationHistogram client;
    long total;
    long failed;
    long lastUpdatedNanos;

    RequestSeries(List<KeyValue> attributes, long startNanos, DurationHistogram server, DurationHistogram client) {
      this.attributes = attributes;
      this.startNanos = startNanos;
      this.server = server;
      this.client = client;
      this.lastUpdatedNanos = startNanos;
    }

    RequestPoint point() {
      return new RequestPoint(attributes, startNanos, total, failed, server.copy(), client.copy());
    }
  }

  /** A count of unpaired or dropped spans. */
  private static final class CountSeries {
    final List<KeyValue> attributes;
    final long startNanos;
    long count;
    long lastUpdatedNanos;

    CountSeries(List<KeyValue> attributes, long startNanos) {
      this.attributes = attributes;
      this.startNanos = startNanos;
      this.lastUpdatedNanos = startNanos;
    }

    static CountSeries overflow(long now) {
      return new CountSeries(List.of(Attributes.bool(Attributes.OVERFLOW_KEY, true)), now);
    }
  }
}
