package dev.traceyard.collector.data;

import dev.traceyard.collector.component.Signal;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import java.util.Objects;

/** Metric data points, as one OTLP {@link ExportMetricsServiceRequest}. */
public record MetricBatch(ExportMetricsServiceRequest request, int itemCount) implements Batch {

  public MetricBatch {
    Objects.requireNonNull(request, "request");
  }

  public static MetricBatch of(ExportMetricsServiceRequest request) {
    int count = 0;
    for (ResourceMetrics rm : request.getResourceMetricsList()) {
      for (ScopeMetrics sm : rm.getScopeMetricsList()) {
        for (Metric m : sm.getMetricsList()) {
          count += dataPointCount(m);
        }
      }
    }
    return new MetricBatch(request, count);
  }

  /** Data points of one metric, whatever its type; a metric without data counts as none. */
  public static int dataPointCount(Metric m) {
    switch (m.getDataCase()) {
      case GAUGE:
        return m.getGauge().getDataPointsCount();
      case SUM:
        return m.getSum().getDataPointsCount();
      case HISTOGRAM:
        return m.getHistogram().getDataPointsCount();
      case EXPONENTIAL_HISTOGRAM:
        return m.getExponentialHistogram().getDataPointsCount();
      case SUMMARY:
        return m.getSummary().getDataPointsCount();
      default:
        return 0;
    }
  }

  @Override
  public Signal signal() {
    return Signal.METRICS;
  }
}
