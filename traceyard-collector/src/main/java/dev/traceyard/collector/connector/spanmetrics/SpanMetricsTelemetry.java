package dev.traceyard.collector.connector.spanmetrics;

import dev.traceyard.collector.telemetry.SelfTelemetry;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.util.function.DoubleSupplier;

/** The connector's own metrics, labelled by connector id. */
final class SpanMetricsTelemetry {
  static final String SPANS = "traceyard_connector_spanmetrics_spans";
  static final String OVERFLOW_SPANS = "traceyard_connector_spanmetrics_overflow_spans";
  static final String SERIES = "traceyard_connector_spanmetrics_series";
  static final String EMITTED_POINTS = "traceyard_connector_spanmetrics_emitted_data_points";
  static final String FAILED_POINTS = "traceyard_connector_spanmetrics_failed_data_points";

  final CounterDataPoint spans;
  final CounterDataPoint overSeriesLimit;
  final CounterDataPoint overResourceLimit;
  final CounterDataPoint emitted;
  final CounterDataPoint failed;

  SpanMetricsTelemetry(SelfTelemetry t, String connector, DoubleSupplier series) {
    spans = t.counter(SPANS, "Spans counted into span metrics.", "connector").labelValues(connector);
    var overflow = t.counter(OVERFLOW_SPANS, "Spans counted into an overflow series (otel.metric.overflow=true) "
        + "because a limit was reached (series: the series limit, resources: resource_metrics_cache_size).",
        "connector", "limit");
    overSeriesLimit = overflow.labelValues(connector, "series");
    overResourceLimit = overflow.labelValues(connector, "resources");
    t.gaugeCallback(SERIES, "Metric series held, overflow series excluded.", new String[] {"connector"},
        new String[] {connector}, series);
    emitted = t.counter(EMITTED_POINTS, "Data points emitted to the metrics pipelines.", "connector")
        .labelValues(connector);
    failed = t.counter(FAILED_POINTS, "Data points the metrics pipelines refused at a flush; cumulative values "
        + "are sent again at the next flush, delta values are lost.", "connector").labelValues(connector);
  }
}
