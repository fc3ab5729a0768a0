package dev.traceyard.collector.component;

import dev.traceyard.collector.consumer.Consumer;
import java.util.Set;

public interface ProcessorFactory<C> extends Factory<C> {

  Set<Signal> signals();

  /** One instance per pipeline: {@code next} is the rest of that pipeline. */
  Processor create(ComponentSettings settings, C config, Signal signal, Consumer next);
}
