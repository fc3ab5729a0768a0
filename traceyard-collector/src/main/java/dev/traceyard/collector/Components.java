package dev.traceyard.collector;

import dev.traceyard.collector.receiver.otlp.OtlpReceiverFactory;
import dev.traceyard.collector.service.ComponentRegistry;

/** Every component type built into Traceyard. */
public final class Components {
  private Components() {}

  public static ComponentRegistry builtIn() {
    return ComponentRegistry.builder()
        // receivers
        .receiver(new OtlpReceiverFactory())
        // processors
        // exporters
        // extensions
        .build();
  }
}
