package dev.traceyard.server.loadgen;

/**
 * Spreads one worker's spans evenly over time. Send times are computed from the start of the run,
 * not from the previous send, so sleep overshoot and slow requests do not add up to a lower rate.
 */
final class Pacer {
  /** After a stall (GC, slow receiver) catch up at most this much, rather than bursting without limit. */
  static final long MAX_DEBT_NANOS = 2_000_000_000L;

  private final double nanosPerSpan;
  private long startNanos;
  private long scheduledSpans;

  /** @param spansPerSecond 0 for no limit */
  Pacer(double spansPerSecond, long startNanos) {
    this.nanosPerSpan = spansPerSecond > 0 ? 1e9 / spansPerSecond : 0;
    this.startNanos = startNanos;
  }

  boolean unlimited() {
    return nanosPerSpan == 0;
  }

  /** When the next spans may go, given {@code now}; equals {@code now} when unlimited. */
  long due(long now) {
    if (unlimited()) {
      return now;
    }
    long due = startNanos + (long) (scheduledSpans * nanosPerSpan);
    if (now - due > MAX_DEBT_NANOS) {
      startNanos += now - due - MAX_DEBT_NANOS;
      due = now - MAX_DEBT_NANOS;
    }
    return due;
  }

  void consumed(int spans) {
    scheduledSpans += spans;
  }
}
