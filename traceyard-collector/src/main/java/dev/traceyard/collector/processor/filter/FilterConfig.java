package dev.traceyard.collector.processor.filter;

import java.util.List;
import java.util.Objects;

/**
 * Settings of the {@code filter} processor in otelcol's OTTL form: {@code error_mode} and the
 * conditions under {@code traces.span}, {@code traces.spanevent}, {@code metrics.metric},
 * {@code metrics.datapoint} and {@code logs.log_record}. An item matching any condition of its
 * list is dropped.
 */
public record FilterConfig(ErrorMode errorMode, List<Condition> spans, List<Condition> spanEvents,
    List<Condition> metrics, List<Condition> dataPoints, List<Condition> logRecords) {

  public FilterConfig {
    Objects.requireNonNull(errorMode, "errorMode");
    spans = List.copyOf(spans);
    spanEvents = List.copyOf(spanEvents);
    metrics = List.copyOf(metrics);
    dataPoints = List.copyOf(dataPoints);
    logRecords = List.copyOf(logRecords);
  }

  /** What a condition that cannot be evaluated for an item does. */
  public enum ErrorMode {
    /** Refuse the whole batch (as a permanent error), as otelcol's default. */
    PROPAGATE,
    /** Log the error (at a bounded rate) and treat the condition as not matching. */
    IGNORE,
    /** Treat the condition as not matching, without logging. */
    SILENT
  }

  /** One condition as written and as parsed. */
  public record Condition(String text, OttlExpr expr) {
    @Override
    public String toString() {
      return text;
    }
  }
}
