package dev.traceyard.collector.component;

import java.util.Optional;

/** What a running component can ask of the service that runs it. */
public interface Host {

  /** A started extension by id, e.g. for {@code auth.authenticator} or {@code sending_queue.storage}. */
  Optional<Extension> extension(ComponentId id);
}
