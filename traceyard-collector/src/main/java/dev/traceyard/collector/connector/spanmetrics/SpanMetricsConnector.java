package dev.traceyard.collector.connector.spanmetrics;

import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Connector;
import dev.traceyard.collector.component.Host;
import dev.traceyard.collector.connector.internal.Attributes;
import dev.traceyard.collector.connector.internal.ConfigReaders;
import dev.traceyard.collector.connector.internal.DurationHistogram;
import dev.traceyard.collector.connector.internal.ExplicitBucketHistogram;
import dev.traceyard.collector.connector.internal.ExponentialHistogram;
import dev.traceyard.collector.connector.internal.Ticker;
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
import io.opentelemetry.proto.metrics.v1.Exemplar;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;

/**
 * Counts every span it is given into R.E.D. metrics: {@code calls} (a monotonic sum) and
 * {@code duration} (a histogram) per service, span name, kind, status code and configured dimensions,
 * plus {@code events} when enabled, and emits them as OTLP metrics down the metrics pipelines on a
 * timer.
 *
 * <p>Threading. {@link #consume} only updates counters under one lock and returns success: it never
 * waits for downstream. A flush copies what it emits under the lock (or, for delta temporality, swaps
 * the whole state for an empty one) and builds and sends the request outside it, on the timer thread.
 *
 * <p>Memory is bounded by the series limit (across resources) and the resource limit: spans of
 * series beyond them are still counted, into one overflow series per resource (attribute
 * {@code otel.metric.overflow=true}) or into an overflow resource, so totals stay exact.
 */
final class SpanMetricsConnector implements Connector {
  static final String SERVICE_NAME = "service.name";
  static final String SPAN_NAME = "span.name";
  static final String SPAN_KIND = "span.kind";
  static final String STATUS_CODE = "status.code";
  /** What the OpenTelemetry SDKs call a service that did not name itself. */
  static final String UNKNOWN_SERVICE = "unknown_service";
  static final String SCOPE_NAME = "spanmetricsconnector";

  private static final Duration STOP_WAIT = Duration.ofSeconds(10);
  private static final char SEP = '\u0000';
  private static final char ABSENT = '\u0001';
  private static final char EVENT_SEP = '\u0002';

  private final SpanMetricsConfig config;
  private final Consumer next;
  private final Clock clock;
  private final Logger logger;
  private final RateLimitedLogger flushFailures;
  private final SpanMetricsTelemetry telemetry;
  private final boolean withService;
  private final boolean withSpanName;
  private final boolean withKind;
  private final boolean withStatus;
  private final List<Dimension> dimensions;
  private final List<Dimension> eventDimensions;
  private final boolean eventsEnabled;
  /** Explicit bounds in the configured unit; null for an exponential histogram. */
  private final double[] bounds;
  private final int exponentialMaxSize;
  private final boolean histogramDisabled;
  private final double unitNanos;
  private final int seriesLimit;
  private final int resourceLimit;
  private final List<String> resourceKeyAttributes;
  private final String callsName;
  private final String durationName;
  private final String eventsName;
  private final Ticker ticker;
  private final boolean flushEveryBatch;

  private final Object lock = new Object();
  /** Serializes flushes, so delta intervals go out in order and a final flush follows the last tick. */
  private final Object flushLock = new Object();

  // Guarded by lock.
  private Map<String, ResourceState> resources = new HashMap<>();
  private ResourceState overflowResource;
  private int seriesCount;
  private long intervalStartNanos;

  private volatile int seriesGauge;
  private volatile boolean stopped;

