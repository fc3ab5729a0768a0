package dev.traceyard.store.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class PartitioningTest {
  @Test
  void fileNameAndAlias_nameTheUtcHour_andParseBack() {
    long nanos = Instant.parse("2026-11-24T10:59:59.999Z").getEpochSecond() * 1_000_000_000L + 999_000_000L;
    long hour = Partitioning.hourOf(nanos);

    assertThat(Partitioning.fileName(hour)).isEqualTo("2026-11-24T10.duckdb");
    assertThat(Partitioning.alias(hour)).isEqualTo("p2026112410");
    assertThat(Partitioning.parseFileName("2026-11-24T10.duckdb")).isEqualTo(hour);
    assertThat(Partitioning.startNanos(hour)).isEqualTo(Instant.parse("2026-11-24T10:00:00Z").getEpochSecond() * 1_000_000_000L);
  }

  @Test
  void otherFiles_areNotPartitions() {
    assertThat(Partitioning.parseFileName("2026-11-24T10.duckdb.wal")).isEqualTo(-1);
    assertThat(Partitioning.parseFileName("2026-11-24T10.duckdb.compacting")).isEqualTo(-1);
    assertThat(Partitioning.parseFileName("notes.txt")).isEqualTo(-1);
    assertThat(Partitioning.parseFileName("2026-13-40T99.duckdb")).isEqualTo(-1);
  }
}
