package dev.traceyard.collector.component;

/** Something outside the pipelines: health check, storage, authenticators. */
public interface Extension extends Component {

  /** Called once every pipeline has started. */
  default void ready() {}

  /** Called when the service begins to shut down. */
  default void notReady() {}
}
