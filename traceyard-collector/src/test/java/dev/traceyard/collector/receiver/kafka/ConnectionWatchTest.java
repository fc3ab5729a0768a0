package dev.traceyard.collector.receiver.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.traceyard.collector.receiver.kafka.ConnectionWatch.Verdict;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ConnectionWatchTest {
  private static final long S = 1_000_000_000L;
  /** An arbitrary nanoTime origin, negative like System.nanoTime() may be. */
  private static final long T0 = -5 * S;

  @Test
  void reportsOncePerThresholdWithoutAnAnswerAndTheRecoveryOnce() {
    ConnectionWatch w = new ConnectionWatch(Duration.ofSeconds(2), T0);
    assertThat(w.check(0, 0, T0 + S)).isEqualTo(Verdict.FINE);
    assertThat(w.check(0, 0, T0 + 2 * S)).isEqualTo(Verdict.FAILING);
    assertThat(w.silentFor(T0 + 2 * S)).isEqualTo(Duration.ofSeconds(2));
    assertThat(w.check(0, 0, T0 + 3 * S)).as("same interval").isEqualTo(Verdict.FINE);
    assertThat(w.check(0, 0, T0 + 4 * S)).as("next interval").isEqualTo(Verdict.FAILING);
    assertThat(w.check(1, 0, T0 + 5 * S)).isEqualTo(Verdict.RECOVERED);
    assertThat(w.check(2, 1, T0 + 6 * S)).as("recovery is reported once").isEqualTo(Verdict.FINE);
    assertThat(w.check(2, 1, T0 + 7 * S)).isEqualTo(Verdict.FINE);
  }

  @Test
  void answersArrivingMoreOftenThanTheThresholdNeverReport() {
    ConnectionWatch w = new ConnectionWatch(Duration.ofSeconds(2), T0);
    for (int i = 1; i <= 20; i++) {
      assertThat(w.check(i, 1, T0 + i * (S + S / 2))).as("check %s", i).isEqualTo(Verdict.FINE);
    }
  }

  @Test
  void anOpenConnectionWaitingForAnAnswerDoesNotStartAnOutageButDoesNotEndOne() {
    ConnectionWatch w = new ConnectionWatch(Duration.ofSeconds(2), T0);
    // A join waiting for the group's other members: connected, no answer for long.
    assertThat(w.check(0, 1, T0 + 3 * S)).isEqualTo(Verdict.FINE);
    assertThat(w.check(0, 1, T0 + 6 * S)).isEqualTo(Verdict.FINE);
    assertThat(w.check(0, 0, T0 + 7 * S)).as("connection gone").isEqualTo(Verdict.FAILING);
    // A listener that answers the first request and then closes: briefly open, still failing.
    assertThat(w.check(0, 1, T0 + 9 * S)).isEqualTo(Verdict.FAILING);
  }

  @Test
  void aConnectionThatStaysOpenWithoutAnyAnswerIsAnOutageAfterTheGracePeriod() {
    ConnectionWatch w = new ConnectionWatch(Duration.ofSeconds(2), T0);
    long grace = ConnectionWatch.OPEN_GRACE * 2 * S;
    assertThat(w.check(0, 1, T0 + grace - 1)).isEqualTo(Verdict.FINE);
    assertThat(w.check(0, 1, T0 + grace)).isEqualTo(Verdict.FAILING);
    assertThat(w.silentFor(T0 + grace)).isEqualTo(Duration.ofNanos(grace));
  }

  @Test
  void remembersAnAuthenticationFailureUntilTheNextAnswer() {
    ConnectionWatch w = new ConnectionWatch(Duration.ofSeconds(1), T0);
    w.authenticationFailed();
    assertThat(w.check(0, 0, T0 + 2 * S)).isEqualTo(Verdict.FAILING);
    assertThat(w.authenticationFailedSinceLastAnswer()).isTrue();
    assertThat(w.check(1, 0, T0 + 3 * S)).isEqualTo(Verdict.RECOVERED);
    assertThat(w.authenticationFailedSinceLastAnswer()).isFalse();
  }

  @Test
  void silenceBeforeAResumeIsNoOutageButAnOutageAlreadyReportedEndsOnlyWithAnAnswer() {
    ConnectionWatch w = new ConnectionWatch(Duration.ofSeconds(2), T0);
    // An idle reader asks nothing for 10 s, then starts reading: the idle time is not silence.
    w.resume(T0 + 10 * S);
    assertThat(w.check(0, 0, T0 + 11 * S)).isEqualTo(Verdict.FINE);
    assertThat(w.silentFor(T0 + 11 * S)).isEqualTo(Duration.ofSeconds(1));
    assertThat(w.check(0, 0, T0 + 12 * S)).as("no answer for a threshold of reading").isEqualTo(Verdict.FAILING);
    // The read gives up; the next one starts much later and is answered: the recovery is reported.
    w.resume(T0 + 60 * S);
    assertThat(w.check(0, 0, T0 + 61 * S)).isEqualTo(Verdict.FINE);
    assertThat(w.check(1, 0, T0 + 61 * S + S / 2)).isEqualTo(Verdict.RECOVERED);
    assertThat(w.check(1, 0, T0 + 62 * S)).isEqualTo(Verdict.FINE);
  }

  @Test
  void refusesANonPositiveThreshold() {
    assertThatThrownBy(() -> new ConnectionWatch(Duration.ZERO, 0)).isInstanceOf(IllegalArgumentException.class);
  }
}
