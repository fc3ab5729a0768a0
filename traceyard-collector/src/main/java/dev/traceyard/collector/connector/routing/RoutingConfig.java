package dev.traceyard.collector.connector.routing;

import dev.traceyard.collector.processor.filter.OttlCondition;
import java.util.List;
import java.util.Objects;

/**
 * Settings of the {@code routing} connector, in otelcol-contrib's form: a {@code table} of routes,
 * each a condition and the pipelines that get what matches it, {@code default_pipelines} for what
 * matches no route, {@code error_mode} and {@code match_once}.
 */
public record RoutingConfig(List<Route> table, List<String> defaultPipelines, ErrorMode errorMode, boolean matchOnce) {

  public RoutingConfig {
    table = List.copyOf(table);
    defaultPipelines = List.copyOf(defaultPipelines);
    Objects.requireNonNull(errorMode, "errorMode");
  }

  /** What a condition that cannot be evaluated for an item does. */
  public enum ErrorMode {
    /** Refuse the whole batch as a permanent error (otelcol's default). */
    PROPAGATE,
    /** Log at a bounded rate and treat the condition as not matching. */
    IGNORE,
    /** Treat the condition as not matching, without logging. */
    SILENT
  }

  /** One table entry: its condition (in its context) and target pipeline ids. */
  public record Route(OttlCondition condition, List<String> pipelines) {
    public Route {
      Objects.requireNonNull(condition, "condition");
      pipelines = List.copyOf(pipelines);
    }
  }
}
