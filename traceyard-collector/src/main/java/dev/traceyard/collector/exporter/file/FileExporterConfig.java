package dev.traceyard.collector.exporter.file;

import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.config.Durations;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Config of the {@code file} exporter, with otelcol's keys: {@code path} (required), {@code format}
 * (json: one OTLP/JSON export request per line; proto: each request preceded by its length as a
 * 4-byte big-endian integer), {@code rotation}, {@code flush_interval} (1s), {@code append} (false:
 * the file is truncated at start; not allowed together with rotation, as in otelcol).
 *
 * @param rotation null when the {@code rotation} block is absent: one file grows forever
 */
public record FileExporterConfig(Path path, boolean proto, Rotation rotation, Duration flushInterval, boolean append) {

  /**
   * {@code rotation}: {@code max_megabytes} (100), {@code max_days} (0 = keep regardless of age),
   * {@code max_backups} (100; 0 = keep all), {@code localtime} (false: backup names use UTC).
   */
  public record Rotation(long maxBytes, int maxDays, int maxBackups, boolean localTime) {
    static Rotation parse(ConfigNode node) {
      int mb = node.intAtLeast("max_megabytes", 100, 1);
      int days = node.intAtLeast("max_days", 0, 0);
      int backups = node.intAtLeast("max_backups", 100, 0);
      boolean local = node.bool("localtime", false);
      return new Rotation(mb * 1024L * 1024L, days, backups, local);
    }
  }

  static FileExporterConfig parse(ConfigNode node) {
    Path path = null;
    String raw = node.requiredString("path");
    if (raw != null) {
      try {
        path = Path.of(raw);
      } catch (InvalidPathException e) {
        node.error("path", "invalid path '" + raw + "': " + e.getReason());
      }
    }
    boolean proto = "proto".equals(node.oneOf("format", "json", "json", "proto"));
    // The rotation block turns rotation on even when empty ("rotation:" alone uses the defaults).
    Rotation rotation = node.isSet("rotation") ? Rotation.parse(node.child("rotation")) : null;
    Duration flush = node.duration("flush_interval", Duration.ofSeconds(1));
    if (flush.isNegative() || flush.isZero()) {
      node.error("flush_interval", "must be larger than zero, got " + Durations.format(flush));
      flush = Duration.ofSeconds(1);
    }
    boolean append = node.bool("append", false);
    if (append && rotation != null) {
      node.error("append", "append and rotation enabled at the same time is not supported");
    }
    String compression = node.string("compression", "");
    if (compression.equals("zstd")) {
      node.error("compression", "'zstd' is not supported yet; leave compression unset");
    } else if (!compression.isEmpty()) {
      node.error("compression", "unknown value '" + compression + "' (only zstd exists, and it is not supported yet)");
    }
    return new FileExporterConfig(path, proto, rotation, flush, append);
  }
}
