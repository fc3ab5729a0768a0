package dev.traceyard.collector.processor.attributes;

import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Processor;
import dev.traceyard.collector.component.ProcessorFactory;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.consumer.Consumer;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.LogBatch;
import dev.traceyard.collector.data.MetricBatch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.processor.internal.matching.DataPoints;
import dev.traceyard.collector.processor.internal.matching.IncludeExclude;
import dev.traceyard.collector.processor.internal.matching.MappingProcessor;
import dev.traceyard.collector.processor.internal.matching.Rewrite;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code attributes} processor: runs {@link AttributeActions} on the attributes of spans, log
 * records and metric data points selected by {@code include} / {@code exclude}. Only changed items
 * are rebuilt; an unchanged span stays the same protobuf instance.
 */
public final class AttributesProcessorFactory implements ProcessorFactory<AttributesConfig> {

  @Override
  public String type() {
    return "attributes";
  }

  @Override
  public Set<Signal> signals() {
    return EnumSet.allOf(Signal.class);
  }

  @Override
  public AttributesConfig parseConfig(ConfigNode node) {
    AttributeActions actions = AttributeActions.parse(node, "actions");
    IncludeExclude match = IncludeExclude.parse(node);
    return new AttributesConfig(actions, match);
  }

  @Override
  public Processor create(ComponentSettings settings, AttributesConfig config, Signal signal, Consumer next) {
    String incompatibility = config.match().incompatibility(signal);
    return new MappingProcessor(settings, signal, next, batch -> apply(config, batch), incompatibility);
  }

  static Batch apply(AttributesConfig config, Batch batch) {
    AttributeActions actions = config.actions();
    IncludeExclude match = config.match();
    if (batch instanceof TraceBatch t) {
      return Rewrite.traces(t, null, (resource, scope, span) -> {
        if (!match.selectsAll() && !match.selectsSpan(resource, scope, span)) {
          return span;
        }
        List<KeyValue> attrs = actions.apply(span.getAttributesList());
        return attrs == span.getAttributesList() ? span
            : span.toBuilder().clearAttributes().addAllAttributes(attrs).build();
      });
    }
    if (batch instanceof LogBatch l) {
      return Rewrite.logs(l, null, (resource, scope, log) -> {
        if (!match.selectsAll() && !match.selectsLog(resource, scope, log)) {
          return log;
        }
        List<KeyValue> attrs = actions.apply(log.getAttributesList());
        return attrs == log.getAttributesList() ? log
            : log.toBuilder().clearAttributes().addAllAttributes(attrs).build();
      });
    }
    return Rewrite.metrics((MetricBatch) batch, null, (resource, scope, metric) -> {
      if (!match.selectsAll() && !match.selectsMetric(resource, scope, metric)) {
        return metric;
      }
      return DataPoints.map(metric, point -> {
        List<KeyValue> before = DataPoints.attributes(point);
        List<KeyValue> after = actions.apply(before);
        return after == before ? point : DataPoints.withAttributes(point, after);
      });
    });
  }
}
