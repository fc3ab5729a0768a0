package dev.traceyard.collector.component;

public interface ExtensionFactory<C> extends Factory<C> {

  Extension create(ComponentSettings settings, C config);
}
