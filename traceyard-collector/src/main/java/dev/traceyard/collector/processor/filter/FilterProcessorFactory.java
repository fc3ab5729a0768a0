package dev.traceyard.collector.processor.filter;

import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Processor;
import dev.traceyard.collector.component.ProcessorFactory;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.consumer.Consumer;
import dev.traceyard.collector.processor.internal.matching.MappingProcessor;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code filter} processor: drops spans, span events, metrics, data points and log records
 * matching OTTL-style conditions, configured as otelcol's ({@code error_mode}: propagate, ignore or
 * silent; {@code traces.span}, {@code traces.spanevent}, {@code metrics.metric},
 * {@code metrics.datapoint}, {@code logs.log_record}). A condition that does not parse is a config
 * error naming its path and column. See docs/scrubbing.md for the supported subset.
 */
public final class FilterProcessorFactory implements ProcessorFactory<FilterConfig> {

  @Override
  public String type() {
    return "filter";
  }

  @Override
  public Set<Signal> signals() {
    return EnumSet.allOf(Signal.class);
  }

  @Override
  public FilterConfig parseConfig(ConfigNode node) {
    String mode = node.oneOf("error_mode", "propagate", "propagate", "ignore", "silent");
    ConfigNode traces = node.child("traces");
    ConfigNode metrics = node.child("metrics");
    ConfigNode logs = node.child("logs");
    return new FilterConfig(FilterConfig.ErrorMode.valueOf(mode.toUpperCase(Locale.ROOT)),
        conditions(traces, "span", OttlContext.SPAN),
        conditions(traces, "spanevent", OttlContext.SPANEVENT),
        conditions(metrics, "metric", OttlContext.METRIC),
        conditions(metrics, "datapoint", OttlContext.DATAPOINT),
        conditions(logs, "log_record", OttlContext.LOG));
  }

  private static List<FilterConfig.Condition> conditions(ConfigNode node, String key, OttlContext context) {
    List<String> texts = node.stringList(key);
    List<FilterConfig.Condition> out = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      try {
        out.add(new FilterConfig.Condition(texts.get(i), OttlParser.parseCondition(texts.get(i), context)));
      } catch (OttlSyntaxException e) {
        node.errors().add(node.pathOf(key) + "[" + i + "]", "column " + e.column() + ": " + e.getMessage());
      }
    }
    return out;
  }

  @Override
  public Processor create(ComponentSettings settings, FilterConfig config, Signal signal, Consumer next) {
    Filter filter = new Filter(config, settings.telemetry(), settings.id().toString(), signal, settings.logger());
    return new MappingProcessor(settings, signal, next, filter::apply, null);
  }
}
