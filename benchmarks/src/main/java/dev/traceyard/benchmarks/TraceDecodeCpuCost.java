package dev.traceyard.benchmarks;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.traceyard.collector.otlp.OtlpLimits;
import dev.traceyard.collector.otlp.OtlpTraceDecoder;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * Parsing loadgen's OTLP trace requests (512 spans, 10-span traces, 5 extra attributes) with
 * protobuf's generated parser and with {@link OtlpTraceDecoder}, in CPU time and allocated bytes of
 * the benchmark thread, rounds of the two alternating in one JVM. Each parsed request then gets what
 * the server's later stages ask of every attribute and span: a hash code (the store's attribute
 * interner) and a serialized size (trace_quality's cost report), and the {@link OtlpLimits} check.
 *
 * <p>usage: {@code java -cp benchmarks/target/benchmarks.jar dev.traceyard.benchmarks.TraceDecodeCpuCost
 * [rounds] [requestsPerRound]}
 */
public final class TraceDecodeCpuCost {
  private static final int SPANS_PER_REQUEST = 512;
  private static final int DISTINCT_REQUESTS = 64;

  private TraceDecodeCpuCost() {}

  @FunctionalInterface
  private interface Decoder {
    ExportTraceServiceRequest parse(byte[] bytes) throws InvalidProtocolBufferException;
  }

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
    int requests = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    byte[][] wire = CpuCosts.loadgenRequests(DISTINCT_REQUESTS, SPANS_PER_REQUEST);
    String[] names = {"protobuf parser", "OtlpTraceDecoder"};
    Decoder[] decoders = {ExportTraceServiceRequest::parseFrom, OtlpTraceDecoder::parse};
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long[] sink = {0};
    for (int i = 0; i < 10; i++) {
      for (Decoder d : decoders) {
        round(d, wire, requests, sink, threads);
      }
    }
    double[][] cpu = new double[2][rounds];
    double[][] alloc = new double[2][rounds];
    for (int i = 0; i < rounds; i++) {
      for (int d = 0; d < 2; d++) {
        double[] r = round(decoders[d], wire, requests, sink, threads);
        cpu[d][i] = r[0];
        alloc[d][i] = r[1];
      }
    }
    System.out.printf(Locale.ROOT, "rounds=%d spans/round=%d (sink %d)%n", rounds, requests * SPANS_PER_REQUEST, sink[0] & 1);
    for (int d = 0; d < 2; d++) {
      System.out.printf(Locale.ROOT, "%-17s CPU ns per span (median, p25-p75): %.0f (%.0f-%.0f); allocated bytes per span: %.0f%n",
          names[d], CpuCosts.quantile(cpu[d], 0.5), CpuCosts.quantile(cpu[d], 0.25), CpuCosts.quantile(cpu[d], 0.75), CpuCosts.quantile(alloc[d], 0.5));
    }
  }

  private static double[] round(Decoder decoder, byte[][] wire, int requests, long[] sink,
      com.sun.management.ThreadMXBean threads) throws InvalidProtocolBufferException {
    long tid = Thread.currentThread().getId();
    long cpu0 = threads.getCurrentThreadCpuTime();
    long alloc0 = threads.getThreadAllocatedBytes(tid);
    for (int i = 0; i < requests; i++) {
      ExportTraceServiceRequest req = decoder.parse(wire[i % wire.length]);
      if (OtlpLimits.violation(req) != null) {
        throw new IllegalStateException("loadgen's request broke a limit");
      }
      for (ResourceSpans rs : req.getResourceSpansList()) {
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          for (Span s : ss.getSpansList()) {
            sink[0] += s.getSerializedSize();
            for (int a = 0; a < s.getAttributesCount(); a++) {
              sink[0] += s.getAttributes(a).hashCode();
            }
          }
        }
      }
    }
    double spans = (double) requests * SPANS_PER_REQUEST;
    return new double[] {(threads.getCurrentThreadCpuTime() - cpu0) / spans,
        (threads.getThreadAllocatedBytes(tid) - alloc0) / spans};
  }

}
