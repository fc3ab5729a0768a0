package dev.traceyard.collector.testing;

/**
 * How long a {@code @FuzzTest} fuzzes when it is run on its own with {@code JAZZER_FUZZ=1} (from an IDE,
 * or {@code JAZZER_FUZZ=1 mvn test -Dtest='ZipkinDecoderFuzzTest#json'}). The bounded run in
 * {@code mvn verify} (profile {@code fuzz}, property {@code fuzz.seconds}) and {@code benchmarks/fuzz.sh}
 * pass libFuzzer's {@code -max_total_time} themselves, which wins. Without JAZZER_FUZZ the fuzz tests
 * only replay their seed corpus. See docs/reliability.md, "Fuzzing".
 */
public final class FuzzBudget {
  /** Per target; a compile-time constant because annotation values must be. */
  public static final String PER_TARGET = "10s";

  private FuzzBudget() {}
}
