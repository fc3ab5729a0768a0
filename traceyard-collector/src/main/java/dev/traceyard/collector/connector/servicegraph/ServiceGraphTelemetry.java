package dev.traceyard.collector.connector.servicegraph;

import dev.traceyard.collector.telemetry.SelfTelemetry;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.util.function.DoubleSupplier;

/** The connector's own metrics, labelled by connector id; names follow otelcol's connector telemetry. */
final class ServiceGraphTelemetry {
  static final String TOTAL_EDGES = "traceyard_connector_servicegraph_total_edges";
  static final String EXPIRED_EDGES = "traceyard_connector_servicegraph_expired_edges";
  static final String DROPPED_SPANS = "traceyard_connector_servicegraph_dropped_spans";
  static final String UNPAIRED_SPANS = "traceyard_connector_servicegraph_unpaired_spans";
  static final String SKIPPED_SPANS = "traceyard_connector_servicegraph_skipped_spans";
  static final String EDGES_IN_STORE = "traceyard_connector_servicegraph_edges_in_store";
  static final String OVERFLOW_REQUESTS = "traceyard_connector_servicegraph_overflow_requests";
  static final String EMITTED_POINTS = "traceyard_connector_servicegraph_emitted_data_points";
  static final String FAILED_POINTS = "traceyard_connector_servicegraph_failed_data_points";

  final CounterDataPoint totalEdges;
  final CounterDataPoint expiredEdges;
  final CounterDataPoint droppedSpans;
  final CounterDataPoint unpairedSpans;
  final CounterDataPoint skippedSpans;
  final CounterDataPoint overflowRequests;
  final CounterDataPoint emitted;
  final CounterDataPoint failed;

  ServiceGraphTelemetry(SelfTelemetry t, String connector, DoubleSupplier edgesInStore) {
    totalEdges = t.counter(TOTAL_EDGES, "Edges started in the pairing store.", "connector").labelValues(connector);
    expiredEdges = t.counter(EXPIRED_EDGES, "Edges that waited store.ttl for their other half; they become edges to "
        + "a virtual node or unpaired spans.", "connector").labelValues(connector);
    droppedSpans = t.counter(DROPPED_SPANS, "Spans not paired because the store held store.max_items edges.",
        "connector").labelValues(connector);
    unpairedSpans = t.counter(UNPAIRED_SPANS, "Spans whose edge expired without its other half and without a "
        + "virtual node to stand for it.", "connector").labelValues(connector);
    skippedSpans = t.counter(SKIPPED_SPANS, "Client and server spans ignored because their resource has no "
        + "service.name.", "connector").labelValues(connector);
    overflowRequests = t.counter(OVERFLOW_REQUESTS, "Requests counted into the otel.metric.overflow=true series "
        + "because the series limit was reached.", "connector").labelValues(connector);
    t.gaugeCallback(EDGES_IN_STORE, "Edges waiting for their other half.", new String[] {"connector"},
        new String[] {connector}, edgesInStore);
    emitted = t.counter(EMITTED_POINTS, "Data points emitted to the metrics pipelines.", "connector")
        .labelValues(connector);
    failed = t.counter(FAILED_POINTS, "Data points the metrics pipelines refused at a flush (sent again, "
        + "cumulative, at the next one).", "connector").labelValues(connector);
  }
}
