package dev.traceyard.collector.exporter.file;

import static org.assertj.core.api.Assertions.assertThat;

import dev.traceyard.collector.exporter.ExporterTesting;
import dev.traceyard.collector.exporter.ExporterTesting.Parsed;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class FileExporterConfigTest {

  private static Parsed<FileExporterConfig> parse(String yaml) {
    return ExporterTesting.parse(new FileExporterFactory(), "file", yaml);
  }

  @Test
  void pathOnly_givesOtelcolDefaultsWithoutRotation() {
    Parsed<FileExporterConfig> p = parse("path: ./out/traces.json");
    assertThat(p.errors()).isEmpty();
    assertThat(p.config()).isEqualTo(new FileExporterConfig(Path.of("./out/traces.json"), false, null,
        Duration.ofSeconds(1), false));
  }

  @Test
  void emptyRotationBlock_turnsRotationOnWithDefaults() {
    Parsed<FileExporterConfig> p = parse("path: t.json\nrotation:");
    assertThat(p.errors()).isEmpty();
    assertThat(p.config().rotation()).isEqualTo(new FileExporterConfig.Rotation(100L * 1024 * 1024, 0, 100, false));
  }

  @Test
  void everyKey_isRead() {
    Parsed<FileExporterConfig> p = parse(String.join("\n",
        "path: /var/otel/t.bin",
        "format: proto",
        "rotation:",
        "  max_megabytes: 10",
        "  max_days: 3",
        "  max_backups: 4",
        "  localtime: true",
        "flush_interval: 200ms",
        "append: false",
        "compression: ''"));
    assertThat(p.errors()).isEmpty();
    assertThat(p.config()).isEqualTo(new FileExporterConfig(Path.of("/var/otel/t.bin"), true,
        new FileExporterConfig.Rotation(10L * 1024 * 1024, 3, 4, true), Duration.ofMillis(200), false));
  }

  @Test
  void missingPath_isRequired() {
    assertThat(parse("format: json").errors()).containsExactly("exporters.file.path: is required");
  }

  @Test
  void badValues_areReportedWithTheirPaths() {
    Parsed<FileExporterConfig> p = parse(String.join("\n",
        "path: ''",
        "format: xml",
        "rotation:",
        "  max_megabytes: 0",
        "  max_backups: -1",
        "flush_interval: 0s",
        "append: true",
        "compression: zstd"));
    assertThat(p.errors()).containsExactly(
        "exporters.file.path: must not be empty",
        "exporters.file.format: unknown value 'xml' (expected one of: json, proto)",
        "exporters.file.rotation.max_megabytes: must be between 1 and 2147483647, got 0",
        "exporters.file.rotation.max_backups: must be between 0 and 2147483647, got -1",
        "exporters.file.flush_interval: must be larger than zero, got 0s",
        "exporters.file.append: append and rotation enabled at the same time is not supported",
        "exporters.file.compression: 'zstd' is not supported yet; leave compression unset");
  }
}
