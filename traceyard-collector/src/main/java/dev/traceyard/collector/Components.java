package dev.traceyard.collector;

import dev.traceyard.collector.service.ComponentRegistry;

/** Every component type built into Traceyard. */
public final class Components {
  private Components() {}

  public static ComponentRegistry builtIn() {
    return ComponentRegistry.builder()
        // receivers
        // processors
        .processor(new dev.traceyard.collector.processor.batch.BatchProcessorFactory())
        .processor(new dev.traceyard.collector.processor.memorylimiter.MemoryLimiterProcessorFactory())
        // exporters
        // extensions
        .extension(new dev.traceyard.collector.extension.healthcheck.HealthCheckExtensionFactory())
        .build();
  }
}
