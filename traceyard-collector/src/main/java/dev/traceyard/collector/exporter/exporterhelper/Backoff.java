package dev.traceyard.collector.exporter.exporterhelper;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Jittered exponential backoff for one batch: each interval is drawn uniformly from
 * {@code [i*(1-f), i*(1+f)]}, then {@code i} grows by the multiplier up to {@code max_interval}.
 * Not thread-safe: one instance per batch being retried.
 */
final class Backoff {
  private final RetryConfig config;
  private double currentNanos;

  Backoff(RetryConfig config) {
    this.config = config;
    this.currentNanos = config.initialInterval().toNanos();
  }

  Duration next() {
    double f = config.randomizationFactor();
    double delta = f * currentNanos;
    double low = currentNanos - delta;
    double high = currentNanos + delta;
    double jittered = low + ThreadLocalRandom.current().nextDouble() * (high - low);
    double max = config.maxInterval().toNanos();
    currentNanos = Math.min(currentNanos * config.multiplier(), max);
    return Duration.ofNanos((long) Math.max(0, jittered));
  }
}