  /**
   * @param clock wall clock for data point timestamps and expiry
   * @param timer false to flush only when {@link #flush} is called (tests)
   */
  SpanMetricsConnector(ComponentSettings settings, SpanMetricsConfig config, Consumer next, Clock clock, boolean timer) {
    this.config = config;
    this.next = next;
    this.clock = clock;
    this.logger = settings.logger();
    this.flushFailures = new RateLimitedLogger(logger, Duration.ofSeconds(30));
    this.telemetry = new SpanMetricsTelemetry(settings.telemetry(), settings.id().toString(), () -> seriesGauge);
    this.withService = !config.excludeDimensions().contains(SERVICE_NAME);
    this.withSpanName = !config.excludeDimensions().contains(SPAN_NAME);
    this.withKind = !config.excludeDimensions().contains(SPAN_KIND);
    this.withStatus = !config.excludeDimensions().contains(STATUS_CODE);
    this.dimensions = config.dimensions();
    this.eventDimensions = config.eventDimensions();
    this.eventsEnabled = config.eventsEnabled();
    SpanMetricsConfig.HistogramSettings h = config.histogram();
    this.unitNanos = h.unit().nanos();
    this.bounds = h.exponential() ? null : ConfigReaders.toUnit(h.explicitBuckets(), unitNanos);
    this.exponentialMaxSize = h.exponentialMaxSize();
    this.histogramDisabled = h.disabled();
    this.seriesLimit = config.seriesLimit();
    this.resourceLimit = config.resourceMetricsCacheSize();
    this.resourceKeyAttributes = config.resourceMetricsKeyAttributes();
    String prefix = config.namespace().isEmpty() ? "" : config.namespace() + ".";
    this.callsName = prefix + "calls";
    this.durationName = prefix + "duration";
    this.eventsName = prefix + "events";
    this.flushEveryBatch = config.metricsFlushInterval().isZero();
    this.ticker = timer && !flushEveryBatch ? new Ticker("traceyard-spanmetrics-" + settings.id(), logger) : null;
    this.intervalStartNanos = nowNanos();
  }

  @Override
  public void start(Host host) {
    if (ticker != null) {
      ticker.every(config.metricsFlushInterval(), "span metrics flush", this::flush);
    }
  }

