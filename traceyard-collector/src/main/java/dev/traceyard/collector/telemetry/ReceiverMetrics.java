package dev.traceyard.collector.telemetry;

import dev.traceyard.collector.component.Signal;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.util.EnumMap;
import java.util.Map;

/**
 * {@code traceyard_receiver_accepted_*} and {@code traceyard_receiver_refused_*} for one receiver and
 * transport, per signal ({@code _spans}, {@code _metric_points}, {@code _log_records}).
 */
public final class ReceiverMetrics {
  private final Map<Signal, CounterDataPoint> accepted = new EnumMap<>(Signal.class);
  private final Map<Signal, CounterDataPoint> refused = new EnumMap<>(Signal.class);

  ReceiverMetrics(SelfTelemetry t, String receiver, String transport) {
    for (Signal s : Signal.values()) {
      accepted.put(s, t.counter("traceyard_receiver_accepted_" + s.itemName(),
          "Items successfully pushed into the pipeline.", "receiver", "transport").labelValues(receiver, transport));
      refused.put(s, t.counter("traceyard_receiver_refused_" + s.itemName(),
          "Items that could not be pushed into the pipeline (malformed, oversized, refused downstream).",
          "receiver", "transport").labelValues(receiver, transport));
    }
  }

  public void accepted(Signal signal, long items) {
    if (items > 0) {
      accepted.get(signal).inc(items);
    }
  }

  /**
   * Counts refused items; for requests refused before decoding, where the item count is unknown,
   * pass 0 and the request is counted in {@code traceyard_receiver_refused_requests} only.
   */
  public void refused(Signal signal, long items) {
    if (items > 0) {
      refused.get(signal).inc(items);
    }
  }
}
