package dev.traceyard.collector.processor.filter;

import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.LogBatch;
import dev.traceyard.collector.data.MetricBatch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.processor.internal.matching.DataPoints;
import dev.traceyard.collector.processor.internal.matching.MappingProcessor.ProcessingException;
import dev.traceyard.collector.processor.internal.matching.Rewrite;
import dev.traceyard.collector.telemetry.RateLimitedLogger;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.trace.v1.Span;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;

/**
 * Evaluates a {@link FilterConfig} over a batch. A dropped span takes its events with it; a metric
 * whose data points are all dropped is dropped too. Counters are only advanced for batches that pass,
 * so a batch refused under {@code error_mode: propagate} counts nothing as dropped.
 */
final class Filter {
  private final FilterConfig config;
  private final CounterDataPoint droppedSpans;
  private final CounterDataPoint droppedSpanEvents;
  private final CounterDataPoint droppedMetrics;
  private final CounterDataPoint droppedDataPoints;
  private final CounterDataPoint droppedLogRecords;
  private final CounterDataPoint conditionErrors;
  private final RateLimitedLogger errorLog;

  Filter(FilterConfig config, SelfTelemetry telemetry, String processor, Signal signal, Logger logger) {
    this.config = config;
    droppedSpans = telemetry.counter("traceyard_processor_filter_dropped_spans",
        "Spans the filter processor dropped because a condition matched.", "processor").labelValues(processor);
    droppedSpanEvents = telemetry.counter("traceyard_processor_filter_dropped_span_events",
        "Span events the filter processor removed because a traces.spanevent condition matched.", "processor")
        .labelValues(processor);
    droppedMetrics = telemetry.counter("traceyard_processor_filter_dropped_metrics",
        "Metrics the filter processor dropped (by a metric condition, or with all their data points).", "processor")
        .labelValues(processor);
    droppedDataPoints = telemetry.counter("traceyard_processor_filter_dropped_data_points",
        "Metric data points the filter processor dropped, with their metric or on their own.", "processor")
        .labelValues(processor);
    droppedLogRecords = telemetry.counter("traceyard_processor_filter_dropped_log_records",
        "Log records the filter processor dropped because a condition matched.", "processor").labelValues(processor);
    conditionErrors = telemetry.counter("traceyard_processor_filter_condition_errors",
        "Conditions that could not be evaluated for an item (handled per error_mode).", "processor", "signal")
        .labelValues(processor, signal.configName());
    this.errorLog = new RateLimitedLogger(logger, Duration.ofSeconds(10));
  }

  /** Carries an evaluation failure out of the rewrite lambdas under {@code error_mode: propagate}. */
  private static final class Propagated extends RuntimeException {
    Propagated(String message) {
      super(message, null, false, false);
    }
  }

  /** Per-batch tallies, published only when the batch passes. */
  private static final class Tally {
    long spans;
    long spanEvents;
    long metrics;
    long dataPoints;
    long logRecords;
    long errors;
  }

  Batch apply(Batch batch) throws ProcessingException {
    Tally tally = new Tally();
    EvalContext ctx = new EvalContext();
    Batch out;
    try {
      if (batch instanceof TraceBatch t) {
        out = config.spans().isEmpty() && config.spanEvents().isEmpty() ? t : traces(t, ctx, tally);
      } else if (batch instanceof LogBatch l) {
        out = config.logRecords().isEmpty() ? l : Rewrite.logs(l, null, (resource, scope, rec) -> {
          ctx.resource = resource;
          ctx.scope = scope;
          ctx.log = rec;
          if (matchesAny(config.logRecords(), ctx, tally)) {
            tally.logRecords++;
            return null;
          }
          return rec;
        });
      } else {
        MetricBatch m = (MetricBatch) batch;
        out = config.metrics().isEmpty() && config.dataPoints().isEmpty() ? m : metrics(m, ctx, tally);
      }
    } catch (Propagated e) {
      conditionErrors.inc();
      throw new ProcessingException(e.getMessage());
    }
    droppedSpans.inc(tally.spans);
    droppedSpanEvents.inc(tally.spanEvents);
    droppedMetrics.inc(tally.metrics);
    droppedDataPoints.inc(tally.dataPoints);
    droppedLogRecords.inc(tally.logRecords);
    conditionErrors.inc(tally.errors);
    return out;
  }

  private TraceBatch traces(TraceBatch t, EvalContext ctx, Tally tally) {
    return Rewrite.traces(t, null, (resource, scope, span) -> {
      ctx.resource = resource;
      ctx.scope = scope;
      ctx.span = span;
      ctx.event = null;
      if (matchesAny(config.spans(), ctx, tally)) {
        tally.spans++;
        return null;
      }
      if (config.spanEvents().isEmpty() || span.getEventsCount() == 0) {
        return span;
      }
      List<Span.Event> events = span.getEventsList();
      List<Span.Event> kept = null;
      for (int i = 0; i < events.size(); i++) {
        ctx.event = events.get(i);
        boolean drop = matchesAny(config.spanEvents(), ctx, tally);
        if (drop && kept == null) {
          kept = new ArrayList<>(events.subList(0, i));
        }
        if (drop) {
          tally.spanEvents++;
        } else if (kept != null) {
          kept.add(events.get(i));
        }
      }
      return kept == null ? span : span.toBuilder().clearEvents().addAllEvents(kept).build();
    });
  }

  private MetricBatch metrics(MetricBatch m, EvalContext ctx, Tally tally) {
    return Rewrite.metrics(m, null, (resource, scope, metric) -> {
      ctx.resource = resource;
      ctx.scope = scope;
      ctx.metric = metric;
      ctx.point = null;
      if (matchesAny(config.metrics(), ctx, tally)) {
        tally.metrics++;
        tally.dataPoints += MetricBatch.dataPointCount(metric);
        return null;
      }
      if (config.dataPoints().isEmpty()) {
        return metric;
      }
      Metric result = DataPoints.map(metric, point -> {
        ctx.point = point;
        if (matchesAny(config.dataPoints(), ctx, tally)) {
          tally.dataPoints++;
          return null;
        }
        return point;
      });
      if (result == null) {
        tally.metrics++;
      }
      return result;
    });
  }

  private boolean matchesAny(List<FilterConfig.Condition> conditions, EvalContext ctx, Tally tally) {
    for (FilterConfig.Condition c : conditions) {
      try {
        if (c.expr().test(ctx)) {
          return true;
        }
      } catch (OttlEvalException e) {
        switch (config.errorMode()) {
          case PROPAGATE:
            throw new Propagated("condition '" + c.text() + "' failed: " + e.getMessage());
          case IGNORE:
            tally.errors++;
            errorLog.warn("condition '{}' failed, treated as not matching (error_mode: ignore): {}", c.text(), e.getMessage());
            break;
          default:
            tally.errors++;
        }
      } catch (RuntimeException e) {
        // A bug in a path or converter must not take the pipeline down: handle it as an evaluation error.
        if (config.errorMode() == FilterConfig.ErrorMode.PROPAGATE) {
          throw new Propagated("condition '" + c.text() + "' failed: " + e);
        }
        tally.errors++;
      }
    }
    return false;
  }
}
