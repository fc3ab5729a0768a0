package dev.traceyard.collector.component;

import dev.traceyard.collector.consumer.Consumer;
import java.util.Optional;

/** What a running component can ask of the service that runs it. */
public interface Host {

  /** A started extension by id, e.g. for {@code auth.authenticator} or {@code sending_queue.storage}. */
  Optional<Extension> extension(ComponentId id);

  /**
   * The head of a pipeline by id (e.g. {@code logs}), for processors that emit data of their own into
   * the pipelines their {@link ProcessorFactory#pipelineReferences} name. Empty when no such pipeline.
   */
  default Optional<Consumer> pipeline(String id) {
    return Optional.empty();
  }
}
