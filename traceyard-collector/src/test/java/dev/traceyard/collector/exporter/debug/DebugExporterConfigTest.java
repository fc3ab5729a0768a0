package dev.traceyard.collector.exporter.debug;

import static org.assertj.core.api.Assertions.assertThat;

import dev.traceyard.collector.exporter.ExporterTesting;
import dev.traceyard.collector.exporter.ExporterTesting.Parsed;
import org.junit.jupiter.api.Test;

class DebugExporterConfigTest {

  private static Parsed<DebugExporterConfig> parse(String yaml) {
    return ExporterTesting.parse(new DebugExporterFactory(), "debug", yaml);
  }

  @Test
  void empty_givesOtelcolDefaults() {
    Parsed<DebugExporterConfig> p = parse("");
    assertThat(p.errors()).isEmpty();
    assertThat(p.config()).isEqualTo(new DebugExporterConfig(DebugExporterConfig.Verbosity.BASIC, 2, 1, true));
  }

  @Test
  void everyKey_isRead() {
    Parsed<DebugExporterConfig> p = parse(String.join("\n",
        "verbosity: detailed",
        "sampling_initial: 5",
        "sampling_thereafter: 200",
        "use_internal_logger: false"));
    assertThat(p.errors()).isEmpty();
    assertThat(p.config()).isEqualTo(new DebugExporterConfig(DebugExporterConfig.Verbosity.DETAILED, 5, 200, false));
  }

  @Test
  void badValues_areReportedWithTheirPaths() {
    Parsed<DebugExporterConfig> p = parse(String.join("\n",
        "verbosity: loud",
        "sampling_initial: -1",
        "sampling_thereafter: many",
        "loglevel: debug"));
    assertThat(p.errors()).containsExactly(
        "exporters.debug.verbosity: unknown value 'loud' (expected one of: basic, normal, detailed)",
        "exporters.debug.sampling_initial: must be between 0 and 2147483647, got -1",
        "exporters.debug.sampling_thereafter: expected an integer, got 'many'",
        "exporters.debug.loglevel: unknown key 'loglevel' (known keys: sampling_initial, sampling_thereafter, use_internal_logger, verbosity)");
  }
}
