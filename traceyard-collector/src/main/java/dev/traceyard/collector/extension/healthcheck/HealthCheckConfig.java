package dev.traceyard.collector.extension.healthcheck;

import dev.traceyard.collector.config.HostPort;
import java.util.Objects;

/**
 * Settings of the {@code health_check} extension, as in otelcol.
 *
 * @param endpoint where to listen (default {@code localhost:13133})
 * @param path the one path answered (default {@code /})
 * @param healthyBody body sent with 200 instead of the JSON status, or null
 * @param unhealthyBody body sent with 503 instead of the JSON status, or null
 * @param checkCollectorPipeline whether {@code check_collector_pipeline.enabled} was set; accepted, not implemented
 */
public record HealthCheckConfig(HostPort endpoint, String path, String healthyBody, String unhealthyBody,
    boolean checkCollectorPipeline) {
  public static final HostPort DEFAULT_ENDPOINT = HostPort.of("localhost", 13133);

  public HealthCheckConfig {
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(path, "path");
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException("path must start with '/'");
    }
  }

  public static HealthCheckConfig of(HostPort endpoint) {
    return new HealthCheckConfig(endpoint, "/", null, null, false);
  }
}
