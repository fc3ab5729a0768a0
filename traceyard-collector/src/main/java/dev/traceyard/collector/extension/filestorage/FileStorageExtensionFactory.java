package dev.traceyard.collector.extension.filestorage;

import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Extension;
import dev.traceyard.collector.component.ExtensionFactory;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.config.Durations;
import dev.traceyard.collector.extension.filestorage.FileStorageConfig.Fsync;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The {@code file_storage} extension: a directory holding persistent sending queues, named by
 * exporters in {@code sending_queue.storage}.
 *
 * <pre>
 * extensions:
 *   file_storage:
 *     directory: /var/lib/traceyard/queue   # required; must exist and be writable (or create_directory: true)
 *     create_directory: false
 *     fsync: interval                       # always | interval | never (true = always, false = never, as in otelcol)
 *     fsync_interval: 1s
 *     max_size_mib: 1024                    # disk quota per exporter queue; over it the exporter refuses (retryable)
 *     segment_size_mib: 8
 * </pre>
 *
 * otelcol's {@code timeout} and {@code compaction} settings are accepted so its configs load, and
 * ignored: there is no database to lock or compact; a segment file is deleted as soon as every
 * record in it has been delivered or given up on.
 */
public final class FileStorageExtensionFactory implements ExtensionFactory<FileStorageConfig> {

  @Override
  public String type() {
    return "file_storage";
  }

  @Override
  public FileStorageConfig parseConfig(ConfigNode node) {
    boolean create = node.bool("create_directory", false);
    Path directory = directory(node, create);
    Fsync fsync = fsync(node);
    Duration interval = node.duration("fsync_interval", FileStorageConfig.DEFAULT_FSYNC_INTERVAL);
    if (interval == null || interval.isNegative() || interval.isZero()) {
      node.error("fsync_interval", "must be positive, got " + (interval == null ? "nothing" : Durations.format(interval)));
      interval = FileStorageConfig.DEFAULT_FSYNC_INTERVAL;
    }
    long maxSize = mebibytes(node, "max_size_mib", FileStorageConfig.DEFAULT_MAX_SIZE_BYTES);
    long segmentSize = mebibytes(node, "segment_size_mib", Math.min(FileStorageConfig.DEFAULT_SEGMENT_SIZE_BYTES, maxSize));
    if (segmentSize < FileStorageConfig.MIN_SEGMENT_SIZE_BYTES) {
      node.error("segment_size_mib", "must be at least " + FileStorageConfig.MIN_SEGMENT_SIZE_BYTES + " bytes ("
          + (double) FileStorageConfig.MIN_SEGMENT_SIZE_BYTES / FileStorageConfig.MIB + " MiB)");
      segmentSize = FileStorageConfig.MIN_SEGMENT_SIZE_BYTES;
    }
    if (maxSize < segmentSize) {
      node.error("max_size_mib", "must be at least segment_size_mib (" + (double) segmentSize / FileStorageConfig.MIB
          + "), got " + (double) maxSize / FileStorageConfig.MIB);
      maxSize = segmentSize;
    }
    // Accepted for otelcol configs; see the class comment.
    node.ignore("timeout");
    node.ignore("compaction");
    if (directory == null) {
      return null;
    }
    return new FileStorageConfig(directory, create, fsync, interval, maxSize, segmentSize);
  }

  private static Path directory(ConfigNode node, boolean create) {
    String text = node.requiredString("directory");
    if (text == null) {
      return null;
    }
    Path dir;
    try {
      dir = Path.of(text.trim()).toAbsolutePath();
    } catch (InvalidPathException e) {
      node.error("directory", "invalid path '" + text + "': " + e.getReason());
      return null;
    }
    String problem = problemWith(dir, create);
    if (problem != null) {
      node.error("directory", problem);
      return null;
    }
    return dir;
  }

  /** Why the directory cannot hold queues, or null; checked again at start, since it may change in between. */
  static String problemWith(Path dir, boolean create) {
    if (Files.isDirectory(dir)) {
      if (!Files.isWritable(dir)) {
        return "directory '" + dir + "' is not writable by this process";
      }
      return null;
    }
    if (Files.exists(dir)) {
      return "'" + dir + "' is not a directory";
    }
    if (!create) {
      return "directory '" + dir + "' does not exist (create it, or set create_directory: true)";
    }
    Path parent = dir.getParent();
    while (parent != null && !Files.exists(parent)) {
      parent = parent.getParent();
    }
    if (parent == null || !Files.isDirectory(parent) || !Files.isWritable(parent)) {
      return "directory '" + dir + "' does not exist and cannot be created: '" + parent + "' is not a writable directory";
    }
    return null;
  }

  private static Fsync fsync(ConfigNode node) {
    if (!node.isSet("fsync")) {
      return Fsync.INTERVAL;
    }
    String v = node.string("fsync", "interval");
    switch (v == null ? "" : v.trim()) {
      case "always":
      case "true":
        return Fsync.ALWAYS;
      case "interval":
        return Fsync.INTERVAL;
      case "never":
      case "false":
        return Fsync.NEVER;
      default:
        node.error("fsync", "unknown value '" + v + "' (expected one of: always, interval, never)");
        return Fsync.INTERVAL;
    }
  }

  private static long mebibytes(ConfigNode node, String key, long defaultBytes) {
    double mib = node.doubleValue(key, defaultBytes / (double) FileStorageConfig.MIB);
    if (!(mib > 0) || Double.isInfinite(mib) || mib > 1024 * 1024) {
      node.error(key, "must be a positive number of MiB (at most 1048576), got " + mib);
      return defaultBytes;
    }
    return (long) (mib * FileStorageConfig.MIB);
  }

  @Override
  public Extension create(ComponentSettings settings, FileStorageConfig config) {
    return new FileStorageExtension(settings, config);
  }
}
