package dev.traceyard.collector.component;

import dev.traceyard.collector.consumer.Consumer;
import java.util.Map;
import java.util.Set;

public interface ProcessorFactory<C> extends Factory<C> {

  Set<Signal> signals();

  /** One instance per pipeline: {@code next} is the rest of that pipeline. */
  Processor create(ComponentSettings settings, C config, Signal signal, Consumer next);

  /**
   * Pipelines the processor sends data of its own into (e.g. {@code trace_quality}'s findings, as
   * logs), keyed by the config path that names them relative to the processor (e.g.
   * {@code findings_pipelines[0]}), so the service can check that each exists. The processor finds
   * them at start through {@link Host#pipeline}. The default names none.
   */
  default Map<String, String> pipelineReferences(C config) {
    return Map.of();
  }
}
