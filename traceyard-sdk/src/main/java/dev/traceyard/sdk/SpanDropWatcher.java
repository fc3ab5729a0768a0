package dev.traceyard.sdk;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.metrics.export.CollectionRegistration;
import io.opentelemetry.sdk.metrics.export.MetricReader;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the span processors' own drop counters into a warning in the service's log.
 *
 * <p>The SDK's BatchSpanProcessor already counts every span it drops because its queue is full, as a
 * metric on the SDK's MeterProvider ({@code processedSpans{dropped=true}}, or
 * {@code otel.sdk.processor.span.processed{error.type}} with the semantic-convention internal telemetry).
 * Those counters leave the process with the other metrics, but nobody reads a metric they do not know
 * about: this reader is registered on the same MeterProvider, reads the counters in-process every
 * interval and logs once per interval in which the total grew — so a drop storm costs one log line per
 * interval, not one per span.
 */
final class SpanDropWatcher implements MetricReader {

  private static final Logger log = LoggerFactory.getLogger(SpanDropWatcher.class);
  static final String LEGACY_METRIC = "processedSpans";
  static final String SEMCONV_METRIC = "otel.sdk.processor.span.processed";
  private static final AttributeKey<Boolean> DROPPED = AttributeKey.booleanKey("dropped");
  private static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

  private volatile CollectionRegistration registration = CollectionRegistration.noop();
  private final AtomicLong lastSeen = new AtomicLong();

  @Override
  public void register(CollectionRegistration registration) {
    this.registration = registration;
  }

  /** Reads the drop counters; logs a warning when they grew since the last check. Returns the total. */
  long check() {
    long total = droppedSpans();
    long previous = lastSeen.getAndSet(total);
    if (total > previous) {
      log.warn(
          "the span processor dropped {} span(s) since the last check ({} in total): the export queue was"
              + " full. Raise OTEL_BSP_MAX_QUEUE_SIZE, lower the sampling rate, or check the exporter"
              + " endpoint is reachable and fast enough",
          total - previous,
          total);
    }
    return total;
  }

  /** Spans the SDK's span processors dropped since start-up, from their own metrics. */
  long droppedSpans() {
    long total = 0;
    for (MetricData metric : registration.collectAllMetrics()) {
      if (metric.getType() != MetricDataType.LONG_SUM) {
        continue;
      }
      boolean legacy = LEGACY_METRIC.equals(metric.getName());
      if (!legacy && !SEMCONV_METRIC.equals(metric.getName())) {
        continue;
      }
      for (LongPointData point : metric.getLongSumData().getPoints()) {
        boolean dropped =
            legacy
                ? Boolean.TRUE.equals(point.getAttributes().get(DROPPED))
                : point.getAttributes().get(ERROR_TYPE) != null;
        if (dropped) {
          total += point.getValue();
        }
      }
    }
    return total;
  }

  @Override
  public AggregationTemporality getAggregationTemporality(InstrumentType instrumentType) {
    return AggregationTemporality.CUMULATIVE;
  }

  @Override
  public CompletableResultCode forceFlush() {
    return CompletableResultCode.ofSuccess();
  }

  @Override
  public CompletableResultCode shutdown() {
    registration = CollectionRegistration.noop();
    return CompletableResultCode.ofSuccess();
  }

  @Override
  public String toString() {
    return "TraceyardSpanDropWatcher";
  }
}
