package dev.traceyard.collector.processor.resource;

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
import dev.traceyard.collector.processor.attributes.AttributeActions;
import dev.traceyard.collector.processor.internal.matching.MappingProcessor;
import dev.traceyard.collector.processor.internal.matching.Rewrite;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code resource} processor: the attribute actions of the {@code attributes} processor
 * (insert, update, upsert, delete, hash, extract, convert), applied to every resource. Spans, log
 * records and metrics are kept as they are; only the resource entries change.
 */
public final class ResourceProcessorFactory implements ProcessorFactory<ResourceConfig> {

  @Override
  public String type() {
    return "resource";
  }

  @Override
  public Set<Signal> signals() {
    return EnumSet.allOf(Signal.class);
  }

  @Override
  public ResourceConfig parseConfig(ConfigNode node) {
    return new ResourceConfig(AttributeActions.parse(node, "attributes"));
  }

  @Override
  public Processor create(ComponentSettings settings, ResourceConfig config, Signal signal, Consumer next) {
    return new MappingProcessor(settings, signal, next, batch -> apply(config.attributes(), batch), null);
  }

  static Batch apply(AttributeActions actions, Batch batch) {
    Rewrite.ResourceFn fn = resource -> {
      List<KeyValue> attrs = actions.apply(resource.getAttributesList());
      return attrs == resource.getAttributesList() ? resource
          : resource.toBuilder().clearAttributes().addAllAttributes(attrs).build();
    };
    if (batch instanceof TraceBatch t) {
      return Rewrite.traces(t, fn, null);
    }
    if (batch instanceof LogBatch l) {
      return Rewrite.logs(l, fn, null);
    }
    return Rewrite.metrics((MetricBatch) batch, fn, null);
  }
}
