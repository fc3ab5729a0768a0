package dev.traceyard.store;

import dev.traceyard.collector.service.ComponentRegistry;

/** The store's components, for distributions that include it. */
public final class StoreComponents {
  private StoreComponents() {}

  /** Adds the {@code traceyard} exporter. */
  public static ComponentRegistry.Builder register(ComponentRegistry.Builder builder) {
    return builder.exporter(new TraceyardExporterFactory());
  }
}
