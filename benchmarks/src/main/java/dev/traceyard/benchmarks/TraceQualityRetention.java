package dev.traceyard.benchmarks;

import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.processor.tracequality.TraceQualityBenchmarkAccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.Random;

/**
 * What trace_quality's analysis costs in memory, beside {@link TraceQualityCpuCost}'s CPU time:
 * (1) bytes allocated per span by {@link TraceQualityBenchmark#traceQuality} (benchmark thread);
 * (2) heap retained per span while windows are open (freshly decoded requests, clock held);
 * (3) a steady state at 30 000 spans/s of simulated time with the default 30 s window (~900 000 spans
 * held): GC pause time and the CPU of all threads but the benchmark thread (GC, JIT) per span.
 * Every request in (2) and (3) is newly generated and decoded, as the receiver would hand it over.
 *
 * <p>usage: {@code java -Xmx1g -cp benchmarks/target/benchmarks.jar
 * dev.traceyard.benchmarks.TraceQualityRetention [steadyStateRequests]} (default 6000, a third of them warm-up).
 */
public final class TraceQualityRetention {
  private TraceQualityRetention() {}

  public static void main(String[] args) throws Exception {
    int requests = args.length > 0 ? Integer.parseInt(args[0]) : 6_000;
    int spansPerRequest = TailSamplingBenchmark.SPANS_PER_BATCH;
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long self = Thread.currentThread().getId();

    TraceQualityBenchmark b = new TraceQualityBenchmark();
    b.traffic = "connected";
    b.samplingPercentage = "100";
    b.setUp();
    for (int i = 0; i < 20_000; i++) {
      b.traceQuality();
    }
    long a0 = threads.getThreadAllocatedBytes(self);
    for (int i = 0; i < 20_000; i++) {
      b.traceQuality();
    }
    double allocated = (threads.getThreadAllocatedBytes(self) - a0) / (20_000.0 * spansPerRequest);

    TraceQualityBenchmarkAccess held = new TraceQualityBenchmarkAccess(TraceQualityBenchmark.config(
        "processors.trace_quality", "trace_window: 1h\nmax_traces: 1000000\n"), x -> ConsumeResult.success());
    Random random = new Random(7);
    byte[][] encoded = new byte[400][];
    for (int i = 0; i < encoded.length; i++) {
      encoded[i] = TailSamplingBenchmark.request(random).toByteArray();
    }
    long before = usedAfterGc();
    for (byte[] e : encoded) {
      held.consumeAndAnalyse(TraceBatch.of(ExportTraceServiceRequest.parseFrom(e)), 1_000L);
    }
    double retained = (usedAfterGc() - before) / (double) (encoded.length * spansPerRequest);
    encoded = null;
    held = null;

    TraceQualityBenchmarkAccess steady = new TraceQualityBenchmarkAccess(TraceQualityBenchmark.config(
        "processors.trace_quality", "max_traces: 1000000\n"), x -> ConsumeResult.success());
    long step = 1_000_000_000L * spansPerRequest / 30_000;
    long clock = 0;
    long gcMs0 = 0;
    long cpu0 = 0;
    long self0 = 0;
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    int warm = requests / 3;
    for (int i = 0; i < requests; i++) {
      if (i == warm) {
        gcMs0 = gcMillis();
        cpu0 = os.getProcessCpuTime();
        self0 = threads.getCurrentThreadCpuTime();
      }
      byte[] e = TailSamplingBenchmark.request(random).toByteArray();
      clock += step;
      steady.consumeAndAnalyse(TraceBatch.of(ExportTraceServiceRequest.parseFrom(e)), clock);
    }
    double spans = (double) (requests - warm) * spansPerRequest;
    double gc = (gcMillis() - gcMs0) * 1000.0 / spans;
    double others = ((os.getProcessCpuTime() - cpu0) - (threads.getCurrentThreadCpuTime() - self0)) / 1000.0 / spans;
    System.out.printf(Locale.ROOT, "allocated bytes/span (traceQuality, pooled requests): %.1f%n"
            + "retained heap bytes/span, windows open (%d spans): %.1f%n"
            + "steady state, 30 000 spans/s simulated, 30 s window (%d traces held): GC pause %.3f us/span, "
            + "CPU of other threads (GC, JIT) %.3f us/span%n", allocated, 400 * spansPerRequest, retained,
        steady.tracesInMemory(), gc, others);
  }

  private static long usedAfterGc() {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return rt.totalMemory() - rt.freeMemory();
  }

  private static long gcMillis() {
    long ms = 0;
    for (GarbageCollectorMXBean g : ManagementFactory.getGarbageCollectorMXBeans()) {
      ms += g.getCollectionTime();
    }
    return ms;
  }
}
