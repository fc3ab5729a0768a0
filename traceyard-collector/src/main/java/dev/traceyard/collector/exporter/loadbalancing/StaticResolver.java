package dev.traceyard.collector.exporter.loadbalancing;

import dev.traceyard.collector.config.HostPort;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/** {@code resolver.static}: the configured hostnames, once. Names are resolved by each backend's client. */
final class StaticResolver implements Resolver {
  private final List<HostPort> hostnames;

  StaticResolver(List<HostPort> hostnames) {
    this.hostnames = List.copyOf(hostnames);
  }

  @Override
  public void start(Consumer<Set<String>> onMembers) {
    Set<String> members = new LinkedHashSet<>();
    hostnames.forEach(h -> members.add(h.toString()));
    onMembers.accept(members);
  }

  @Override
  public void shutdown() {}
}
