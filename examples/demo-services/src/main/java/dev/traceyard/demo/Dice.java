package dev.traceyard.demo;

import java.util.SplittableRandom;

/** Latency, failures and slow requests of the demo: realistic spread, a small share of each. */
final class Dice {

  private final SplittableRandom random;
  private final double errorRate;
  private final double slowRate;

  Dice(long seed, double errorRate, double slowRate) {
    this.random = new SplittableRandom(seed);
    this.errorRate = errorRate;
    this.slowRate = slowRate;
  }

  synchronized boolean fails() {
    return random.nextDouble() < errorRate;
  }

  synchronized boolean slow() {
    return random.nextDouble() < slowRate;
  }

  /** A latency between {@code minMillis} and {@code maxMillis}, skewed towards the low end like real ones. */
  synchronized long millis(long minMillis, long maxMillis) {
    double u = random.nextDouble();
    return minMillis + (long) ((maxMillis - minMillis) * u * u);
  }

  synchronized int nextInt(int bound) {
    return random.nextInt(bound);
  }

  /** Sleeps {@code millis}; keeps the interrupt for the caller's loop. */
  static void work(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
