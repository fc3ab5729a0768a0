package dev.traceyard.sdk;

/** placeholder replaced below */
final class LogCorrelation {
  private LogCorrelation() {}

  static void installLogbackIfPresent(TraceyardSdk sdk) {}
}
