package dev.traceyard.collector.connector.routing;

import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Connector;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.consumer.Consumer;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.LogBatch;
import dev.traceyard.collector.data.MetricBatch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.processor.filter.OttlCondition;
import dev.traceyard.collector.processor.filter.OttlCondition.Context;
import dev.traceyard.collector.telemetry.RateLimitedLogger;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Routes each batch by the routing table. Items are decided one by one (per resource for
 * {@code context: resource}, per span / log record / metric otherwise) into a set of target
 * pipelines; a batch whose items all go the same way is passed on unchanged, otherwise it is split,
 * keeping each item under its own resource and scope. Items no route and no default takes are dropped
 * and counted; the results of the target pipelines are combined for the caller.
 */
final class RoutingConnector implements Connector {
  private final String name;
  private final RoutingConfig.ErrorMode errorMode;
  private final boolean matchOnce;
  private final Plan[] plans = new Plan[Signal.values().length];
  private final CounterDataPoint[] unrouted = new CounterDataPoint[Signal.values().length];
  private final CounterDataPoint[] conditionErrors = new CounterDataPoint[Signal.values().length];
  private final RateLimitedLogger log;

  RoutingConnector(ComponentSettings settings, RoutingConfig config, Map<Signal, Map<String, Consumer>> pipelines) {
    this.name = settings.id().toString();
    this.errorMode = config.errorMode();
    this.matchOnce = config.matchOnce();
    this.log = new RateLimitedLogger(settings.logger(), Duration.ofSeconds(10));
    SelfTelemetry t = settings.telemetry();
    var routed = t.counter("traceyard_connector_routing_routed_items",
        "Items (spans, metric data points, log records) the routing connector sent to a pipeline.", "connector", "pipeline");
    var dropped = t.counter("traceyard_connector_routing_unrouted_items",
        "Items that matched no route while the routing connector has no default_pipelines: dropped.", "connector", "signal");
    var errors = t.counter("traceyard_connector_routing_condition_errors",
        "Route conditions that could not be evaluated for an item (handled per error_mode).", "connector", "signal");
    for (Signal s : Signal.values()) {
      Map<String, Consumer> heads = pipelines.getOrDefault(s, Map.of());
      plans[s.ordinal()] = Plan.of(s, config, heads, id -> routed.labelValues(name, id));
      unrouted[s.ordinal()] = dropped.labelValues(name, s.configName());
      conditionErrors[s.ordinal()] = errors.labelValues(name, s.configName());
    }
  }

  /** One route as it applies to one signal: its condition and its targets as a bit set. */
  private record CompiledRoute(OttlCondition condition, long targets) {}

  /** The routes and target pipelines for one signal. */
  private record Plan(String[] ids, Consumer[] heads, CounterDataPoint[] routed, CompiledRoute[] routes,
      long defaults, boolean perItem) {

    static Plan of(Signal signal, RoutingConfig config, Map<String, Consumer> heads,
        java.util.function.Function<String, CounterDataPoint> counter) {
      List<String> ids = new ArrayList<>(heads.keySet());
      List<CompiledRoute> routes = new ArrayList<>();
      boolean perItem = false;
      for (RoutingConfig.Route r : config.table()) {
        Context c = r.condition().context();
        boolean applies = c == Context.RESOURCE
            || (c == Context.SPAN && signal == Signal.TRACES)
            || (c == Context.LOG && signal == Signal.LOGS)
            || (c == Context.METRIC && signal == Signal.METRICS);
        long mask = mask(r.pipelines(), ids);
        // A route naming no pipeline of this signal does not exist for it (otelcol builds routes per signal).
        if (applies && mask != 0) {
          routes.add(new CompiledRoute(r.condition(), mask));
          perItem |= c != Context.RESOURCE;
        }
      }
      CounterDataPoint[] routed = new CounterDataPoint[ids.size()];
      for (int i = 0; i < routed.length; i++) {
        routed[i] = counter.apply(ids.get(i));
      }
      return new Plan(ids.toArray(new String[0]), heads.values().toArray(new Consumer[0]), routed,
          routes.toArray(new CompiledRoute[0]), mask(config.defaultPipelines(), ids), perItem);
    }

    private static long mask(List<String> names, List<String> ids) {
      long m = 0;
      for (String n : names) {
        int i = ids.indexOf(n);
        if (i >= 0) {
          m |= 1L << i;
        }
      }
      return m;
    }
  }

  /** Carries an evaluation failure out under {@code error_mode: propagate}. */
  private static final class RouteFailure extends Exception {
    RouteFailure(String message) {
      super(message, null, false, false);
    }
  }

