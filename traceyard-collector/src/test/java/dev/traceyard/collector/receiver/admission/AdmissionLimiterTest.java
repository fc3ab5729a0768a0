package dev.traceyard.collector.receiver.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AdmissionLimiterTest {

  @Test
  void refusesBytesBeyondTheLimitAndAdmitsThemOnceReleased() {
    AdmissionLimiter limiter = new AdmissionLimiter(100);
    AdmissionLimiter.Ticket a = limiter.open();
    AdmissionLimiter.Ticket b = limiter.open();
    assertThat(a.acquire(60)).isTrue();
    assertThat(b.acquire(50)).isFalse();
    assertThat(b.held()).isZero();
    assertThat(limiter.inFlightBytes()).isEqualTo(60);
    assertThat(b.acquire(40)).isTrue();
    assertThat(limiter.inFlightBytes()).isEqualTo(100);
    a.close();
    assertThat(limiter.inFlightBytes()).isEqualTo(40);
    assertThat(b.acquire(50)).isTrue();
    b.close();
    assertThat(limiter.inFlightBytes()).isZero();
  }

  @Test
  void admitsARequestLargerThanTheLimitOnlyWhileItIsAlone() {
    AdmissionLimiter limiter = new AdmissionLimiter(100);
    AdmissionLimiter.Ticket other = limiter.open();
    AdmissionLimiter.Ticket big = limiter.open();
    assertThat(other.acquire(1)).isTrue();
    assertThat(big.acquire(150)).as("not alone").isFalse();
    other.close();
    assertThat(big.acquire(80)).isTrue();
    assertThat(big.acquire(70)).as("its own earlier chunks do not count against it").isTrue();
    AdmissionLimiter.Ticket late = limiter.open();
    assertThat(late.acquire(1)).isFalse();
    big.close();
    assertThat(limiter.inFlightBytes()).isZero();
  }

  @Test
  void closeIsIdempotentAndAClosedTicketTakesNothing() {
    AdmissionLimiter limiter = new AdmissionLimiter(100);
    AdmissionLimiter.Ticket t = limiter.open();
    assertThat(t.acquire(30)).isTrue();
    t.close();
    t.close();
    assertThat(t.acquire(1)).isFalse();
    assertThat(limiter.inFlightBytes()).isZero();
  }

  @Test
  void manyThreadsNeverPassTheLimit() throws Exception {
    AdmissionLimiter limiter = new AdmissionLimiter(1000);
    long[] maxSeen = new long[1];
    Thread[] threads = new Thread[4];
    for (int i = 0; i < threads.length; i++) {
      threads[i] = new Thread(() -> {
        for (int j = 0; j < 20_000; j++) {
          AdmissionLimiter.Ticket t = limiter.open();
          t.acquire(300);
          long now = limiter.inFlightBytes();
          synchronized (maxSeen) {
            maxSeen[0] = Math.max(maxSeen[0], now);
          }
          t.close();
        }
      });
      threads[i].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    assertThat(maxSeen[0]).isLessThanOrEqualTo(1000);
    assertThat(limiter.inFlightBytes()).isZero();
  }

  @Test
  void rejectsANonPositiveLimit() {
    assertThatThrownBy(() -> new AdmissionLimiter(0)).isInstanceOf(IllegalArgumentException.class);
  }
}
