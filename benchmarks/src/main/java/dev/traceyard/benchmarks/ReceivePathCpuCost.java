package dev.traceyard.benchmarks;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.otlp.OtlpLimits;
import dev.traceyard.collector.otlp.OtlpTraceDecoder;
import dev.traceyard.collector.processor.tracequality.TraceQualityBenchmarkAccess;
import dev.traceyard.store.db.EnqueueBenchmarkAccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The server's per-span work outside the network stack and the store writer's SQL, in CPU time and
 * allocated bytes of one thread (both readable on a machine loaded far beyond its cores): what
 * {@code traceyard start} does with one received OTLP request of loadgen's traffic (512 spans,
 * 10-span traces, 5 extra attributes, 10% error traces), one after the other on the benchmark thread:
 * parse the protobuf bytes with {@link OtlpTraceDecoder} (as the receivers do), check {@link OtlpLimits}, make the batch, pass
 * it through {@code trace_quality} with its analysis (default config, every trace analysed), queue it
 * as the {@code traceyard} exporter does on the receiving thread (the store's id checks and the
 * conversion to queued spans with its attribute interner, kept across requests as the server keeps
 * it), then read every span's strings the way the store's appender does ({@code getName},
 * {@code getKey}, {@code getStringValue}, then UTF-8 bytes for DuckDB). Requests are pre-serialised;
 * each round parses them afresh, so protobuf's lazily decoded or re-encoded strings cost what they
 * cost in the server. A second line splits the CPU time by step (thread CPU time read around each
 * step of every request).
 *
 * <p>usage: {@code java -cp benchmarks/target/benchmarks.jar dev.traceyard.benchmarks.ReceivePathCpuCost
 * [rounds] [requestsPerRound]}; A/B against an older build: put its jar first,
 * {@code java -cp /tmp/before.jar:benchmarks/target/benchmarks.jar ...}.
 */
public final class ReceivePathCpuCost {
  private static final int SPANS_PER_REQUEST = 512;
  private static final int DISTINCT_REQUESTS = 64;
  private static final long WINDOW_NANOS = 31_000_000_000L;

  private ReceivePathCpuCost() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
    int requests = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    byte[][] wire = CpuCosts.loadgenRequests(DISTINCT_REQUESTS, SPANS_PER_REQUEST);
    TraceQualityBenchmarkAccess quality = new TraceQualityBenchmarkAccess(TraceQualityBenchmark.config("processors.trace_quality",
        "findings_pipelines: []"), batch -> ConsumeResult.success());
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    EnqueueBenchmarkAccess store = new EnqueueBenchmarkAccess();
    long[] clock = {0};
    long[] sink = {0};
    for (int i = 0; i < 8; i++) {
      round(wire, requests, quality, store, clock, sink, threads, new long[STEPS.length]);
    }
    double[] cpu = new double[rounds];
    double[] alloc = new double[rounds];
    double[][] steps = new double[STEPS.length][rounds];
    for (int i = 0; i < rounds; i++) {
      long[] stepNanos = new long[STEPS.length];
      double[] r = round(wire, requests, quality, store, clock, sink, threads, stepNanos);
      cpu[i] = r[0];
      alloc[i] = r[1];
      for (int s = 0; s < STEPS.length; s++) {
        steps[s][i] = stepNanos[s] / ((double) requests * SPANS_PER_REQUEST);
      }
    }
    System.out.printf(Locale.ROOT, "rounds=%d spans/round=%d (sink %d)%n"
            + "CPU ns per span (median, p25-p75): %.0f (%.0f-%.0f); allocated bytes per span (median): %.0f%n",
        rounds, requests * SPANS_PER_REQUEST, sink[0] & 1, CpuCosts.quantile(cpu, 0.5), CpuCosts.quantile(cpu, 0.25),
        CpuCosts.quantile(cpu, 0.75), CpuCosts.quantile(alloc, 0.5));
    StringBuilder line = new StringBuilder("by step, CPU ns per span (median):");
    for (int s = 0; s < STEPS.length; s++) {
      line.append(String.format(Locale.ROOT, " %s %.0f", STEPS[s], CpuCosts.quantile(steps[s], 0.5)));
    }
    System.out.println(line);
  }

  private static final String[] STEPS = {"parse", "limits", "trace_quality", "enqueue", "store_reads"};

  /** One round: {ns of CPU per span, bytes allocated per span}. */
  private static double[] round(byte[][] wire, int requests, TraceQualityBenchmarkAccess quality,
      EnqueueBenchmarkAccess store, long[] clock, long[] sink, com.sun.management.ThreadMXBean threads,
      long[] stepNanos) {
    long tid = Thread.currentThread().getId();
    long cpu0 = threads.getCurrentThreadCpuTime();
    long alloc0 = threads.getThreadAllocatedBytes(tid);
    for (int i = 0; i < requests; i++) {
      long t0 = threads.getCurrentThreadCpuTime();
      ExportTraceServiceRequest req;
      try {
        req = OtlpTraceDecoder.parse(wire[i % wire.length]);
      } catch (InvalidProtocolBufferException e) {
        throw new UncheckedIOException(e);
      }
      long t1 = threads.getCurrentThreadCpuTime();
      if (OtlpLimits.violation(req) != null) {
        throw new IllegalStateException("loadgen's request broke a limit");
      }
      TraceBatch batch = TraceBatch.of(req);
      long t2 = threads.getCurrentThreadCpuTime();
      // Every request moves the clock past a trace window, so every trace is closed and analysed.
      clock[0] += WINDOW_NANOS;
      quality.consumeAndAnalyse(batch, clock[0]);
      if (i % 60 == 59) {
        quality.report(clock[0] / 1_000_000L);
      }
      long t3 = threads.getCurrentThreadCpuTime();
      sink[0] += store.enqueue(batch);
      long t4 = threads.getCurrentThreadCpuTime();
      sink[0] += readLikeTheStore(req);
      long t5 = threads.getCurrentThreadCpuTime();
      stepNanos[0] += t1 - t0;
      stepNanos[1] += t2 - t1;
      stepNanos[2] += t3 - t2;
      stepNanos[3] += t4 - t3;
      stepNanos[4] += t5 - t4;
    }
    long cpu = threads.getCurrentThreadCpuTime() - cpu0;
    long alloc = threads.getThreadAllocatedBytes(tid) - alloc0;
    double spans = (double) requests * SPANS_PER_REQUEST;
    return new double[] {cpu / spans, alloc / spans};
  }

  /** The string reads of the store's writer (resource and span attributes, names), and their UTF-8 bytes. */
  private static long readLikeTheStore(ExportTraceServiceRequest req) {
    long n = 0;
    for (ResourceSpans rs : req.getResourceSpansList()) {
      n += attributes(rs.getResource().getAttributesList());
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        n += ss.getScope().getName().getBytes(StandardCharsets.UTF_8).length;
        for (Span s : ss.getSpansList()) {
          n += s.getName().getBytes(StandardCharsets.UTF_8).length;
          n += attributes(s.getAttributesList());
          for (Span.Event e : s.getEventsList()) {
            n += e.getName().getBytes(StandardCharsets.UTF_8).length + attributes(e.getAttributesList());
          }
        }
      }
    }
    return n;
  }

  private static long attributes(java.util.List<KeyValue> kvs) {
    long n = 0;
    for (KeyValue kv : kvs) {
      n += kv.getKey().getBytes(StandardCharsets.UTF_8).length;
      AnyValue v = kv.getValue();
      if (v.hasStringValue()) {
        n += v.getStringValue().getBytes(StandardCharsets.UTF_8).length;
      }
    }
    return n;
  }

}
