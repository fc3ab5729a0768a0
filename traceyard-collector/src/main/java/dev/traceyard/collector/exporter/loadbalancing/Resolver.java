package dev.traceyard.collector.exporter.loadbalancing;

import java.util.Set;
import java.util.function.Consumer;

/** Where the backends come from. Reports the whole member set each time it may have changed. */
interface Resolver {

  /**
   * Resolves once before returning (so the first batches find a ring), then keeps reporting.
   * {@code onMembers} is called from one thread at a time, with {@code host:port} strings.
   */
  void start(Consumer<Set<String>> onMembers);

  void shutdown();
}
