package dev.traceyard.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.traceyard.collector.config.ConfigErrors;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.processor.tailsampling.TailSamplingBenchmarkAccess;
import dev.traceyard.collector.processor.tracequality.TraceQualityBenchmarkAccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Added cost per span of {@code trace_quality} next to {@code tail_sampling}'s, on the same traffic
 * in the same run (TailSamplingBenchmark's requests: 50 traces of 10 spans over three resources).
 * Scores are ns per span (average time, one invocation = one request of 500 spans).
 *
 * <p>{@code traceQuality} does all the processor's per-span work on the benchmark thread: the
 * pass-through and queue hand-off, the per-span analysis (identity, kinds, sizes, cost, one
 * cardinality sketch update per attribute), the trace structure kept until the window closes, and the
 * whole-trace checks when it does (the clock moves one trace window per request, so every trace is
 * analysed); every 60th request also ends a report interval and builds its records. {@code tailSampling}
 * is consume plus decision with status, latency and 1% probabilistic policies.
 *
 * <p>{@code traffic=connected} links each child to its root span; {@code same_as_tail_sampling} keeps
 * that benchmark's random parent ids, so every child is an orphan finding (the worst case for
 * trace_quality: one finding per span).
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar TraceQuality -f 1 -wi 3 -i 5 -w 2s -r 2s}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class TraceQualityBenchmark {
  private static final int POOL = 64;
  private static final long SECOND = 1_000_000_000L;

  @Param({"connected", "same_as_tail_sampling"})
  public String traffic;

  /** trace_quality's sampling_percentage: the share of traces it analyses. */
  @Param({"100", "10"})
  public String samplingPercentage = "100";

  private TraceBatch[] pool;
  private TailSamplingBenchmarkAccess tailSampling;
  private TraceQualityBenchmarkAccess traceQuality;
  private final AtomicLong clock = new AtomicLong(1_000_000_000_000L);
  private long qualityClock = 1_000_000_000_000L;
  private int next;
  private int invocations;

  @Setup(Level.Trial)
  public void setUp() {
    Random random = new Random(1);
    pool = new TraceBatch[POOL];
    for (int i = 0; i < POOL; i++) {
      ExportTraceServiceRequest r = TailSamplingBenchmark.request(random);
      pool[i] = decoded(traffic.equals("connected") ? connected(r) : r);
    }
    tailSampling = new TailSamplingBenchmarkAccess(config("processors.tail_sampling", "decision_wait: 1s\n"
        + "decision_cache: {sampled_cache_size: 1000, non_sampled_cache_size: 1000}\npolicies:\n"
        + "  - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}\n"
        + "  - {name: slow, type: latency, latency: {threshold_ms: 1000}}\n"
        + "  - {name: baseline, type: probabilistic, probabilistic: {sampling_percentage: 1}}\n"),
        b -> ConsumeResult.success(), clock::get);
    traceQuality = new TraceQualityBenchmarkAccess(config("processors.trace_quality", "trace_window: 1s\nsampling_percentage: " + samplingPercentage + "\n"),
        b -> ConsumeResult.success());
  }

  @Benchmark
  @OperationsPerInvocation(TailSamplingBenchmark.SPANS_PER_BATCH)
  public void tailSampling() {
    tailSampling.consume(pool[next]);
    next = (next + 1) % POOL;
    clock.addAndGet(SECOND);
    tailSampling.tick();
  }

  @Benchmark
  @OperationsPerInvocation(TailSamplingBenchmark.SPANS_PER_BATCH)
  public long traceQuality() {
    qualityClock += SECOND;
    traceQuality.consumeAndAnalyse(pool[next], qualityClock);
    next = (next + 1) % POOL;
    if (++invocations % 60 == 0) {
      return traceQuality.report(qualityClock / 1_000_000L);
    }
    return invocations;
  }

  /** The same request with every child's parent set to its trace's first span. */
  private static ExportTraceServiceRequest connected(ExportTraceServiceRequest r) {
    Map<ByteString, ByteString> roots = new HashMap<>();
    ExportTraceServiceRequest.Builder b = r.toBuilder();
    for (ResourceSpans.Builder rs : b.getResourceSpansBuilderList()) {
      for (ScopeSpans.Builder ss : rs.getScopeSpansBuilderList()) {
        for (Span.Builder s : ss.getSpansBuilderList()) {
          if (s.getParentSpanId().isEmpty()) {
            roots.put(s.getTraceId(), s.getSpanId());
          }
        }
      }
    }
    for (ResourceSpans.Builder rs : b.getResourceSpansBuilderList()) {
      for (ScopeSpans.Builder ss : rs.getScopeSpansBuilderList()) {
        for (Span.Builder s : ss.getSpansBuilderList()) {
          if (!s.getParentSpanId().isEmpty()) {
            s.setParentSpanId(roots.get(s.getTraceId()));
          }
        }
      }
    }
    return b.build();
  }

  static ConfigNode config(String path, String yaml) {
    try {
      ObjectNode node = (ObjectNode) new ObjectMapper(new YAMLFactory()).readTree(yaml);
      return ConfigNode.ofMap(node, path, new ConfigErrors());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static TraceBatch decoded(ExportTraceServiceRequest r) {
    try {
      return TraceBatch.of(ExportTraceServiceRequest.parseFrom(r.toByteArray()));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }
}
