package dev.traceyard.server.loadgen;

import java.util.Locale;

/** Totals of a run; {@link #summaryLine()} is the one line scripts parse. */
record LoadResult(long sentSpans, long failedSpans, long requests, long elapsedNanos) {

  double seconds() {
    return elapsedNanos / 1e9;
  }

  double spansPerSecond() {
    return elapsedNanos == 0 ? 0 : sentSpans / seconds();
  }

  /** Nothing got through although something was tried. */
  boolean allFailed() {
    return sentSpans == 0 && failedSpans > 0;
  }

  String summaryLine() {
    return String.format(Locale.ROOT, "sent=%d failed=%d requests=%d duration=%.3f rate=%.1f",
        sentSpans, failedSpans, requests, seconds(), spansPerSecond());
  }
}
