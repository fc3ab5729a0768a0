package dev.traceyard.collector.component;

import dev.traceyard.collector.consumer.Consumer;

/** Sends telemetry out; one instance per id, shared by every pipeline that names it. */
public interface Exporter extends Component, Consumer {

  /**
   * Called once every pipeline has started (receivers listening), for work that should not compete
   * with the start-up itself. Must not block nor throw.
   */
  default void ready() {}
}
