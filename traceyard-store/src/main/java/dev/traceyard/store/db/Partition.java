package dev.traceyard.store.db;

import java.nio.file.Path;

/** One attached hourly partition database. */
public record Partition(long hour, String alias, Path file) {

  public long startNanos() {
    return Partitioning.startNanos(hour);
  }

  public long endNanos() {
    return Partitioning.endNanos(hour);
  }

  /** True when the partition's hour overlaps {@code [fromNanos, toNanos]}. */
  public boolean overlaps(long fromNanos, long toNanos) {
    return startNanos() <= toNanos && endNanos() > fromNanos;
  }
}
