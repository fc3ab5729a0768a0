package dev.traceyard.collector;

import dev.traceyard.collector.receiver.otlp.OtlpReceiverFactory;
import dev.traceyard.collector.service.ComponentRegistry;

/** Every component type built into the collector module. */
public final class Components {
  private Components() {}

  public static ComponentRegistry builtIn() {
    return builtInBuilder().build();
  }

  /** The collector's components, for distributions that add their own (e.g. the store's exporter). */
  public static ComponentRegistry.Builder builtInBuilder() {
    return ComponentRegistry.builder()
        // receivers
        .receiver(new OtlpReceiverFactory())
        // processors
        .processor(new dev.traceyard.collector.processor.batch.BatchProcessorFactory())
        .processor(new dev.traceyard.collector.processor.memorylimiter.MemoryLimiterProcessorFactory())
        // exporters
        // extensions
        .extension(new dev.traceyard.collector.extension.healthcheck.HealthCheckExtensionFactory())
        .extension(new dev.traceyard.collector.extension.auth.bearertoken.BearerTokenAuthExtensionFactory())
        .extension(new dev.traceyard.collector.extension.auth.basic.BasicAuthExtensionFactory())
        ;
  }
}
