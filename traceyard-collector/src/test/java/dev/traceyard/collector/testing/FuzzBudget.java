package dev.traceyard.collector.testing;

/**
 * How long each {@code @FuzzTest} fuzzes when run with {@code JAZZER_FUZZ=1} (the bounded run in
 * {@code mvn verify}, see docs/reliability.md "Fuzzing"). Without JAZZER_FUZZ the fuzz tests only
 * replay their seed corpus, which takes milliseconds. Longer runs override this on the command line
 * ({@code benchmarks/fuzz.sh}).
 */
public final class FuzzBudget {
  /** Per target; a compile-time constant because annotation values must be. */
  public static final String PER_TARGET = "10s";

  private FuzzBudget() {}
}
