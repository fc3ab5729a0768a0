package dev.traceyard.collector.processor.internal.matching;

import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.ConfigNode;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;

/**
 * otelcol's {@code include} / {@code exclude} pair: an item is selected when it matches
 * {@code include} (if set) and does not match {@code exclude} (if set).
 */
public final class IncludeExclude {
  private static final IncludeExclude ALL = new IncludeExclude(null, null);

  private final MatchProperties include;
  private final MatchProperties exclude;

  private IncludeExclude(MatchProperties include, MatchProperties exclude) {
    this.include = include;
    this.exclude = exclude;
  }

  /** Reads {@code include} and {@code exclude} under {@code node}. */
  public static IncludeExclude parse(ConfigNode node) {
    MatchProperties include = node.has("include") ? MatchProperties.parse(node.child("include")) : null;
    MatchProperties exclude = node.has("exclude") ? MatchProperties.parse(node.child("exclude")) : null;
    return include == null && exclude == null ? ALL : new IncludeExclude(include, exclude);
  }

  /** True when every item is selected. */
  public boolean selectsAll() {
    return include == null && exclude == null;
  }

  /** Null when usable in a pipeline of {@code signal}, else the reason, naming the config path. */
  public String incompatibility(Signal signal) {
    String i = include == null ? null : include.incompatibility(signal);
    if (i != null) {
      return i;
    }
    return exclude == null ? null : exclude.incompatibility(signal);
  }

  public boolean selectsSpan(Resource resource, InstrumentationScope scope, Span span) {
    return (include == null || include.matchesSpan(resource, scope, span))
        && (exclude == null || !exclude.matchesSpan(resource, scope, span));
  }

  public boolean selectsLog(Resource resource, InstrumentationScope scope, LogRecord log) {
    return (include == null || include.matchesLog(resource, scope, log))
        && (exclude == null || !exclude.matchesLog(resource, scope, log));
  }

  public boolean selectsMetric(Resource resource, InstrumentationScope scope, Metric metric) {
    return (include == null || include.matchesMetric(resource, scope, metric))
        && (exclude == null || !exclude.matchesMetric(resource, scope, metric));
  }
}
