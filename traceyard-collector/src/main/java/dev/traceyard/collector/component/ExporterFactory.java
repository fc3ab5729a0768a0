package dev.traceyard.collector.component;

import java.util.Set;

public interface ExporterFactory<C> extends Factory<C> {

  Set<Signal> signals();

  /** One instance per id, fed by every pipeline that names it. */
  Exporter create(ComponentSettings settings, C config);
}
