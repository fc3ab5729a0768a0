package dev.traceyard.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The comparison of {@link SdkSpanCostBenchmark} measured in CPU time of the calling thread instead of
 * wall time, with the two setups interleaved round by round in one JVM. On a shared machine whose load
 * average is ten times its core count, wall-clock scores vary by 10x between iterations; the CPU time a
 * thread spends per span does not depend on how often it is descheduled, so the ratio stays readable.
 *
 * <p>usage: {@code java -cp benchmarks/target/benchmarks.jar dev.traceyard.benchmarks.SdkSpanCpuCost [rounds]
 * [spansPerRound] [work] [maxQueueSize]}. With a queue larger than a round, nothing is dropped: each round
 * is flushed (outside the measurement) before the next, so every span takes the normal export path.
 */
public final class SdkSpanCpuCost {

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    int spans = args.length > 1 ? Integer.parseInt(args[1]) : 200_000;
    long work = args.length > 2 ? Long.parseLong(args[2]) : 0;
    int queue = args.length > 3 ? Integer.parseInt(args[3]) : 2048;
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    SdkSpanCostBenchmark bare = setup("bare", work, queue);
    SdkSpanCostBenchmark traceyard = setup("traceyard", work, queue);
    for (int i = 0; i < 5; i++) { // warm-up, both
      run(bare, spans, threads);
      run(traceyard, spans, threads);
    }
    double[] bareNs = new double[rounds];
    double[] traceyardNs = new double[rounds];
    for (int i = 0; i < rounds; i++) {
      // alternate which goes first so drifts in machine load hit both alike
      if (i % 2 == 0) {
        bareNs[i] = run(bare, spans, threads);
        traceyardNs[i] = run(traceyard, spans, threads);
      } else {
        traceyardNs[i] = run(traceyard, spans, threads);
        bareNs[i] = run(bare, spans, threads);
      }
    }
    bare.tearDown();
    traceyard.tearDown();
    double bareMedian = median(bareNs);
    double traceyardMedian = median(traceyardNs);
    System.out.printf(
        Locale.ROOT,
        "work=%d spans/round=%d rounds=%d queue=%d%nCPU ns per span (median, p25-p75): bare %.1f (%.1f-%.1f), traceyard %.1f (%.1f-%.1f)%ntraceyard/bare = %.3f%n",
        work, spans, rounds, queue,
        bareMedian, CpuCosts.quantile(bareNs, 0.25), CpuCosts.quantile(bareNs, 0.75),
        traceyardMedian, CpuCosts.quantile(traceyardNs, 0.25), CpuCosts.quantile(traceyardNs, 0.75),
        traceyardMedian / bareMedian);
  }

  private static SdkSpanCostBenchmark setup(String name, long work, int queue) {
    SdkSpanCostBenchmark benchmark = new SdkSpanCostBenchmark();
    benchmark.setup = name;
    benchmark.work = work;
    benchmark.maxQueueSize = queue;
    benchmark.setUp();
    return benchmark;
  }

  private static double run(SdkSpanCostBenchmark benchmark, int spans, ThreadMXBean threads) {
    long start = threads.getCurrentThreadCpuTime();
    Object sink = null;
    for (int i = 0; i < spans; i++) {
      if (benchmark.work > 0) {
        Blackhole.consumeCPU(benchmark.work);
      }
      sink = benchmark.span();
    }
    long cpu = threads.getCurrentThreadCpuTime() - start;
    benchmark.flush();
    if (sink == null) {
      throw new AssertionError();
    }
    return (double) cpu / spans;
  }

  private static double median(double[] values) {
    return CpuCosts.quantile(values, 0.5);
  }

}
