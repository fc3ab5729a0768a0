package dev.traceyard.store.query;

/** Quantiles from cumulative-free bucket counts, interpolated linearly inside the bucket (as Prometheus does). */
final class Percentiles {
  private Percentiles() {}

  /**
   * @param boundsMs upper bounds; {@code counts} has one more entry (the +Inf bucket)
   * @return null when there is no data; the highest finite bound when the quantile falls in +Inf
   */
  static Double quantile(double q, double[] boundsMs, long[] counts) {
    long total = 0;
    for (long c : counts) {
      total += c;
    }
    if (total == 0) {
      return null;
    }
    double rank = q * total;
    long cumulative = 0;
    for (int i = 0; i < counts.length; i++) {
      long before = cumulative;
      cumulative += counts[i];
      if (cumulative >= rank && counts[i] > 0) {
        if (i >= boundsMs.length) {
          return boundsMs.length == 0 ? null : boundsMs[boundsMs.length - 1];
        }
        double lower = i == 0 ? 0 : boundsMs[i - 1];
        double upper = boundsMs[i];
        return lower + (upper - lower) * ((rank - before) / counts[i]);
      }
    }
    return boundsMs.length == 0 ? null : boundsMs[boundsMs.length - 1];
  }
}
