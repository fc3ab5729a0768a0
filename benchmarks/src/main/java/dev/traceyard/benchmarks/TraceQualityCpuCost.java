package dev.traceyard.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;

/**
 * {@link TraceQualityBenchmark}'s comparison measured in CPU time of the benchmark thread, the two
 * processors interleaved round by round in one JVM, so that the ratio stays readable on a machine
 * loaded far beyond its cores (wall-clock JMH scores vary 3x between iterations there).
 *
 * <p>usage: {@code java -cp benchmarks/target/benchmarks.jar dev.traceyard.benchmarks.TraceQualityCpuCost
 * [rounds] [requestsPerRound] [traffic] [samplingPercentage]} (traffic: connected or same_as_tail_sampling;
 * samplingPercentage: trace_quality's sampling_percentage, default 100).
 */
public final class TraceQualityCpuCost {
  private TraceQualityCpuCost() {}

  public static void main(String[] args) {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    int requests = args.length > 1 ? Integer.parseInt(args[1]) : 2_000;
    String traffic = args.length > 2 ? args[2] : "connected";
    String sampling = args.length > 3 ? args[3] : "100";
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    TraceQualityBenchmark b = new TraceQualityBenchmark();
    b.traffic = traffic;
    b.samplingPercentage = sampling;
    b.setUp();
    for (int i = 0; i < 5; i++) {
      run(b, true, requests, threads);
      run(b, false, requests, threads);
    }
    double[] ts = new double[rounds];
    double[] tq = new double[rounds];
    for (int i = 0; i < rounds; i++) {
      boolean first = i % 2 == 0;
      if (first) {
        ts[i] = run(b, true, requests, threads);
        tq[i] = run(b, false, requests, threads);
      } else {
        tq[i] = run(b, false, requests, threads);
        ts[i] = run(b, true, requests, threads);
      }
    }
    System.out.printf(Locale.ROOT, "traffic=%s sampling_percentage=%s rounds=%d spans/round=%d%n"
            + "CPU ns per span (median, p25-p75): tail_sampling %.0f (%.0f-%.0f), trace_quality %.0f (%.0f-%.0f)%n"
            + "trace_quality/tail_sampling = %.3f%n", traffic, sampling, rounds,
        requests * TailSamplingBenchmark.SPANS_PER_BATCH, CpuCosts.quantile(ts, 0.5), CpuCosts.quantile(ts, 0.25), CpuCosts.quantile(ts, 0.75),
        CpuCosts.quantile(tq, 0.5), CpuCosts.quantile(tq, 0.25), CpuCosts.quantile(tq, 0.75), CpuCosts.quantile(tq, 0.5) / CpuCosts.quantile(ts, 0.5));
  }

  /** CPU ns per span for {@code requests} requests through one processor. */
  private static double run(TraceQualityBenchmark b, boolean tailSampling, int requests, ThreadMXBean threads) {
    long start = threads.getCurrentThreadCpuTime();
    for (int i = 0; i < requests; i++) {
      if (tailSampling) {
        b.tailSampling();
      } else {
        b.traceQuality();
      }
    }
    return (threads.getCurrentThreadCpuTime() - start) / (double) (requests * TailSamplingBenchmark.SPANS_PER_BATCH);
  }

}
