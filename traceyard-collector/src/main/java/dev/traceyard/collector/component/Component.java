package dev.traceyard.collector.component;

/** Lifecycle shared by every component. */
public interface Component {

  /**
   * Starts the component (binds ports, opens files, starts threads). Throwing aborts the start of
   * the whole service with the exception's message.
   */
  default void start(Host host) throws Exception {}

  /**
   * Stops the component, flushing what it holds downstream. Called once, in reverse start order
   * (receivers first, exporters last), so data in flight drains towards the exporters. Must return
   * within a bounded time and must not throw.
   */
  default void shutdown() {}
}
