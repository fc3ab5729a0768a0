package dev.traceyard.collector.component;

import dev.traceyard.collector.consumer.Consumer;
import java.util.Set;

public interface ReceiverFactory<C> extends Factory<C> {

  Set<Signal> signals();

  /**
   * @param next routes every batch to the pipelines of its signal
   * @param wired the signals of pipelines that name this receiver; others must be refused as unknown
   */
  Receiver create(ComponentSettings settings, C config, Consumer next, Set<Signal> wired);
}
