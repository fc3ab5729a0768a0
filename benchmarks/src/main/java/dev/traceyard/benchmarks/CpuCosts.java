package dev.traceyard.benchmarks;

import dev.traceyard.server.loadgen.TraceGenerator;
import java.util.Arrays;

/** What the in-process CPU-cost benchmarks share: their input (loadgen's requests) and their statistics. */
final class CpuCosts {
  private CpuCosts() {}

  /**
   * {@code count} of loadgen's OTLP trace requests as bytes: {@code spans} spans each, 10-span traces, 5
   * extra attributes, 10% error traces, ending a millisecond apart from now.
   */
  static byte[][] loadgenRequests(int count, int spans) {
    TraceGenerator gen = new TraceGenerator(10, 5, 42);
    byte[][] wire = new byte[count][];
    long end = System.currentTimeMillis() * 1_000_000L;
    for (int i = 0; i < wire.length; i++) {
      wire[i] = gen.request(spans, 0.1, end + i * 1_000_000L).toByteArray();
    }
    return wire;
  }

  /** The {@code q} quantile (nearest rank) of {@code values}. */
  static double quantile(double[] values, double q) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[(int) Math.min(sorted.length - 1, Math.round(q * (sorted.length - 1)))];
  }
}
