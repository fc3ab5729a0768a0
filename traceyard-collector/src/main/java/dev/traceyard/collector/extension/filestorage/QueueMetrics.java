package dev.traceyard.collector.extension.filestorage;

import dev.traceyard.collector.telemetry.SelfTelemetry;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.util.function.DoubleSupplier;

/**
 * A persistent queue's own metrics, labelled by exporter like the sending queue's size and
 * capacity: {@code traceyard_exporter_queue_quarantined_segments_total},
 * {@code _quarantined_bytes_total} (bytes that could not be read and were skipped),
 * {@code _truncated_bytes_total} (torn tails cut at start), {@code _recovered_batches_total},
 * {@code _quota_refused_batches_total}, and the gauges {@code traceyard_exporter_queue_disk_bytes}
 * and {@code _disk_quota_bytes}.
 */
final class QueueMetrics {
  final CounterDataPoint quarantinedSegments;
  final CounterDataPoint quarantinedBytes;
  final CounterDataPoint truncatedBytes;
  final CounterDataPoint recoveredBatches;
  final CounterDataPoint quotaRefusals;
  private final SelfTelemetry telemetry;
  private final String exporter;

  QueueMetrics(SelfTelemetry t, String exporter) {
    this.telemetry = t;
    this.exporter = exporter;
    quarantinedSegments = t.counter("traceyard_exporter_queue_quarantined_segments",
        "Damaged persistent queue segments moved to quarantine/.", "exporter").labelValues(exporter);
    quarantinedBytes = t.counter("traceyard_exporter_queue_quarantined_bytes",
        "Bytes of persistent queue segments that could not be read and were skipped.", "exporter").labelValues(exporter);
    truncatedBytes = t.counter("traceyard_exporter_queue_truncated_bytes",
        "Bytes of incomplete records (writes cut short by a crash) cut from segment ends at start.", "exporter")
        .labelValues(exporter);
    recoveredBatches = t.counter("traceyard_exporter_queue_recovered_batches",
        "Batches found in the persistent queue at start, to be delivered again.", "exporter").labelValues(exporter);
    quotaRefusals = t.counter("traceyard_exporter_queue_quota_refused_batches",
        "Batches refused because the persistent queue reached its disk quota (max_size_mib).", "exporter")
        .labelValues(exporter);
  }

  void disk(DoubleSupplier bytes, DoubleSupplier quota) {
    String[] labels = {"exporter"};
    String[] values = {exporter};
    telemetry.gaugeCallback("traceyard_exporter_queue_disk_bytes", "Bytes of persistent queue segments on disk.",
        labels, values, bytes);
    telemetry.gaugeCallback("traceyard_exporter_queue_disk_quota_bytes", "Disk quota of the persistent queue.",
        labels, values, quota);
  }
}
