package dev.traceyard.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimitingSamplerTest {

  private static final long SECOND = 1_000_000_000L;
  private static final String TRACE_ID = "0af7651916cd43dd8448eb211c80319c";

  private final AtomicLong clock = new AtomicLong(42 * SECOND);

  private static boolean sampled(Sampler sampler, Context parent) {
    return sampler
            .shouldSample(parent, TRACE_ID, "op", SpanKind.SERVER, Attributes.empty(), List.of())
            .getDecision()
        == SamplingDecision.RECORD_AND_SAMPLE;
  }

  @Test
  void holdsItsRateWithinFivePercentOverTenSecondsOfTenTimesTheLoad() {
    double rate = 200;
    RateLimitingSampler sampler = RateLimitingSampler.create(rate, clock::get);
    long offeredPerSecond = (long) rate * 10;
    long step = SECOND / offeredPerSecond;
    long total = 0;
    long[] perSecond = new long[10];
    for (int second = 0; second < 10; second++) {
      for (long i = 0; i < offeredPerSecond; i++) {
        clock.addAndGet(step);
        if (sampled(sampler, Context.root())) {
          perSecond[second]++;
          total++;
        }
      }
    }
    assertThat((double) total).isCloseTo(rate * 10, org.assertj.core.data.Percentage.withPercentage(5));
    for (long inOneSecond : perSecond) {
      assertThat((double) inOneSecond).isCloseTo(rate, org.assertj.core.data.Percentage.withPercentage(5));
    }
  }

  @Test
  void holdsItsRateUnderJitteredBurstyLoad() {
    // arrivals in clumps: 50 decisions at one instant, then a gap, averaging 10x the rate
    double rate = 50;
    RateLimitingSampler sampler = RateLimitingSampler.create(rate, clock::get);
    java.util.Random random = new java.util.Random(7);
    long end = clock.get() + 10 * SECOND;
    long total = 0;
    while (clock.get() < end) {
      for (int i = 0; i < 50; i++) {
        if (sampled(sampler, Context.root())) {
          total++;
        }
      }
      clock.addAndGet((long) (random.nextDouble() * 2 * SECOND / 10)); // mean 100 ms per clump of 50
    }
    assertThat((double) total).isCloseTo(rate * 10, org.assertj.core.data.Percentage.withPercentage(5));
  }

  @Test
  void burstsAtMostOneSecondOfTokensAfterBeingIdle() {
    RateLimitingSampler sampler = RateLimitingSampler.create(100, clock::get);
    clock.addAndGet(60 * SECOND);
    int sampledAtOnce = 0;
    for (int i = 0; i < 1000; i++) {
      if (sampler.tryAcquire()) {
        sampledAtOnce++;
      }
    }
    assertThat(sampledAtOnce).isEqualTo(100);
  }

  @Test
  void neverHandsOutMoreTokensThanTheBucketHoldsUnderContention() throws Exception {
    RateLimitingSampler sampler = RateLimitingSampler.create(1000, clock::get);
    clock.addAndGet(5 * SECOND); // bucket full: exactly 1000 tokens, and the clock stands still
    int threads = 4;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        Callable<Integer> worker =
            () -> {
              start.await();
              int got = 0;
              for (int i = 0; i < 20_000; i++) {
                if (sampler.tryAcquire()) {
                  got++;
                }
              }
              return got;
            };
        results.add(pool.submit(worker));
      }
      start.countDown();
      int total = 0;
      for (Future<Integer> result : results) {
        total += result.get();
      }
      assertThat(total).isEqualTo(1000);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void samplesRatesBelowOnePerSecond() {
    RateLimitingSampler sampler = RateLimitingSampler.create(0.5, clock::get);
    int total = 0;
    for (int ms = 0; ms < 20_000; ms++) {
      clock.addAndGet(SECOND / 1000);
      if (sampler.tryAcquire()) {
        total++;
      }
    }
    assertThat(total).isBetween(10, 11);
  }

  @Test
  void underParentBasedFollowsTheParentWhateverTheTokens() {
    RateLimitingSampler limiter = RateLimitingSampler.create(1, clock::get);
    Sampler sampler = Sampler.parentBased(limiter);
    assertThat(sampled(sampler, Context.root())).isTrue(); // takes the only token
    assertThat(sampled(sampler, Context.root())).isFalse();
    Context sampledParent =
        Context.root()
            .with(
                Span.wrap(
                    SpanContext.createFromRemoteParent(
                        TRACE_ID, "b7ad6b7169203331", TraceFlags.getSampled(), TraceState.getDefault())));
    Context unsampledParent =
        Context.root()
            .with(
                Span.wrap(
                    SpanContext.createFromRemoteParent(
                        TRACE_ID, "b7ad6b7169203331", TraceFlags.getDefault(), TraceState.getDefault())));
    assertThat(sampled(sampler, sampledParent)).isTrue();
    assertThat(sampled(sampler, unsampledParent)).isFalse();
  }

  @Test
  void refusesRatesThatAreNotPositiveAndFinite() {
    assertThatThrownBy(() -> RateLimitingSampler.create(0)).hasMessageContaining("spansPerSecond");
    assertThatThrownBy(() -> RateLimitingSampler.create(-3)).hasMessageContaining("positive");
    assertThatThrownBy(() -> RateLimitingSampler.create(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RateLimitingSampler.create(Double.POSITIVE_INFINITY))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void productionSamplerSamplesTheFirstTraceOfANewProcessOnTheTickingClock() {
    RateLimitingSampler sampler = RateLimitingSampler.create(1);
    assertThat(sampler.tryAcquire()).isTrue();
  }

  @Test
  void tickingClockMovesForward() {
    long start = TickingClock.instance().getAsLong();
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(10))
        .until(() -> TickingClock.instance().getAsLong() > start);
  }

  @Test
  void describesItselfWithItsRate() {
    assertThat(RateLimitingSampler.create(25).getDescription())
        .isEqualTo("TraceyardRateLimitingSampler{spansPerSecond=25.0}");
  }
}
