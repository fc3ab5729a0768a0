package dev.traceyard.server.loadgen;

/**
 * Picks an exact share of a sequence instead of flipping a coin per item, so that 10% of 50 traces is
 * 5 traces, not "about 5": small runs and tests get the ratio they asked for, and repeated runs agree.
 */
final class Ratios {
  private Ratios() {}

  /**
   * Whether item {@code index} (0-based) is among the selected: among the first N items exactly
   * {@code floor(N * ratio + phase) - floor(phase)} are, spread evenly.
   *
   * @param phase in [0, 1): offsets the pattern so two ratios do not pick the same items
   */
  static boolean selected(long index, double ratio, double phase) {
    if (ratio <= 0) {
      return false;
    }
    if (ratio >= 1) {
      return true;
    }
    return Math.floor((index + 1) * ratio + phase) > Math.floor(index * ratio + phase);
  }
}
