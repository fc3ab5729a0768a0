package dev.traceyard.collector.service;

import dev.traceyard.collector.component.ComponentKind;
import dev.traceyard.collector.component.ConnectorFactory;
import dev.traceyard.collector.component.ExporterFactory;
import dev.traceyard.collector.component.ExtensionFactory;
import dev.traceyard.collector.component.Factory;
import dev.traceyard.collector.component.ProcessorFactory;
import dev.traceyard.collector.component.ReceiverFactory;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/** The component types a service can build, by kind and type name. */
public final class ComponentRegistry {
  private final Map<ComponentKind, Map<String, Factory<?>>> factories;

  private ComponentRegistry(Map<ComponentKind, Map<String, Factory<?>>> factories) {
    this.factories = factories;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The factory of {@code type} for {@code kind}, or null. */
  public Factory<?> factory(ComponentKind kind, String type) {
    return factories.get(kind).get(type);
  }

  /** Type names known for a kind, sorted, for error messages. */
  public Iterable<String> types(ComponentKind kind) {
    return Collections.unmodifiableSet(factories.get(kind).keySet());
  }

  public static final class Builder {
    private final Map<ComponentKind, Map<String, Factory<?>>> factories = new EnumMap<>(ComponentKind.class);

    private Builder() {
      for (ComponentKind k : ComponentKind.values()) {
        factories.put(k, new TreeMap<>());
      }
    }

    public Builder receiver(ReceiverFactory<?> f) {
      return add(ComponentKind.RECEIVER, f);
    }

    public Builder processor(ProcessorFactory<?> f) {
      return add(ComponentKind.PROCESSOR, f);
    }

    public Builder exporter(ExporterFactory<?> f) {
      return add(ComponentKind.EXPORTER, f);
    }

    public Builder connector(ConnectorFactory<?> f) {
      return add(ComponentKind.CONNECTOR, f);
    }

    public Builder extension(ExtensionFactory<?> f) {
      return add(ComponentKind.EXTENSION, f);
    }

    private Builder add(ComponentKind kind, Factory<?> f) {
      Objects.requireNonNull(f, "factory");
      if (factories.get(kind).putIfAbsent(f.type(), f) != null) {
        throw new IllegalArgumentException("duplicate " + kind.noun() + " type " + f.type());
      }
      return this;
    }

    public ComponentRegistry build() {
      Map<ComponentKind, Map<String, Factory<?>>> copy = new EnumMap<>(ComponentKind.class);
      factories.forEach((k, v) -> copy.put(k, Collections.unmodifiableMap(new TreeMap<>(v))));
      return new ComponentRegistry(copy);
    }
  }
}
