package dev.traceyard.collector.processor.internal.matching;

import com.google.protobuf.Message;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.SummaryDataPoint;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** Type-independent access to a metric's data points, whatever the metric's type. */
public final class DataPoints {
  private DataPoints() {}

  /** The data points; empty for a metric without data. */
  public static List<? extends Message> of(Metric m) {
    switch (m.getDataCase()) {
      case GAUGE:
        return m.getGauge().getDataPointsList();
      case SUM:
        return m.getSum().getDataPointsList();
      case HISTOGRAM:
        return m.getHistogram().getDataPointsList();
      case EXPONENTIAL_HISTOGRAM:
        return m.getExponentialHistogram().getDataPointsList();
      case SUMMARY:
        return m.getSummary().getDataPointsList();
      default:
        return List.of();
    }
  }

  public static List<KeyValue> attributes(Message point) {
    if (point instanceof NumberDataPoint p) {
      return p.getAttributesList();
    }
    if (point instanceof HistogramDataPoint p) {
      return p.getAttributesList();
    }
    if (point instanceof ExponentialHistogramDataPoint p) {
      return p.getAttributesList();
    }
    if (point instanceof SummaryDataPoint p) {
      return p.getAttributesList();
    }
    throw new IllegalArgumentException("not a data point: " + point.getClass().getName());
  }

  /** The point with these attributes instead of its own. */
  public static Message withAttributes(Message point, List<KeyValue> attributes) {
    if (point instanceof NumberDataPoint p) {
      return p.toBuilder().clearAttributes().addAllAttributes(attributes).build();
    }
    if (point instanceof HistogramDataPoint p) {
      return p.toBuilder().clearAttributes().addAllAttributes(attributes).build();
    }
    if (point instanceof ExponentialHistogramDataPoint p) {
      return p.toBuilder().clearAttributes().addAllAttributes(attributes).build();
    }
    if (point instanceof SummaryDataPoint p) {
      return p.toBuilder().clearAttributes().addAllAttributes(attributes).build();
    }
    throw new IllegalArgumentException("not a data point: " + point.getClass().getName());
  }

  /**
   * Applies {@code fn} to every point: it returns the point itself when unchanged, a new point, or
   * null to drop it. Returns {@code m} itself when nothing changed, and null when every point of a
   * metric that had points was dropped.
   */
  public static Metric map(Metric m, UnaryOperator<Message> fn) {
    List<? extends Message> points = of(m);
    List<Message> out = null;
    for (int i = 0; i < points.size(); i++) {
      Message p = points.get(i);
      Message q = fn.apply(p);
      if (q != p && out == null) {
        out = new ArrayList<>(points.subList(0, i));
      }
      if (out != null && q != null) {
        out.add(q);
      }
    }
    if (out == null) {
      return m;
    }
    if (out.isEmpty()) {
      return null;
    }
    return withPoints(m, out);
  }

  /** The metric with {@code points} (of its own point type) instead of its own. */
  @SuppressWarnings("unchecked")
  public static Metric withPoints(Metric m, List<? extends Message> points) {
    Metric.Builder b = m.toBuilder();
    switch (m.getDataCase()) {
      case GAUGE:
        b.setGauge(m.getGauge().toBuilder().clearDataPoints().addAllDataPoints((List<NumberDataPoint>) points));
        break;
      case SUM:
        b.setSum(m.getSum().toBuilder().clearDataPoints().addAllDataPoints((List<NumberDataPoint>) points));
        break;
      case HISTOGRAM:
        b.setHistogram(m.getHistogram().toBuilder().clearDataPoints()
            .addAllDataPoints((List<HistogramDataPoint>) points));
        break;
      case EXPONENTIAL_HISTOGRAM:
        b.setExponentialHistogram(m.getExponentialHistogram().toBuilder().clearDataPoints()
            .addAllDataPoints((List<ExponentialHistogramDataPoint>) points));
        break;
      case SUMMARY:
        b.setSummary(m.getSummary().toBuilder().clearDataPoints().addAllDataPoints((List<SummaryDataPoint>) points));
        break;
      default:
        return m;
    }
    return b.build();
  }
}
