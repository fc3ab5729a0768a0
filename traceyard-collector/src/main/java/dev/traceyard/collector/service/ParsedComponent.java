package dev.traceyard.collector.service;

import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.ComponentKind;
import dev.traceyard.collector.component.Factory;

/** A component's id, factory and parsed config; keeps the factory and config types together. */
final class ParsedComponent<C> {
  final ComponentId id;
  final ComponentKind kind;
  final Factory<C> factory;
  final C config;

  ParsedComponent(ComponentId id, ComponentKind kind, Factory<C> factory, C config) {
    this.id = id;
    this.kind = kind;
    this.factory = factory;
    this.config = config;
  }
}
