package dev.traceyard.collector.component;

import dev.traceyard.collector.consumer.Consumer;
import java.util.Map;
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

  /**
   * For connectors that choose among their downstream pipelines (e.g. {@code routing}) rather than
   * feeding all of a signal's: {@code pipelines} holds, by signal, the head of each pipeline that
   * names this connector as a receiver, keyed by pipeline id. The default ignores it.
   */
  default Connector create(ComponentSettings settings, C config, Consumer next,
      Map<Signal, Map<String, Consumer>> pipelines) {
    return create(settings, config, next);
  }

  /**
   * Pipeline ids the config names, keyed by the config path that names them (relative to the
   * connector, e.g. {@code table[0].pipelines[1]}), so the service can check that each exists and
   * receives from this connector. The default names none.
   */
  default Map<String, String> pipelineReferences(C config) {
    return Map.of();
  }
}
