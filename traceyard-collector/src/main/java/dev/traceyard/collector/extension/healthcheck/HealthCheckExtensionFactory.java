package dev.traceyard.collector.extension.healthcheck;

import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Extension;
import dev.traceyard.collector.component.ExtensionFactory;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.config.HostPort;
import java.time.Duration;

/**
 * The {@code health_check} extension, configured as in otelcol: {@code endpoint} (default
 * {@code localhost:13133}), {@code path} (default {@code /}), {@code response_body.healthy} and
 * {@code response_body.unhealthy} (static bodies replacing the JSON status).
 *
 * <p>{@code check_collector_pipeline} ({@code enabled}, {@code interval},
 * {@code exporter_failure_threshold}) is accepted so otelcol configs load, and ignored: otelcol
 * itself documents it as not working and recommends against it. Health here means "every pipeline
 * has started and the service is not shutting down"; enabling it logs a warning at start.
 * TLS and the other HTTP server settings of otelcol's endpoint are not supported (unknown keys).
 */
public final class HealthCheckExtensionFactory implements ExtensionFactory<HealthCheckConfig> {

  @Override
  public String type() {
    return "health_check";
  }

  @Override
  public HealthCheckConfig parseConfig(ConfigNode node) {
    HostPort endpoint = HostPort.read(node, "endpoint", HealthCheckConfig.DEFAULT_ENDPOINT);
    String path = node.string("path", "/");
    if (!path.startsWith("/")) {
      node.error("path", "must start with '/', got '" + path + "'");
      path = "/";
    }
    ConfigNode body = node.child("response_body");
    String healthy = body.string("healthy", null);
    String unhealthy = body.string("unhealthy", null);
    ConfigNode pipeline = node.child("check_collector_pipeline");
    boolean enabled = pipeline.bool("enabled", false);
    pipeline.nonNegativeDuration("interval", Duration.ofMinutes(5));
    pipeline.longInRange("exporter_failure_threshold", 5, 0, Integer.MAX_VALUE);
    return new HealthCheckConfig(endpoint, path, healthy, unhealthy, enabled);
  }

  @Override
  public Extension create(ComponentSettings settings, HealthCheckConfig config) {
    return new HealthCheckExtension(settings, config);
  }
}
