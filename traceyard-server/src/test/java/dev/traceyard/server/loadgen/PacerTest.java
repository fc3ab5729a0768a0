package dev.traceyard.server.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PacerTest {
  @Test
  void limited_spacesSpansEvenlyFromTheStart() {
    Pacer pacer = new Pacer(1000, 5_000);

    assertThat(pacer.due(5_000)).isEqualTo(5_000);
    pacer.consumed(10);
    assertThat(pacer.due(5_000)).isEqualTo(5_000 + 10_000_000L);
    pacer.consumed(10);
    assertThat(pacer.due(6_000)).isEqualTo(5_000 + 20_000_000L);
  }

  @Test
  void lateCaller_catchesUpWithoutWaiting() {
    Pacer pacer = new Pacer(1000, 0);
    pacer.consumed(100); // due at 100ms

    assertThat(pacer.due(500_000_000L)).isEqualTo(100_000_000L);
  }

  @Test
  void longStall_forgivesDebtBeyondTheLimit() {
    Pacer pacer = new Pacer(1000, 0);
    pacer.consumed(100); // due at 100ms
    long now = 10_000_000_000L;

    assertThat(pacer.due(now)).isEqualTo(now - Pacer.MAX_DEBT_NANOS);
    pacer.consumed(1000); // one more second of spans
    assertThat(pacer.due(now)).isEqualTo(now - Pacer.MAX_DEBT_NANOS + 1_000_000_000L);
  }

  @Test
  void unlimited_isAlwaysDueNow() {
    Pacer pacer = new Pacer(0, 0);
    pacer.consumed(1_000_000);

    assertThat(pacer.unlimited()).isTrue();
    assertThat(pacer.due(42)).isEqualTo(42);
  }
}