  /** Evaluates one route's condition for the current item. */
  @FunctionalInterface
  private interface Test {
    boolean test(OttlCondition c) throws OttlCondition.EvalError;
  }

  /**
   * The targets of one item. {@code resourceResults} caches resource-context outcomes per resource
   * (null when the caller evaluates the resource itself).
   */
  private long decide(Plan plan, Signal signal, Test test, Boolean[] resourceResults) throws RouteFailure {
    long targets = 0;
    for (int i = 0; i < plan.routes.length; i++) {
      CompiledRoute r = plan.routes[i];
      boolean match;
      if (resourceResults != null && r.condition().context() == Context.RESOURCE && resourceResults[i] != null) {
        match = resourceResults[i];
      } else {
        match = evaluate(r.condition(), signal, test);
        if (resourceResults != null && r.condition().context() == Context.RESOURCE) {
          resourceResults[i] = match;
        }
      }
      if (match) {
        targets |= r.targets();
        if (matchOnce) {
          break;
        }
      }
    }
    return targets == 0 ? plan.defaults : targets;
  }

  private boolean evaluate(OttlCondition c, Signal signal, Test test) throws RouteFailure {
    try {
      return test.test(c);
    } catch (OttlCondition.EvalError e) {
      conditionErrors[signal.ordinal()].inc();
      if (errorMode == RoutingConfig.ErrorMode.PROPAGATE) {
        throw new RouteFailure("route condition '" + c + "' failed: " + e.getMessage());
      }
      if (errorMode == RoutingConfig.ErrorMode.IGNORE) {
        log.warn("route condition '{}' failed, treated as not matching: {}", c, e.getMessage());
      }
      return false;
    }
  }

  @Override
  public ConsumeResult consume(Batch batch) {
    Signal signal = batch.signal();
    Plan plan = plans[signal.ordinal()];
    try {
      if (batch instanceof TraceBatch t) {
        return traces(plan, t);
      }
      if (batch instanceof LogBatch l) {
        return logs(plan, l);
      }
      return metrics(plan, (MetricBatch) batch);
    } catch (RouteFailure e) {
      log.warn("refusing a batch of {} {}: {}", batch.itemCount(), signal.itemName(), e.getMessage());
      return ConsumeResult.permanent(name + ": " + e.getMessage());
    }
  }

  /** Tracks whether every item of a batch goes to the same targets, so an unsplit batch is passed as is. */
  private static final class Uniform {
    long first = -1;
    boolean same = true;
    long unrouted;

    void see(long mask, long items) {
      if (first == -1) {
        first = mask;
      } else if (first != mask) {
        same = false;
      }
      if (mask == 0) {
        unrouted += items;
      }
    }
  }

