package dev.traceyard.collector.exporter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.traceyard.collector.Components;
import dev.traceyard.collector.component.ComponentKind;
import dev.traceyard.collector.component.ExporterFactory;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.service.ComponentRegistry;
import org.junit.jupiter.api.Test;

class BuiltInExportersTest {

  @Test
  void otelcolExporterTypes_areRegisteredForEverySignal() {
    ComponentRegistry registry = Components.builtIn();
    for (String type : new String[] {"otlp", "otlphttp", "debug", "file"}) {
      ExporterFactory<?> f = (ExporterFactory<?>) registry.factory(ComponentKind.EXPORTER, type);
      assertThat(f).as(type).isNotNull();
      assertThat(f.signals()).as(type).containsExactlyInAnyOrder(Signal.values());
    }
  }
}
