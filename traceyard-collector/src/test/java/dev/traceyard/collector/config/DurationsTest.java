package dev.traceyard.collector.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {
  @Test
  void parsesGoStyleDurations() {
    assertThat(Durations.parse("200ms")).isEqualTo(Duration.ofMillis(200));
    assertThat(Durations.parse("1m30s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(Durations.parse("72h")).isEqualTo(Duration.ofHours(72));
    assertThat(Durations.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
    assertThat(Durations.parse("0")).isEqualTo(Duration.ZERO);
    assertThat(Durations.parse("10us")).isEqualTo(Duration.ofNanos(10_000));
  }

  @Test
  void rejectsDurationsWithoutUnit() {
    assertThatThrownBy(() -> Durations.parse("5")).hasMessageContaining("invalid duration '5'");
    assertThatThrownBy(() -> Durations.parse("5 s")).hasMessageContaining("invalid duration");
    assertThatThrownBy(() -> Durations.parse("fast")).hasMessageContaining("invalid duration");
  }
}
