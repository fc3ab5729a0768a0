package dev.traceyard.collector.data;

import com.google.protobuf.Message;
import dev.traceyard.collector.component.Signal;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

/**
 * A batch of one signal, carried as the OTLP export request itself so data is decoded once and never
 * translated on the hot path. The item count is computed once, when the batch is made.
 */
public sealed interface Batch permits TraceBatch, MetricBatch, LogBatch {

  Signal signal();

  /** Spans, metric data points or log records in this batch. */
  int itemCount();

  /** The OTLP export request. */
  Message request();

  static TraceBatch of(ExportTraceServiceRequest request) {
    return TraceBatch.of(request);
  }

  static MetricBatch of(ExportMetricsServiceRequest request) {
    return MetricBatch.of(request);
  }

  static LogBatch of(ExportLogsServiceRequest request) {
    return LogBatch.of(request);
  }
}