  @Override
  public ConsumeResult consume(Batch batch) {
    if (!(batch instanceof TraceBatch traces)) {
      return ConsumeResult.permanent("spanmetrics takes traces, got " + batch.signal().configName());
    }
    long now = nowNanos();
    long counted = 0;
    synchronized (lock) {
      for (ResourceSpans rs : traces.request().getResourceSpansList()) {
        int spans = 0;
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          spans += ss.getSpansCount();
        }
        if (spans == 0) {
          continue;
        }
        ResourceState r = resourceFor(rs, now);
        r.lastSeenNanos = now;
        List<KeyValue> resourceAttributes = rs.getResource().getAttributesList();
        AnyValue service = Attributes.find(resourceAttributes, SERVICE_NAME);
        String serviceName = service == null ? UNKNOWN_SERVICE : Attributes.asString(service);
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          for (Span span : ss.getSpansList()) {
            record(r, resourceAttributes, serviceName, span, now);
          }
        }
        counted += spans;
      }
      seriesGauge = seriesCount;
    }
    telemetry.spans.inc(counted);
    if (flushEveryBatch || stopped) {
      flush();
    }
    return ConsumeResult.success();
  }

  private ResourceState resourceFor(ResourceSpans rs, long now) {
    String key = resourceKey(rs.getResource().getAttributesList());
    ResourceState r = resources.get(key);
    if (r != null) {
      return r;
    }
    if (resources.size() >= resourceLimit) {
      if (overflowResource == null) {
        overflowResource = new ResourceState(Resource.newBuilder().addAttributes(Attributes.bool(Attributes.OVERFLOW_KEY,
            true)).build(), "", true);
      }
      return overflowResource;
    }
    r = new ResourceState(rs.getResource(), rs.getSchemaUrl(), false);
    resources.put(key, r);
    return r;
  }

  private String resourceKey(List<KeyValue> attributes) {
    StringBuilder key = new StringBuilder();
    if (resourceKeyAttributes.isEmpty()) {
      List<KeyValue> sorted = new ArrayList<>(attributes);
      sorted.sort(Comparator.comparing(KeyValue::getKey));
      for (KeyValue kv : sorted) {
        key.append(kv.getKey()).append(SEP);
        Attributes.appendKey(key, kv.getValue());
        key.append(SEP);
      }
    } else {
      for (String name : resourceKeyAttributes) {
        AnyValue v = Attributes.find(attributes, name);
        if (v == null) {
          key.append(ABSENT);
        } else {
          Attributes.appendKey(key, v);
        }
        key.append(SEP);
      }
    }
    return key.toString();
  }

  private void record(ResourceState r, List<KeyValue> resourceAttributes, String serviceName, Span span, long now) {
    long end = span.getEndTimeUnixNano();
    long nanos = end > span.getStartTimeUnixNano() ? end - span.getStartTimeUnixNano() : 0;
    double duration = nanos / unitNanos;
    String kind = kindName(span);
    String status = statusName(span);
    Series s;
    String key = null;
    if (r.overflowOnly) {
      s = r.overflow(now);
      telemetry.overResourceLimit.inc();
    } else {
      key = seriesKey(resourceAttributes, serviceName, span, kind, status);
      s = r.series.get(key);
      if (s == null) {
        if (seriesCount >= seriesLimit) {
          s = r.overflow(now);
          telemetry.overSeriesLimit.inc();
        } else {
          s = newSeries(seriesAttributes(resourceAttributes, serviceName, span, kind, status), now, true);
          r.series.put(key, s);
          seriesCount++;
        }
      }
    }
    s.calls++;
    s.lastSeenNanos = now;
    s.changed = true;
    if (s.histogram != null) {
      s.histogram.record(duration);
    }
    if (s.exemplars != null) {
      s.exemplars.offer(span.getTraceId(), span.getSpanId(), end, duration);
    }
    if (eventsEnabled && span.getEventsCount() > 0) {
      recordEvents(r, resourceAttributes, serviceName, span, kind, status, key, now);
    }
  }

  private void recordEvents(ResourceState r, List<KeyValue> resourceAttributes, String serviceName, Span span,
      String kind, String status, String spanKey, long now) {
    List<KeyValue> base = null;
    for (Span.Event event : span.getEventsList()) {
      Series s;
      if (r.overflowOnly) {
        s = r.eventsOverflow(now);
      } else {
        StringBuilder key = new StringBuilder(spanKey).append(EVENT_SEP);
        for (Dimension d : eventDimensions) {
          appendDimension(key, Attributes.find(event.getAttributesList(), d.name()), d);
        }
        String k = key.toString();
        s = r.events.get(k);
        if (s == null) {
          if (seriesCount >= seriesLimit) {
            s = r.eventsOverflow(now);
            telemetry.overSeriesLimit.inc();
          } else {
            if (base == null) {
              base = seriesAttributes(resourceAttributes, serviceName, span, kind, status);
            }
            List<KeyValue> attributes = new ArrayList<>(base);
            for (Dimension d : eventDimensions) {
              addDimension(attributes, Attributes.find(event.getAttributesList(), d.name()), d);
            }
            s = newSeries(attributes, now, false);
            r.events.put(k, s);
            seriesCount++;
          }
        }
      }
      s.calls++;
      s.lastSeenNanos = now;
      s.changed = true;
    }
  }

  private String seriesKey(List<KeyValue> resourceAttributes, String serviceName, Span span, String kind, String status) {
    StringBuilder key = new StringBuilder(64);
    if (withService) {
      key.append(serviceName).append(SEP);
    }
    if (withSpanName) {
      key.append(span.getName()).append(SEP);
    }
    if (withKind) {
      key.append(kind).append(SEP);
    }
    if (withStatus) {
      key.append(status).append(SEP);
    }
    for (Dimension d : dimensions) {
      appendDimension(key, dimensionValue(d, span, resourceAttributes), d);
    }
    return key.toString();
  }

  private static void appendDimension(StringBuilder key, AnyValue value, Dimension d) {
    if (value != null) {
      Attributes.appendKey(key, value);
    } else if (d.defaultValue() != null) {
      Attributes.appendKey(key, AnyValue.newBuilder().setStringValue(d.defaultValue()).build());
    } else {
      key.append(ABSENT);
    }
    key.append(SEP);
  }

  private static void addDimension(List<KeyValue> attributes, AnyValue value, Dimension d) {
    if (value != null) {
      attributes.add(Attributes.of(d.name(), value));
    } else if (d.defaultValue() != null) {
      attributes.add(Attributes.string(d.name(), d.defaultValue()));
    }
  }

  private static AnyValue dimensionValue(Dimension d, Span span, List<KeyValue> resourceAttributes) {
    AnyValue v = Attributes.find(span.getAttributesList(), d.name());
    return v != null ? v : Attributes.find(resourceAttributes, d.name());
  }

  private List<KeyValue> seriesAttributes(List<KeyValue> resourceAttributes, String serviceName, Span span, String kind,
      String status) {
    List<KeyValue> out = new ArrayList<>(4 + dimensions.size());
    if (withService) {
      out.add(Attributes.string(SERVICE_NAME, serviceName));
    }
    if (withSpanName) {
      out.add(Attributes.string(SPAN_NAME, span.getName()));
    }
    if (withKind) {
      out.add(Attributes.string(SPAN_KIND, kind));
    }
    if (withStatus) {
      out.add(Attributes.string(STATUS_CODE, status));
    }
    for (Dimension d : dimensions) {
      addDimension(out, dimensionValue(d, span, resourceAttributes), d);
    }
    return out;
  }

  /** otelcol's names: {@code SPAN_KIND_SERVER}, {@code STATUS_CODE_ERROR}. */
  private static String kindName(Span span) {
    Span.SpanKind k = span.getKind();
    return k == Span.SpanKind.UNRECOGNIZED ? Span.SpanKind.SPAN_KIND_UNSPECIFIED.name() : k.name();
  }

  private static String statusName(Span span) {
    var c = span.getStatus().getCode();
    return c == io.opentelemetry.proto.trace.v1.Status.StatusCode.UNRECOGNIZED
        ? io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_UNSET.name() : c.name();
  }

  private Series newSeries(List<KeyValue> attributes, long now, boolean withHistogram) {
    DurationHistogram h = null;
    ExemplarReservoir ex = null;
    if (withHistogram) {
      if (!histogramDisabled) {
        h = bounds != null ? new ExplicitBucketHistogram(bounds) : new ExponentialHistogram(exponentialMaxSize);
      }
      if (config.exemplarsEnabled()) {
        ex = new ExemplarReservoir(config.exemplarsMaxPerDataPoint());
      }
    }
    return new Series(attributes, config.delta() ? intervalStartNanos : now, h, ex);
  }

  /**
   * Emits what was counted since the last flush (delta) or since each series began (cumulative).
   * The timer calls it every {@code metrics_flush_interval}; tests call it directly.
   */
  void flush() {
    synchronized (flushLock) {
      long now = nowNanos();
      List<ResourceSnapshot> snapshot;
      synchronized (lock) {
        snapshot = snapshot(now);
        seriesGauge = seriesCount;
      }
      if (snapshot.isEmpty()) {
        return;
      }
      ExportMetricsServiceRequest request = build(snapshot, now);
      MetricBatch batch = MetricBatch.of(request);
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
        flushFailures.warn("the metrics pipeline refused {} span metric data points: {}", batch.itemCount(), result);
      }
    }
  }

  /** What one flush emits for one resource: copies (cumulative) or the series themselves (delta). */
  private record ResourceSnapshot(Resource resource, String schemaUrl, List<SeriesSnapshot> calls,
      List<SeriesSnapshot> events) {}

  private record SeriesSnapshot(List<KeyValue> attributes, long startNanos, long calls, DurationHistogram histogram,
      List<Exemplar> exemplars) {}

  private List<ResourceSnapshot> snapshot(long now) {
    List<ResourceState> all = new ArrayList<>(resources.values());
    if (overflowResource != null) {
      all.add(overflowResource);
    }
    List<ResourceSnapshot> out = new ArrayList<>();
    if (config.delta()) {
      // The state itself becomes the snapshot: nothing is copied and the next interval starts empty.
      resources = new HashMap<>();
      overflowResource = null;
      seriesCount = 0;
      intervalStartNanos = now;
      for (ResourceState r : all) {
        out.add(new ResourceSnapshot(r.resource, r.schemaUrl, snapshots(r.allSeries()),
            snapshots(r.allEvents())));
      }
      return out;
    }
    long resourceCutoff = config.metricsExpiration().isZero() ? Long.MIN_VALUE : now - config.metricsExpiration().toNanos();
    long seriesCutoff = config.seriesExpiration().isZero() ? Long.MIN_VALUE : now - config.seriesExpiration().toNanos();
    for (ResourceState r : all) {
      boolean resourceExpired = r.lastSeenNanos <= resourceCutoff;
      List<SeriesSnapshot> calls = new ArrayList<>();
      List<SeriesSnapshot> events = new ArrayList<>();
      collect(r.series, calls, resourceExpired, seriesCutoff);
      if (r.overflow != null && !keep(r.overflow, calls, resourceExpired, seriesCutoff)) {
        r.overflow = null;
      }
      collect(r.events, events, resourceExpired, seriesCutoff);
      if (r.eventsOverflow != null && !keep(r.eventsOverflow, events, resourceExpired, seriesCutoff)) {
        r.eventsOverflow = null;
      }
      if (r.series.isEmpty() && r.events.isEmpty() && r.overflow == null && r.eventsOverflow == null) {
        if (r.overflowOnly) {
          overflowResource = null;
        } else {
          resources.values().remove(r);
        }
      }
      if (!calls.isEmpty() || !events.isEmpty()) {
        out.add(new ResourceSnapshot(r.resource, r.schemaUrl, calls, events));
      }
    }
    return out;
  }

  /** Copies the series of one map for a cumulative flush and drops the expired ones. */
  private void collect(Map<String, Series> series, List<SeriesSnapshot> out, boolean resourceExpired, long seriesCutoff) {
    for (Iterator<Series> it = series.values().iterator(); it.hasNext(); ) {
      if (!keep(it.next(), out, resourceExpired, seriesCutoff)) {
        it.remove();
        seriesCount--;
      }
    }
  }

  /**
   * Copies {@code s} into {@code out} unless it expired and was already emitted with its last value
   * (a series last seen before the cutoff goes out one last time if it changed since the previous
   * flush). Returns whether it stays.
   */
  private boolean keep(Series s, List<SeriesSnapshot> out, boolean resourceExpired, long seriesCutoff) {
    boolean expired = resourceExpired || s.lastSeenNanos <= seriesCutoff;
    if (!expired || s.changed) {
      out.add(copy(s));
    }
    return !expired;
  }

  private static List<SeriesSnapshot> snapshots(List<Series> series) {
    List<SeriesSnapshot> out = new ArrayList<>(series.size());
    for (Series s : series) {
      out.add(new SeriesSnapshot(s.attributes, s.startNanos, s.calls, s.histogram,
          s.exemplars == null ? List.of() : s.exemplars.drain()));
    }
    return out;
  }

  private static SeriesSnapshot copy(Series s) {
    s.changed = false;
    return new SeriesSnapshot(s.attributes, s.startNanos, s.calls, s.histogram == null ? null : s.histogram.copy(),
        s.exemplars == null ? List.of() : s.exemplars.drain());
  }

  private ExportMetricsServiceRequest build(List<ResourceSnapshot> snapshot, long now) {
    AggregationTemporality temporality = config.delta()
        ? AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA : AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE;
    ExportMetricsServiceRequest.Builder request = ExportMetricsServiceRequest.newBuilder();
    for (ResourceSnapshot r : snapshot) {
      ScopeMetrics.Builder scope = ScopeMetrics.newBuilder().setScope(InstrumentationScope.newBuilder().setName(SCOPE_NAME));
      if (!r.calls.isEmpty()) {
        scope.addMetrics(sum(callsName, r.calls, temporality, now));
        if (!histogramDisabled) {
          scope.addMetrics(bounds != null ? explicit(r.calls, temporality, now) : exponential(r.calls, temporality, now));
        }
      }
      if (!r.events.isEmpty()) {
        scope.addMetrics(sum(eventsName, r.events, temporality, now));
      }
      request.addResourceMetrics(ResourceMetrics.newBuilder().setResource(r.resource).setSchemaUrl(r.schemaUrl)
          .addScopeMetrics(scope));
    }
    return request.build();
  }

  private static Metric sum(String name, List<SeriesSnapshot> series, AggregationTemporality temporality, long now) {
    var sum = io.opentelemetry.proto.metrics.v1.Sum.newBuilder().setIsMonotonic(true).setAggregationTemporality(temporality);
    for (SeriesSnapshot s : series) {
      sum.addDataPoints(NumberDataPoint.newBuilder().addAllAttributes(s.attributes).setStartTimeUnixNano(s.startNanos)
          .setTimeUnixNano(now).setAsInt(s.calls));
    }
    return Metric.newBuilder().setName(name).setSum(sum).build();
  }

  private Metric explicit(List<SeriesSnapshot> series, AggregationTemporality temporality, long now) {
    var histogram = io.opentelemetry.proto.metrics.v1.Histogram.newBuilder().setAggregationTemporality(temporality);
    for (SeriesSnapshot s : series) {
      HistogramDataPoint.Builder dp = HistogramDataPoint.newBuilder().addAllAttributes(s.attributes)
          .setStartTimeUnixNano(s.startNanos).setTimeUnixNano(now).addAllExemplars(s.exemplars);
      ((ExplicitBucketHistogram) s.histogram).writeTo(dp);
      histogram.addDataPoints(dp);
    }
    return Metric.newBuilder().setName(durationName).setUnit(config.histogram().unit().symbol())
        .setHistogram(histogram).build();
  }

  private Metric exponential(List<SeriesSnapshot> series, AggregationTemporality temporality, long now) {
    var histogram = io.opentelemetry.proto.metrics.v1.ExponentialHistogram.newBuilder()
        .setAggregationTemporality(temporality);
    for (SeriesSnapshot s : series) {
      ExponentialHistogramDataPoint.Builder dp = ExponentialHistogramDataPoint.newBuilder()
          .addAllAttributes(s.attributes).setStartTimeUnixNano(s.startNanos).setTimeUnixNano(now)
          .addAllExemplars(s.exemplars);
      ((ExponentialHistogram) s.histogram).writeTo(dp);
      histogram.addDataPoints(dp);
    }
    return Metric.newBuilder().setName(durationName).setUnit(config.histogram().unit().symbol())
        .setExponentialHistogram(histogram).build();
  }

  @Override
  public void shutdown() {
    stopped = true;
    if (ticker != null && !ticker.stop(STOP_WAIT)) {
      logger.warn("a span metrics flush is still running after {}s; flushing anyway", STOP_WAIT.toSeconds());
    }
    flush();
  }

  /** Series held, overflow series excluded; for tests. */
  int seriesCount() {
    synchronized (lock) {
      return seriesCount;
    }
  }

  private long nowNanos() {
    Instant i = clock.instant();
    return i.getEpochSecond() * 1_000_000_000L + i.getNano();
  }

  /** The series of one resource. */
  private final class ResourceState {
    final Resource resource;
    final String schemaUrl;
    /** The overflow resource: every span goes to its overflow series. */
    final boolean overflowOnly;
    final Map<String, Series> series = new LinkedHashMap<>();
    final Map<String, Series> events = new LinkedHashMap<>();
    Series overflow;
    Series eventsOverflow;
    long lastSeenNanos;

    ResourceState(Resource resource, String schemaUrl, boolean overflowOnly) {
      this.resource = resource;
      this.schemaUrl = schemaUrl;
      this.overflowOnly = overflowOnly;
    }

    Series overflow(long now) {
      if (overflow == null) {
        overflow = newSeries(List.of(Attributes.bool(Attributes.OVERFLOW_KEY, true)), now, true);
      }
      return overflow;
    }

    Series eventsOverflow(long now) {
      if (eventsOverflow == null) {
        eventsOverflow = newSeries(List.of(Attributes.bool(Attributes.OVERFLOW_KEY, true)), now, false);
      }
      return eventsOverflow;
    }

    List<Series> allSeries() {
      List<Series> out = new ArrayList<>(series.values());
      if (overflow != null) {
        out.add(overflow);
      }
      return out;
    }

    List<Series> allEvents() {
      List<Series> out = new ArrayList<>(events.values());
      if (eventsOverflow != null) {
        out.add(eventsOverflow);
      }
      return out;
    }
  }

  /** Counters of one combination of attributes. */
  private static final class Series {
    final List<KeyValue> attributes;
    final long startNanos;
    final DurationHistogram histogram;
    final ExemplarReservoir exemplars;
    long calls;
    long lastSeenNanos;
    /** Counted into since the last flush: an expiring series still goes out once with its last value. */
    boolean changed;

    Series(List<KeyValue> attributes, long startNanos, DurationHistogram histogram, ExemplarReservoir exemplars) {
      this.attributes = attributes;
      this.startNanos = startNanos;
      this.histogram = histogram;
      this.exemplars = exemplars;
    }
  }
}
