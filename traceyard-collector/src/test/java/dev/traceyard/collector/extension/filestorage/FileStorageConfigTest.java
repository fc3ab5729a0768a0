package dev.traceyard.collector.extension.filestorage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.ComponentKind;
import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.config.ConfigErrors;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.exporter.ExporterTesting;
import dev.traceyard.collector.extension.filestorage.FileStorageConfig.Fsync;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileStorageConfigTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final String P = "extensions.file_storage.";

  @TempDir
  Path dir;

  private final ConfigErrors errors = new ConfigErrors();

  private FileStorageConfig parse(String yaml) throws Exception {
    ConfigNode node = ConfigNode.of(YAML.readTree(yaml), "extensions.file_storage", errors);
    FileStorageConfig c = new FileStorageExtensionFactory().parseConfig(node);
    node.reportUnknownKeys();
    return c;
  }

  @Test
  void directoryAloneGivesTheDefaults() throws Exception {
    FileStorageConfig c = parse("directory: " + dir);
    assertThat(errors.list()).isEmpty();
    assertThat(c).isEqualTo(new FileStorageConfig(dir, false, Fsync.INTERVAL, Duration.ofSeconds(1),
        1024 * FileStorageConfig.MIB, 8 * FileStorageConfig.MIB));
  }

  @Test
  void everyKeyIsRead_includingOtelcolOnesThatDoNotApply() throws Exception {
    FileStorageConfig c = parse("directory: " + dir + "\nfsync: always\nfsync_interval: 250ms\nmax_size_mib: 0.5\n"
        + "segment_size_mib: 0.125\ntimeout: 1s\ncompaction:\n  on_start: true\n  directory: /tmp\n");
    assertThat(errors.list()).isEmpty();
    assertThat(c).isEqualTo(new FileStorageConfig(dir, false, Fsync.ALWAYS, Duration.ofMillis(250), 512 * 1024,
        128 * 1024));
  }

  @Test
  void otelcolBooleanFsyncMapsToAlwaysOrNever() throws Exception {
    assertThat(parse("directory: " + dir + "\nfsync: true").fsync()).isEqualTo(Fsync.ALWAYS);
    assertThat(parse("directory: " + dir + "\nfsync: false").fsync()).isEqualTo(Fsync.NEVER);
    assertThat(parse("directory: " + dir + "\nfsync: never").fsync()).isEqualTo(Fsync.NEVER);
    assertThat(errors.list()).isEmpty();
  }

  @Test
  void missingDirectoryIsRequired() throws Exception {
    assertThat(parse("fsync: always")).isNull();
    assertThat(errors.list()).containsExactly(P + "directory: is required");
  }

  @Test
  void directoryThatDoesNotExistIsAnErrorNamingIt() throws Exception {
    Path missing = dir.resolve("nope");
    parse("directory: " + missing);
    assertThat(errors.list()).containsExactly(
        P + "directory: directory '" + missing + "' does not exist (create it, or set create_directory: true)");
  }

  @Test
  void createDirectoryAcceptsAMissingDirectory() throws Exception {
    Path missing = dir.resolve("a/b");
    FileStorageConfig c = parse("directory: " + missing + "\ncreate_directory: true");
    assertThat(errors.list()).isEmpty();
    assertThat(c.createDirectory()).isTrue();
  }

  @Test
  void aFileInsteadOfADirectoryIsAnError() throws Exception {
    Path file = Files.createFile(dir.resolve("file"));
    parse("directory: " + file + "\ncreate_directory: true");
    assertThat(errors.list()).containsExactly(P + "directory: '" + file + "' is not a directory");
  }

  @Test
  void badValuesAreErrorsNamingTheirPath() throws Exception {
    parse("directory: " + dir + "\nfsync: sometimes\nfsync_interval: 0s\nmax_size_mib: -1\nsegment_size_mib: 0.001\n"
        + "directory_permissions: 0700\n");
    assertThat(errors.list()).containsExactly(
        P + "fsync: unknown value 'sometimes' (expected one of: always, interval, never)",
        P + "fsync_interval: must be positive, got 0s",
        P + "max_size_mib: must be a positive number of MiB (at most 1048576), got -1.0",
        P + "segment_size_mib: must be at least 4096 bytes (0.00390625 MiB)",
        P + "directory_permissions: unknown key 'directory_permissions' (known keys: compaction, create_directory, "
            + "directory, fsync, fsync_interval, max_size_mib, segment_size_mib, timeout)");
  }

  @Test
  void quotaSmallerThanASegmentIsAnError() throws Exception {
    parse("directory: " + dir + "\nmax_size_mib: 1\nsegment_size_mib: 2\n");
    assertThat(errors.list()).containsExactly(P + "max_size_mib: must be at least segment_size_mib (2.0), got 1.0");
  }

  @Test
  void startFailsNamingTheDirectoryWhenItWentAwayAfterValidation() throws Exception {
    Path gone = dir.resolve("gone");
    Files.createDirectory(gone);
    FileStorageConfig c = parse("directory: " + gone);
    Files.delete(gone);
    FileStorageExtension ext = new FileStorageExtension(
        new ComponentSettings(ComponentId.of("file_storage"), ComponentKind.EXTENSION, SelfTelemetry.forTesting()), c);
    assertThatThrownBy(() -> ext.start(ExporterTesting.NO_EXTENSIONS))
        .hasMessage("extensions.file_storage.directory: directory '" + gone
            + "' does not exist (create it, or set create_directory: true)");
  }

  @Test
  void directoryNamesOfExportersAreDistinctAndSafe() {
    assertThat(FileStorageExtension.directoryName(ComponentId.parse("otlp"))).isEqualTo("exporter_otlp");
    assertThat(FileStorageExtension.directoryName(ComponentId.parse("otlp/backup-1"))).isEqualTo("exporter_otlp_backup-1");
    assertThat(FileStorageExtension.directoryName(ComponentId.parse("otlp/a:b"))).isEqualTo("exporter_otlp_a~3ab");
    assertThat(FileStorageExtension.directoryName(ComponentId.parse("otlp/..")))
        .isEqualTo("exporter_otlp_..");
  }
}
