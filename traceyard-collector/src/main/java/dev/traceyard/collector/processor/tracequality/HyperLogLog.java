package dev.traceyard.collector.processor.tracequality;

/**
 * A HyperLogLog distinct-count sketch (Flajolet et al. 2007, with the small-range linear counting
 * correction) over 64-bit hashes: {@code 2^precision} one-byte registers, allocated once, so memory
 * is fixed whatever the number of values added. Standard error is about {@code 1.04 / sqrt(2^p)}:
 * 0.8% at the default precision 14 (16 KiB). Not thread-safe: owned by the analysis thread.
 */
final class HyperLogLog {
  static final int MIN_PRECISION = 4;
  static final int MAX_PRECISION = 18;

  private final int precision;
  private final byte[] registers;

  HyperLogLog(int precision) {
    if (precision < MIN_PRECISION || precision > MAX_PRECISION) {
      throw new IllegalArgumentException("precision must be in [" + MIN_PRECISION + ", " + MAX_PRECISION + "], got "
          + precision);
    }
    this.precision = precision;
    this.registers = new byte[1 << precision];
  }

  /** Adds one value by its hash, which must be well mixed in all 64 bits (see {@link Hashing}). */
  void add(long hash) {
    int index = (int) (hash >>> (64 - precision));
    // Rank of the first 1 bit in the remaining bits; the sentinel bit bounds it at 64 - precision + 1.
    long rest = (hash << precision) | (1L << (precision - 1));
    byte rank = (byte) (Long.numberOfLeadingZeros(rest) + 1);
    if (rank > registers[index]) {
      registers[index] = rank;
    }
  }

  long estimate() {
    int m = registers.length;
    double sum = 0;
    int zeros = 0;
    for (byte r : registers) {
      sum += 1.0 / (1L << r);
      if (r == 0) {
        zeros++;
      }
    }
    double raw = alpha(m) * m * (double) m / sum;
    if (raw <= 2.5 * m && zeros > 0) {
      // Linear counting is far more accurate while many registers are still empty.
      return Math.round(m * Math.log((double) m / zeros));
    }
    return Math.round(raw);
  }

  /** Memory held by the registers. */
  int sizeBytes() {
    return registers.length;
  }

  private static double alpha(int m) {
    switch (m) {
      case 16:
        return 0.673;
      case 32:
        return 0.697;
      case 64:
        return 0.709;
      default:
        return 0.7213 / (1 + 1.079 / m);
    }
  }
}
