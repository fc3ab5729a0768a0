package dev.traceyard.collector.service;

import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.config.HostPort;
import java.util.List;

/** {@code service.telemetry}: where the Prometheus endpoint listens, and the log level. */
public final class TelemetryConfig {
  static final HostPort DEFAULT_METRICS_ADDRESS = HostPort.of("localhost", 8888);

  private final HostPort metricsAddress;
  private final String logLevel;

  TelemetryConfig(HostPort metricsAddress, String logLevel) {
    this.metricsAddress = metricsAddress;
    this.logLevel = logLevel;
  }

  /** Null when metrics are turned off ({@code level: none}). */
  public HostPort metricsAddress() {
    return metricsAddress;
  }

  /** {@code debug}, {@code info}, {@code warn} or {@code error}. */
  public String logLevel() {
    return logLevel;
  }

  static TelemetryConfig parse(ConfigNode telemetry) {
    ConfigNode logs = telemetry.child("logs");
    String level = logs.oneOf("level", "info", "debug", "info", "warn", "error");
    logs.oneOf("encoding", "console", "console", "json");
    logs.bool("development", false);
    logs.bool("disable_caller", false);
    logs.bool("disable_stacktrace", false);

    ConfigNode metrics = telemetry.child("metrics");
    String metricsLevel = metrics.oneOf("level", "normal", "none", "basic", "normal", "detailed");
    HostPort address = HostPort.read(metrics, "address", DEFAULT_METRICS_ADDRESS);
    List<ConfigNode> readers = metrics.list("readers");
    for (ConfigNode reader : readers) {
      ConfigNode pull = reader.child("pull");
      ConfigNode prometheus = pull.child("exporter").child("prometheus");
      String host = prometheus.string("host", "localhost");
      int port = (int) prometheus.longInRange("port", 8888, 0, 65535);
      address = HostPort.of(host, port);
    }
    if (readers.size() > 1) {
      metrics.error("readers", "only one pull reader (the Prometheus endpoint) is supported");
    }
    return new TelemetryConfig("none".equals(metricsLevel) ? null : address, level);
  }
}
