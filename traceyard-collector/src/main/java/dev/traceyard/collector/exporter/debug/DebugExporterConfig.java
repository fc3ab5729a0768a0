package dev.traceyard.collector.exporter.debug;

import dev.traceyard.collector.config.ConfigNode;

/**
 * Config of the {@code debug} exporter, with otelcol's keys: {@code verbosity} (basic, normal,
 * detailed), {@code sampling_initial} and {@code sampling_thereafter} (per second: log the first
 * {@code initial} batches, then every {@code thereafter}-th), {@code use_internal_logger} (false
 * writes to standard output instead of the logger).
 */
public record DebugExporterConfig(Verbosity verbosity, int samplingInitial, int samplingThereafter,
    boolean useInternalLogger) {

  public enum Verbosity { BASIC, NORMAL, DETAILED }

  static DebugExporterConfig parse(ConfigNode node) {
    String v = node.oneOf("verbosity", "basic", "basic", "normal", "detailed");
    Verbosity verbosity = v == null ? Verbosity.BASIC : Verbosity.valueOf(v.toUpperCase(java.util.Locale.ROOT));
    int initial = node.intAtLeast("sampling_initial", 2, 0);
    int thereafter = node.intAtLeast("sampling_thereafter", 1, 0);
    boolean internal = node.bool("use_internal_logger", true);
    return new DebugExporterConfig(verbosity, initial, thereafter, internal);
  }
}
