package dev.traceyard.collector.telemetry;

import dev.traceyard.collector.component.Signal;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.DoubleSupplier;

/**
 * {@code traceyard_exporter_sent_*}, {@code _send_failed_*} and {@code _enqueue_failed_*} per signal,
 * plus the sending queue's size and capacity.
 */
public final class ExporterMetrics {
  private final SelfTelemetry telemetry;
  private final String exporter;
  private final Map<Signal, CounterDataPoint> sent = new EnumMap<>(Signal.class);
  private final Map<Signal, CounterDataPoint> sendFailed = new EnumMap<>(Signal.class);
  private final Map<Signal, CounterDataPoint> enqueueFailed = new EnumMap<>(Signal.class);

  ExporterMetrics(SelfTelemetry t, String exporter) {
    this.telemetry = t;
    this.exporter = exporter;
    for (Signal s : Signal.values()) {
      sent.put(s, t.counter("traceyard_exporter_sent_" + s.itemName(),
          "Items successfully sent to the destination.", "exporter").labelValues(exporter));
      sendFailed.put(s, t.counter("traceyard_exporter_send_failed_" + s.itemName(),
          "Items that failed to be sent and were given up on (after retries, or permanent errors).",
          "exporter").labelValues(exporter));
      enqueueFailed.put(s, t.counter("traceyard_exporter_enqueue_failed_" + s.itemName(),
          "Items refused because the sending queue was full.", "exporter").labelValues(exporter));
    }
  }

  public void sent(Signal s, long n) {
    if (n > 0) {
      sent.get(s).inc(n);
    }
  }

  public void sendFailed(Signal s, long n) {
    if (n > 0) {
      sendFailed.get(s).inc(n);
    }
  }

  public void enqueueFailed(Signal s, long n) {
    if (n > 0) {
      enqueueFailed.get(s).inc(n);
    }
  }

  /** Registers {@code traceyard_exporter_queue_size} and {@code _queue_capacity} for this exporter. */
  public void queue(DoubleSupplier size, DoubleSupplier capacity) {
    String[] labels = {"exporter"};
    String[] values = {exporter};
    telemetry.gaugeCallback("traceyard_exporter_queue_size", "Current size of the sending queue.", labels, values, size);
    telemetry.gaugeCallback("traceyard_exporter_queue_capacity", "Capacity of the sending queue.", labels, values, capacity);
  }
}
