package dev.traceyard.sdk;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Samples at most {@code spansPerSecond} root spans per second: a token bucket holding one second's
 * worth of tokens, so a quiet service may burst up to the rate and a loaded one settles at it.
 *
 * <p>Lock-free: the whole bucket is one {@link AtomicLong} holding the instant at which it was last
 * "empty up to now". Taking a token is a compare-and-set that moves that instant forward by one token's
 * worth of nanoseconds; a refusal is a plain read, so the over-loaded case (most decisions refused)
 * writes nothing and keeps the cache line shared between cores. Time comes from a millisecond tick, not a
 * clock read per decision, so a decision costs a few nanoseconds even where reading the clock is slow.
 *
 * <p>Meant as the root sampler under {@link Sampler#parentBased(Sampler)} (what
 * {@code OTEL_TRACES_SAMPLER=parentbased_traceyard_ratelimiting} gives), so a decision is taken once per
 * trace at its edge and followed downstream.
 */
public final class RateLimitingSampler implements Sampler {

  private final double spansPerSecond;
  private final long nanosPerToken;
  private final long capacityNanos;
  private final LongSupplier nanoClock;
  /** Bucket state: tokens available at time t are {@code min(capacity, (t - emptyAt) / nanosPerToken)}. */
  private final AtomicLong emptyAt;

  private RateLimitingSampler(double spansPerSecond, LongSupplier nanoClock) {
    if (!(spansPerSecond > 0) || Double.isInfinite(spansPerSecond)) {
      throw new IllegalArgumentException(
          "spansPerSecond must be a positive finite number, was " + spansPerSecond);
    }
    this.spansPerSecond = spansPerSecond;
    this.nanosPerToken = Math.max(1L, Math.round(1_000_000_000d / spansPerSecond));
    // one second of burst, and never less than one token so rates below 1/s still sample
    this.capacityNanos = Math.max(nanosPerToken, 1_000_000_000L);
    this.nanoClock = nanoClock;
    // Start with one token, not a full bucket: the first trace of a new process is sampled, and a
    // restart loop cannot burst a second's worth of traces each time it comes up.
    this.emptyAt = new AtomicLong(nanoClock.getAsLong() - nanosPerToken);
  }

  /**
   * A sampler letting through at most {@code spansPerSecond} spans per second. It reads time from a clock
   * ticked every millisecond by a shared daemon thread, not from {@code System.nanoTime()} per decision:
   * see {@link TickingClock}.
   */
  public static RateLimitingSampler create(double spansPerSecond) {
    return new RateLimitingSampler(spansPerSecond, TickingClock.instance());
  }

  /** Same, on an injected monotonic nanosecond clock (tests, simulations). */
  static RateLimitingSampler create(double spansPerSecond, LongSupplier nanoClock) {
    return new RateLimitingSampler(spansPerSecond, nanoClock);
  }

  /** The {@code parentbased_traceyard_ratelimiting} sampler: this one for roots, the parent's decision below. */
  public static Sampler parentBased(double spansPerSecond) {
    return Sampler.parentBased(create(spansPerSecond));
  }

  public double spansPerSecond() {
    return spansPerSecond;
  }

  @Override
  public SamplingResult shouldSample(
      Context parentContext,
      String traceId,
      String name,
      SpanKind spanKind,
      Attributes attributes,
      List<LinkData> parentLinks) {
    return tryAcquire() ? SamplingResult.recordAndSample() : SamplingResult.drop();
  }

  boolean tryAcquire() {
    long now = nanoClock.getAsLong();
    while (true) {
      long current = emptyAt.get();
      // a bucket idle for longer than its capacity holds only its capacity
      long base = Math.max(current, now - capacityNanos);
      long next = base + nanosPerToken;
      if (next > now) {
        return false;
      }
      if (emptyAt.compareAndSet(current, next)) {
        return true;
      }
    }
  }

  @Override
  public String getDescription() {
    return String.format(Locale.ROOT, "TraceyardRateLimitingSampler{spansPerSecond=%s}", spansPerSecond);
  }

  @Override
  public String toString() {
    return getDescription();
  }
}
