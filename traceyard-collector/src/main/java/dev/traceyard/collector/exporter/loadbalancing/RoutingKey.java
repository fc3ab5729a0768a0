package dev.traceyard.collector.exporter.loadbalancing;

/** What decides a span's endpoint ({@code routing_key}, otelcol's values). */
enum RoutingKey {
  /** Every span of a trace goes to the same endpoint: what tail sampling needs. */
  TRACE_ID("traceID"),
  /** Every span of a service ({@code service.name} of its resource) goes to the same endpoint: span metrics. */
  SERVICE("service");

  private final String configName;

  RoutingKey(String configName) {
    this.configName = configName;
  }

  String configName() {
    return configName;
  }
}