  private ConsumeResult traces(Plan plan, TraceBatch batch) throws RouteFailure {
    ExportTraceServiceRequest req = batch.request();
    int n = plan.ids.length;
    // Decide first: most batches come from one SDK and go one way, and then nothing is rebuilt.
    List<long[]> masks = new ArrayList<>(req.getResourceSpansCount());
    Uniform u = new Uniform();
    for (ResourceSpans rs : req.getResourceSpansList()) {
      Resource res = rs.getResource();
      if (!plan.perItem) {
        long m = decide(plan, Signal.TRACES, c -> c.testResource(res), null);
        int count = 0;
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          count += ss.getSpansCount();
        }
        masks.add(new long[] {m});
        u.see(m, count);
        continue;
      }
      Boolean[] cache = new Boolean[plan.routes.length];
      List<Long> perSpan = new ArrayList<>();
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        InstrumentationScope scope = ss.getScope();
        for (Span span : ss.getSpansList()) {
          long m = decide(plan, Signal.TRACES, c -> c.context() == Context.RESOURCE ? c.testResource(res)
              : c.testSpan(res, scope, span), cache);
          perSpan.add(m);
          u.see(m, 1);
        }
      }
      masks.add(perSpan.stream().mapToLong(Long::longValue).toArray());
    }
    if (u.first == -1) {
      return ConsumeResult.success();
    }
    if (u.same) {
      return send(plan, u.first == 0 ? null : batch, u.first, u, Signal.TRACES, null);
    }
    ExportTraceServiceRequest.Builder[] outs = new ExportTraceServiceRequest.Builder[n];
    for (int ri = 0; ri < req.getResourceSpansCount(); ri++) {
      ResourceSpans rs = req.getResourceSpans(ri);
      long[] m = masks.get(ri);
      if (!plan.perItem) {
        forEach(m[0], t -> builder(outs, t, ExportTraceServiceRequest::newBuilder).addResourceSpans(rs));
        continue;
      }
      ResourceSpans.Builder[] rsOut = new ResourceSpans.Builder[n];
      int k = 0;
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        ScopeSpans.Builder[] ssOut = new ScopeSpans.Builder[n];
        for (Span span : ss.getSpansList()) {
          forEach(m[k++], t -> {
            if (ssOut[t] == null) {
              if (rsOut[t] == null) {
                rsOut[t] = builder(outs, t, ExportTraceServiceRequest::newBuilder).addResourceSpansBuilder()
                    .setResource(rs.getResource()).setSchemaUrl(rs.getSchemaUrl());
              }
              ssOut[t] = rsOut[t].addScopeSpansBuilder().setScope(ss.getScope()).setSchemaUrl(ss.getSchemaUrl());
            }
            ssOut[t].addSpans(span);
          });
        }
      }
    }
    Batch[] parts = new Batch[n];
    for (int t = 0; t < n; t++) {
      parts[t] = outs[t] == null ? null : TraceBatch.of(outs[t].build());
    }
    return send(plan, null, 0, u, Signal.TRACES, parts);
  }

  private ConsumeResult logs(Plan plan, LogBatch batch) throws RouteFailure {
    ExportLogsServiceRequest req = batch.request();
    int n = plan.ids.length;
    List<long[]> masks = new ArrayList<>(req.getResourceLogsCount());
    Uniform u = new Uniform();
    for (ResourceLogs rl : req.getResourceLogsList()) {
      Resource res = rl.getResource();
      if (!plan.perItem) {
        long m = decide(plan, Signal.LOGS, c -> c.testResource(res), null);
        int count = 0;
        for (ScopeLogs sl : rl.getScopeLogsList()) {
          count += sl.getLogRecordsCount();
        }
        masks.add(new long[] {m});
        u.see(m, count);
        continue;
      }
      Boolean[] cache = new Boolean[plan.routes.length];
      List<Long> perItem = new ArrayList<>();
      for (ScopeLogs sl : rl.getScopeLogsList()) {
        InstrumentationScope scope = sl.getScope();
        for (LogRecord rec : sl.getLogRecordsList()) {
          long m = decide(plan, Signal.LOGS, c -> c.context() == Context.RESOURCE ? c.testResource(res)
              : c.testLog(res, scope, rec), cache);
          perItem.add(m);
          u.see(m, 1);
        }
      }
      masks.add(perItem.stream().mapToLong(Long::longValue).toArray());
    }
    if (u.first == -1) {
      return ConsumeResult.success();
    }
    if (u.same) {
      return send(plan, u.first == 0 ? null : batch, u.first, u, Signal.LOGS, null);
    }
    ExportLogsServiceRequest.Builder[] outs = new ExportLogsServiceRequest.Builder[n];
    for (int ri = 0; ri < req.getResourceLogsCount(); ri++) {
      ResourceLogs rl = req.getResourceLogs(ri);
      long[] m = masks.get(ri);
      if (!plan.perItem) {
        forEach(m[0], t -> builder(outs, t, ExportLogsServiceRequest::newBuilder).addResourceLogs(rl));
        continue;
      }
      ResourceLogs.Builder[] rlOut = new ResourceLogs.Builder[n];
      int k = 0;
      for (ScopeLogs sl : rl.getScopeLogsList()) {
        ScopeLogs.Builder[] slOut = new ScopeLogs.Builder[n];
        for (LogRecord rec : sl.getLogRecordsList()) {
          forEach(m[k++], t -> {
            if (slOut[t] == null) {
              if (rlOut[t] == null) {
                rlOut[t] = builder(outs, t, ExportLogsServiceRequest::newBuilder).addResourceLogsBuilder()
                    .setResource(rl.getResource()).setSchemaUrl(rl.getSchemaUrl());
              }
              slOut[t] = rlOut[t].addScopeLogsBuilder().setScope(sl.getScope()).setSchemaUrl(sl.getSchemaUrl());
            }
            slOut[t].addLogRecords(rec);
          });
        }
      }
    }
    Batch[] parts = new Batch[n];
    for (int t = 0; t < n; t++) {
      parts[t] = outs[t] == null ? null : LogBatch.of(outs[t].build());
    }
    return send(plan, null, 0, u, Signal.LOGS, parts);
  }

  private ConsumeResult metrics(Plan plan, MetricBatch batch) throws RouteFailure {
    ExportMetricsServiceRequest req = batch.request();
    int n = plan.ids.length;
    List<long[]> masks = new ArrayList<>(req.getResourceMetricsCount());
    Uniform u = new Uniform();
    for (ResourceMetrics rm : req.getResourceMetricsList()) {
      Resource res = rm.getResource();
      if (!plan.perItem) {
        long m = decide(plan, Signal.METRICS, c -> c.testResource(res), null);
        masks.add(new long[] {m});
        u.see(m, MetricBatch.of(ExportMetricsServiceRequest.newBuilder().addResourceMetrics(rm).build()).itemCount());
        continue;
      }
      Boolean[] cache = new Boolean[plan.routes.length];
      List<Long> perItem = new ArrayList<>();
      for (ScopeMetrics sm : rm.getScopeMetricsList()) {
        InstrumentationScope scope = sm.getScope();
        for (Metric metric : sm.getMetricsList()) {
          long m = decide(plan, Signal.METRICS, c -> c.context() == Context.RESOURCE ? c.testResource(res)
              : c.testMetric(res, scope, metric), cache);
          perItem.add(m);
          u.see(m, MetricBatch.of(ExportMetricsServiceRequest.newBuilder().addResourceMetrics(
              ResourceMetrics.newBuilder().addScopeMetrics(ScopeMetrics.newBuilder().addMetrics(metric))).build()).itemCount());
        }
      }
      masks.add(perItem.stream().mapToLong(Long::longValue).toArray());
    }
    if (u.first == -1) {
      return ConsumeResult.success();
    }
    if (u.same) {
      return send(plan, u.first == 0 ? null : batch, u.first, u, Signal.METRICS, null);
    }
    ExportMetricsServiceRequest.Builder[] outs = new ExportMetricsServiceRequest.Builder[n];
    for (int ri = 0; ri < req.getResourceMetricsCount(); ri++) {
      ResourceMetrics rm = req.getResourceMetrics(ri);
      long[] m = masks.get(ri);
      if (!plan.perItem) {
        forEach(m[0], t -> builder(outs, t, ExportMetricsServiceRequest::newBuilder).addResourceMetrics(rm));
        continue;
      }
      ResourceMetrics.Builder[] rmOut = new ResourceMetrics.Builder[n];
      int k = 0;
      for (ScopeMetrics sm : rm.getScopeMetricsList()) {
        ScopeMetrics.Builder[] smOut = new ScopeMetrics.Builder[n];
        for (Metric metric : sm.getMetricsList()) {
          forEach(m[k++], t -> {
            if (smOut[t] == null) {
              if (rmOut[t] == null) {
                rmOut[t] = builder(outs, t, ExportMetricsServiceRequest::newBuilder).addResourceMetricsBuilder()
                    .setResource(rm.getResource()).setSchemaUrl(rm.getSchemaUrl());
              }
              smOut[t] = rmOut[t].addScopeMetricsBuilder().setScope(sm.getScope()).setSchemaUrl(sm.getSchemaUrl());
            }
            smOut[t].addMetrics(metric);
          });
        }
      }
    }
    Batch[] parts = new Batch[n];
    for (int t = 0; t < n; t++) {
      parts[t] = outs[t] == null ? null : MetricBatch.of(outs[t].build());
    }
    return send(plan, null, 0, u, Signal.METRICS, parts);
  }

  /** Either {@code whole} to every target of {@code mask}, or {@code parts[t]} to each target t. */
  private ConsumeResult send(Plan plan, Batch whole, long mask, Uniform u, Signal signal, Batch[] parts) {
    ConsumeResult result = ConsumeResult.success();
    for (int t = 0; t < plan.ids.length; t++) {
      Batch b = parts != null ? parts[t] : ((mask >>> t) & 1) != 0 ? whole : null;
      if (b != null) {
        plan.routed[t].inc(b.itemCount());
        result = result.combine(plan.heads[t].consume(b));
      }
    }
    if (u.unrouted > 0) {
      unrouted[signal.ordinal()].inc(u.unrouted);
      log.warn("dropped {} {} that matched no route (no default_pipelines)", u.unrouted, signal.itemName());
      result = result.combine(ConsumeResult.partialSuccess(u.unrouted, name + ": matched no route and no default_pipelines"));
    }
    return result;
  }

  @FunctionalInterface
  private interface IntAction {
    void accept(int t);
  }

  private static void forEach(long mask, IntAction action) {
    long m = mask;
    while (m != 0) {
      int t = Long.numberOfTrailingZeros(m);
      action.accept(t);
      m &= m - 1;
    }
  }

  private static <B> B builder(B[] outs, int t, java.util.function.Supplier<B> make) {
    if (outs[t] == null) {
      outs[t] = make.get();
    }
    return outs[t];
  }
}
