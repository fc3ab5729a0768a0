package dev.traceyard.collector.component;

import dev.traceyard.collector.consumer.Consumer;
import java.util.Set;

public interface ConnectorFactory<C> extends Factory<C> {

  /** Signals the connector takes, i.e. pipelines it may be an exporter of. */
  Set<Signal> inputs();

  /** Signals the connector emits, i.e. pipelines it may be a receiver of. */
  Set<Signal> outputs();

  /**
   * @param next routes what the connector emits to the pipelines that name it as a receiver, by signal
   */
  Connector create(ComponentSettings settings, C config, Consumer next);
}
