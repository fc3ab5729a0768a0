package dev.traceyard.collector.exporter.loadbalancing;

import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Exporter;
import dev.traceyard.collector.component.ExporterFactory;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.ConfigNode;
import java.time.Duration;
import java.util.Set;

/** The {@code loadbalancing} exporter (traces): see {@link LoadBalancingExporter}. */
public final class LoadBalancingExporterFactory implements ExporterFactory<LoadBalancingConfig> {
  static final Duration BASE_DOWN_PERIOD = Duration.ofSeconds(1);
  static final Duration MAX_DOWN_PERIOD = Duration.ofSeconds(30);

  private final DnsResolver.AddressLookup lookup;

  public LoadBalancingExporterFactory() {
    this(DnsResolver.SYSTEM);
  }

  /** With another DNS lookup, for tests. */
  LoadBalancingExporterFactory(DnsResolver.AddressLookup lookup) {
    this.lookup = lookup;
  }

  @Override
  public String type() {
    return "loadbalancing";
  }

  @Override
  public LoadBalancingConfig parseConfig(ConfigNode node) {
    return LoadBalancingConfig.parse(node);
  }

  @Override
  public Set<Signal> signals() {
    return Set.of(Signal.TRACES);
  }

  @Override
  public Exporter create(ComponentSettings settings, LoadBalancingConfig config) {
    return new LoadBalancingExporter(settings, config, metrics -> config.dns() != null
        ? new DnsResolver(config.dns(), lookup, metrics, settings.logger())
        : new StaticResolver(config.staticHostnames()), BASE_DOWN_PERIOD, MAX_DOWN_PERIOD);
  }
}
