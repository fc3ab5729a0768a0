package dev.traceyard.collector.exporter.loadbalancing;

import dev.traceyard.collector.telemetry.SelfTelemetry;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.util.function.DoubleSupplier;

/**
 * {@code traceyard_loadbalancer_*}: spans acknowledged by and failed at each backend, spans re-routed
 * to another backend (by reason), spans refused upstream, membership changes, failed resolutions, and
 * the ring's size.
 */
final class LoadBalancerMetrics {
  static final String REASON_ENDPOINT_DOWN = "endpoint_down";
  static final String REASON_LEFT_RING = "left_ring";

  private final SelfTelemetry telemetry;
  private final String exporter;
  private final CounterDataPoint membershipChanges;
  private final CounterDataPoint resolutionFailures;
  private final CounterDataPoint refused;

  LoadBalancerMetrics(SelfTelemetry telemetry, String exporter) {
    this.telemetry = telemetry;
    this.exporter = exporter;
    this.membershipChanges = telemetry.counter("traceyard_loadbalancer_membership_changes",
        "Backends that joined or left the ring.", "exporter").labelValues(exporter);
    this.resolutionFailures = telemetry.counter("traceyard_loadbalancer_resolution_failures",
        "Resolutions that failed or found no backend; the last known members were kept.", "exporter")
        .labelValues(exporter);
    this.refused = telemetry.counter("traceyard_loadbalancer_refused_spans",
        "Spans refused upstream (retryable): no backend known, or no backend could take them.", "exporter")
        .labelValues(exporter);
  }

  void ringSize(DoubleSupplier size) {
    telemetry.gaugeCallback("traceyard_loadbalancer_ring_endpoints", "Backends in the ring.",
        new String[] {"exporter"}, new String[] {exporter}, size);
  }

  void membershipChanged(long n) {
    if (n > 0) {
      membershipChanges.inc(n);
    }
  }

  void resolutionFailed() {
    resolutionFailures.inc();
  }

  void refused(long spans) {
    if (spans > 0) {
      refused.inc(spans);
    }
  }

  void rerouted(String reason, long spans) {
    if (spans > 0) {
      telemetry.counter("traceyard_loadbalancer_rerouted_spans",
          "Spans handed from their backend to the ring's next owner (backend down, or left the ring).",
          "exporter", "reason").labelValues(exporter, reason).inc(spans);
    }
  }

  /** Per-backend counters. */
  Endpoint endpoint(String endpoint) {
    return new Endpoint(
        telemetry.counter("traceyard_loadbalancer_endpoint_sent_spans", "Spans the backend acknowledged.",
            "exporter", "endpoint").labelValues(exporter, endpoint),
        telemetry.counter("traceyard_loadbalancer_endpoint_send_failed_spans",
            "Spans of failed send attempts to the backend (they were retried or re-routed, or given up "
                + "and counted in traceyard_exporter_send_failed_spans).", "exporter", "endpoint")
            .labelValues(exporter, endpoint));
  }

  record Endpoint(CounterDataPoint sent, CounterDataPoint failed) {}
}
