package dev.traceyard.server;

import dev.traceyard.collector.Components;
import dev.traceyard.collector.service.ComponentRegistry;
import dev.traceyard.store.StoreComponents;

/** Every component this distribution ships: the collector's and the store's. */
final class Distribution {
  private Distribution() {}

  static ComponentRegistry registry() {
    return StoreComponents.register(Components.builtInBuilder()).build();
  }
}
