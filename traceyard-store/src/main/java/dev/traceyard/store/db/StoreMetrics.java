package dev.traceyard.store.db;

import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.telemetry.ExporterMetrics;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.util.function.DoubleSupplier;

/**
 * The store's self-telemetry: written items, write failures and queue refusals per signal through the
 * standard exporter metrics, plus store-specific counters and gauges labelled with the exporter id.
 */
final class StoreMetrics {
  private final SelfTelemetry telemetry;
  private final String exporter;
  private final ExporterMetrics exporterMetrics;
  private final CounterDataPoint writeErrors;
  private final CounterDataPoint droppedPartitions;
  private final CounterDataPoint writeGroups;
  private final CounterDataPoint writeGroupItems;

  StoreMetrics(SelfTelemetry telemetry, ComponentId id) {
    this.telemetry = telemetry;
    this.exporter = id.toString();
    this.exporterMetrics = telemetry.exporter(id);
    this.writeErrors = telemetry.counter("traceyard_store_write_errors",
        "Write groups the store failed to commit (their items are counted in send_failed).", "exporter")
        .labelValues(exporter);
    this.droppedPartitions = telemetry.counter("traceyard_store_retention_dropped_partitions",
        "Partitions deleted by retention.", "exporter").labelValues(exporter);
    // Items per group (items / groups) is how well the writer batches: each group pays a commit and
    // an appender flush per table, so small groups cost more CPU per item.
    this.writeGroups = telemetry.counter("traceyard_store_write_groups",
        "Write groups the store's writer took from its queue (each committed once per partition).", "exporter")
        .labelValues(exporter);
    this.writeGroupItems = telemetry.counter("traceyard_store_write_group_items",
        "Spans, log records and metric points in the write groups taken (divided by write_groups: the mean group size).",
        "exporter").labelValues(exporter);
  }

  /** A write group of {@code items} taken from the queue. */
  void writeGroup(int items) {
    writeGroups.inc();
    writeGroupItems.inc(items);
  }

  ExporterMetrics exporter() {
    return exporterMetrics;
  }

  CounterDataPoint writeErrors() {
    return writeErrors;
  }

  CounterDataPoint droppedPartitions() {
    return droppedPartitions;
  }

  /** Items refused because they cannot be stored (e.g. invalid ids), by reason. */
  void rejected(String reason, long n) {
    if (n > 0) {
      telemetry.counter("traceyard_store_rejected_items",
          "Items the store refused as invalid (e.g. a span without a valid trace id).", "exporter", "reason")
          .labelValues(exporter, reason).inc(n);
    }
  }

  void gauges(DoubleSupplier partitions, DoubleSupplier diskBytes) {
    String[] labels = {"exporter"};
    String[] values = {exporter};
    telemetry.gaugeCallback("traceyard_store_partitions", "Hourly partitions currently stored.", labels, values,
        partitions);
    telemetry.gaugeCallback("traceyard_store_disk_bytes", "Bytes used by the store's partition files.", labels,
        values, diskBytes);
  }
}
