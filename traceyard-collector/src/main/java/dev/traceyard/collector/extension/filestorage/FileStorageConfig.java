package dev.traceyard.collector.extension.filestorage;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the {@code file_storage} extension.
 *
 * @param directory where each exporter's queue gets its own sub-directory
 * @param createDirectory whether a missing {@code directory} is created at start (otelcol's {@code create_directory})
 * @param fsync when appended batches are forced to the device
 * @param fsyncInterval how often {@link Fsync#INTERVAL} forces (also when acknowledgements are forced)
 * @param maxSizeBytes disk quota per queue: segment bytes on disk, acknowledged records included until their segment goes
 * @param segmentSizeBytes a segment is sealed once it would grow past this; reclaimed once all its records are done
 */
public record FileStorageConfig(Path directory, boolean createDirectory, Fsync fsync, Duration fsyncInterval,
    long maxSizeBytes, long segmentSizeBytes) {

  /** When appended records reach the device; see docs/reliability.md for what each can lose. */
  public enum Fsync {
    /** Before the batch is acknowledged upstream: survives power loss, costs one device flush per batch (grouped). */
    ALWAYS,
    /** Every {@code fsync_interval}: a power loss loses at most that window; a process crash loses nothing. */
    INTERVAL,
    /** Left to the OS: a process crash loses nothing, a power loss or kernel crash may lose recent batches. */
    NEVER
  }

  public static final long MIB = 1024L * 1024L;
  public static final Duration DEFAULT_FSYNC_INTERVAL = Duration.ofSeconds(1);
  public static final long DEFAULT_MAX_SIZE_BYTES = 1024 * MIB;
  public static final long DEFAULT_SEGMENT_SIZE_BYTES = 8 * MIB;
  /** Small enough for tests and tiny quotas; a segment still holds at least one record, whatever its size. */
  static final long MIN_SEGMENT_SIZE_BYTES = 4096;

  public FileStorageConfig {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(fsync, "fsync");
    Objects.requireNonNull(fsyncInterval, "fsyncInterval");
    if (fsync == Fsync.INTERVAL && (fsyncInterval.isNegative() || fsyncInterval.isZero())) {
      throw new IllegalArgumentException("fsync_interval must be positive");
    }
    if (segmentSizeBytes < MIN_SEGMENT_SIZE_BYTES) {
      throw new IllegalArgumentException("segment size must be at least " + MIN_SEGMENT_SIZE_BYTES + " bytes");
    }
    if (maxSizeBytes < segmentSizeBytes) {
      throw new IllegalArgumentException("max_size_mib must be at least segment_size_mib");
    }
  }

  public static FileStorageConfig of(Path directory) {
    return new FileStorageConfig(directory, false, Fsync.INTERVAL, DEFAULT_FSYNC_INTERVAL, DEFAULT_MAX_SIZE_BYTES,
        DEFAULT_SEGMENT_SIZE_BYTES);
  }

  public FileStorageConfig withFsync(Fsync f, Duration interval) {
    return new FileStorageConfig(directory, createDirectory, f, interval, maxSizeBytes, segmentSizeBytes);
  }

  public FileStorageConfig withSizes(long maxSize, long segmentSize) {
    return new FileStorageConfig(directory, createDirectory, fsync, fsyncInterval, maxSize, segmentSize);
  }
}
