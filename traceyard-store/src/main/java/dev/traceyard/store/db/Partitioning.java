package dev.traceyard.store.db;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Data is partitioned by UTC hour: one DuckDB database file per hour ({@code 2026-11-24T10.duckdb}),
 * attached to one DuckDB instance under the alias {@code p2026112410}. Retention deletes whole files.
 */
public final class Partitioning {
  /** The length of one partition. */
  public static final Duration PARTITION = Duration.ofHours(1);
  static final long PARTITION_NANOS = PARTITION.toNanos();
  /** Timestamps this far ahead of the clock still go to their own (future) partition. */
  static final long MAX_FUTURE_NANOS = Duration.ofHours(1).toNanos();

  private static final DateTimeFormatter FILE = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH");
  private static final DateTimeFormatter ALIAS = DateTimeFormatter.ofPattern("yyyyMMddHH");
  private static final Pattern FILE_NAME = Pattern.compile("(\\d{4})-(\\d{2})-(\\d{2})T(\\d{2})\\.duckdb");

  private Partitioning() {}

  /** The partition number (hours since the epoch) holding {@code epochNanos}. */
  public static long hourOf(long epochNanos) {
    return Math.floorDiv(epochNanos, PARTITION_NANOS);
  }

  public static long startNanos(long hour) {
    return hour * PARTITION_NANOS;
  }

  public static long endNanos(long hour) {
    return (hour + 1) * PARTITION_NANOS;
  }

  static String fileName(long hour) {
    return LocalDateTime.ofEpochSecond(hour * 3600, 0, ZoneOffset.UTC).format(FILE) + ".duckdb";
  }

  static String alias(long hour) {
    return "p" + LocalDateTime.ofEpochSecond(hour * 3600, 0, ZoneOffset.UTC).format(ALIAS);
  }

  /** The partition number of a partition file name, or -1 for any other file. */
  static long parseFileName(String name) {
    Matcher m = FILE_NAME.matcher(name);
    if (!m.matches()) {
      return -1;
    }
    try {
      LocalDateTime t = LocalDateTime.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
          Integer.parseInt(m.group(3)), Integer.parseInt(m.group(4)), 0);
      return t.toEpochSecond(ZoneOffset.UTC) / 3600;
    } catch (RuntimeException e) {
      return -1;
    }
  }

  static long nanos(Instant t) {
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }
}
