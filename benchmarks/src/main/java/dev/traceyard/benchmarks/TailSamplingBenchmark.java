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
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.ByteBuffer;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Tail sampling throughput (spans per second on one thread, through {@code consume} and the
 * decision) and memory per buffered span relative to its encoded OTLP size.
 *
 * <p>Each invocation hands the processor one request of {@value #TRACES_PER_BATCH} traces of
 * {@value #SPANS_PER_TRACE} spans (decoded from bytes, as a receiver would give it), moves its manual
 * clock past {@code decision_wait} and ticks it, so every trace is buffered, decided and, if kept,
 * re-assembled and handed downstream. Traffic: 2% error traces, 2% slow traces, the rest fast and OK;
 * policies keep errors, slow traces and 1% of the rest. The {@code policies} parameter adds a
 * string_attribute policy, which makes every trace decode its buffered spans for the decision.
 *
 * <p>{@code baselineOtlpDecode} decodes the same requests from bytes, as a receiver does, so that
 * the tail sampling score can be read as a ratio on a shared, noisy machine.
 *
 * <p>The memory figures are measured once per trial and printed: heap retained per buffered span
 * (after GC), the processor's own byte count per span, and the encoded OTLP size per span.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar TailSampling -f 1 -wi 2 -i 3 -w 2s -r 3s}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class TailSamplingBenchmark {
  static final int TRACES_PER_BATCH = 50;
  static final int SPANS_PER_TRACE = 10;
  static final int SPANS_PER_BATCH = TRACES_PER_BATCH * SPANS_PER_TRACE;
  /** Distinct requests cycled through; trace ids repeat only after the decision caches forgot them. */
  private static final int POOL = 64;
  private static final int MEMORY_SAMPLE_BATCHES = 200;

  private static final String STATS_POLICIES = "policies:\n"
      + "  - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}\n"
      + "  - {name: slow, type: latency, latency: {threshold_ms: 1000}}\n"
      + "  - {name: baseline, type: probabilistic, probabilistic: {sampling_percentage: 1}}\n";
  private static final String ATTRIBUTE_POLICY =
      "  - {name: vip, type: string_attribute, string_attribute: {key: enduser.tier, values: [vip]}}\n";

  @Param({"status_latency_probabilistic", "plus_string_attribute"})
  public String policies;

  private TraceBatch[] pool;
  private byte[][] poolBytes;
  private TailSamplingBenchmarkAccess processor;
  private final AtomicLong clock = new AtomicLong(1_000_000_000_000L);
  private final AtomicLong keptSpans = new AtomicLong();
  private int next;

  @Setup(Level.Trial)
  public void setUp() {
    Random random = new Random(1);
    pool = new TraceBatch[POOL];
    poolBytes = new byte[POOL][];
    for (int i = 0; i < POOL; i++) {
      pool[i] = decoded(request(random));
      poolBytes[i] = pool[i].request().toByteArray();
    }
    processor = new TailSamplingBenchmarkAccess(config("decision_wait: 1s\ndecision_cache: {sampled_cache_size: 1000, "
        + "non_sampled_cache_size: 1000}\n"), b -> {
          keptSpans.addAndGet(b.itemCount());
          return ConsumeResult.success();
        }, clock::get);
    measureMemory(random);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    processor.shutdown();
  }

  @Benchmark
  @OperationsPerInvocation(SPANS_PER_BATCH)
  public long consumeAndDecide() {
    processor.consume(pool[next]);
    next = (next + 1) % POOL;
    clock.addAndGet(1_000_000_000L);
    processor.tick();
    return keptSpans.get();
  }

  /**
   * Baseline for the same machine and run: decoding the same requests from OTLP bytes, which every
   * receiver does before tail sampling sees a span. The ratio of the two scores is what to compare.
   */
  @Benchmark
  @OperationsPerInvocation(SPANS_PER_BATCH)
  public ExportTraceServiceRequest baselineOtlpDecode() throws InvalidProtocolBufferException {
    ExportTraceServiceRequest r = ExportTraceServiceRequest.parseFrom(poolBytes[next]);
    next = (next + 1) % POOL;
    return r;
  }

  private String policyYaml() {
    return policies.equals("plus_string_attribute") ? STATS_POLICIES + ATTRIBUTE_POLICY : STATS_POLICIES;
  }

  private ConfigNode config(String head) {
    try {
      ObjectNode node = (ObjectNode) new ObjectMapper(new YAMLFactory()).readTree(head + policyYaml());
      return ConfigNode.ofMap(node, "processors.tail_sampling", new ConfigErrors());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Buffers requests with a long decision_wait and reports heap and counted bytes per buffered span. */
  private void measureMemory(Random random) {
    TraceBatch[] batches = new TraceBatch[MEMORY_SAMPLE_BATCHES];
    long encodedRequests = 0;
    long encodedSpans = 0;
    for (int i = 0; i < batches.length; i++) {
      batches[i] = decoded(request(random));
      encodedRequests += batches[i].request().getSerializedSize();
      for (ResourceSpans rs : batches[i].request().getResourceSpansList()) {
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          for (Span s : ss.getSpansList()) {
            encodedSpans += s.getSerializedSize();
          }
        }
      }
    }
    AtomicLong memClock = new AtomicLong(0);
    TailSamplingBenchmarkAccess buffering = new TailSamplingBenchmarkAccess(config("decision_wait: 1h\n"
        + "max_buffered_bytes: 4GiB\nnum_traces: 1000000\n"), b -> ConsumeResult.success(), memClock::get);
    long before = usedHeapAfterGc();
    for (TraceBatch b : batches) {
      buffering.consume(b);
    }
    long after = usedHeapAfterGc();
    long spans = (long) MEMORY_SAMPLE_BATCHES * SPANS_PER_BATCH;
    double heapPerSpan = (after - before) / (double) spans;
    double countedPerSpan = buffering.memoryInUse() / (double) spans;
    double encodedPerSpan = encodedSpans / (double) spans;
    double requestPerSpan = encodedRequests / (double) spans;
    System.out.printf("%n[tail_sampling memory, %s] %d spans buffered: heap %.0f B/span, counted %.0f B/span, "
            + "encoded span %.0f B/span (%.0f B/span of request incl. resources); heap/encoded = %.2f, "
            + "counted/encoded = %.2f%n", policies, spans, heapPerSpan, countedPerSpan, encodedPerSpan, requestPerSpan,
        heapPerSpan / encodedPerSpan, countedPerSpan / encodedPerSpan);
    long parsedBefore = usedHeapAfterGc();
    TraceBatch[] parsedCopies = new TraceBatch[batches.length];
    for (int i = 0; i < batches.length; i++) {
      parsedCopies[i] = decoded(batches[i].request());
    }
    long parsedAfter = usedHeapAfterGc();
    System.out.printf("[tail_sampling memory, %s] for comparison, the same spans as decoded protobuf objects: "
        + "%.0f B/span (%.2f x encoded)%n", policies, (parsedAfter - parsedBefore) / (double) spans,
        (parsedAfter - parsedBefore) / (double) spans / encodedPerSpan);
    if (parsedCopies.length == 0 || batches.length == 0) {
      throw new AssertionError(); // keeps both reachable until measured
    }
    buffering.shutdown();
  }

  private static long usedHeapAfterGc() {
    MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 4; i++) {
      System.gc();
    }
    return mem.getHeapMemoryUsage().getUsed();
  }

  /** As a receiver hands it on: decoded from the wire form. */
  private static TraceBatch decoded(ExportTraceServiceRequest r) {
    try {
      return TraceBatch.of(ExportTraceServiceRequest.parseFrom(r.toByteArray()));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  private static final String[] SERVICES = {"frontend", "cart", "checkout", "payments", "inventory"};
  private static final String[] ROUTES = {"/api/items/{id}", "/api/cart", "/api/checkout", "/api/pay", "/healthz"};

  /** One request: TRACES_PER_BATCH traces spread over three services' resources. */
  static ExportTraceServiceRequest request(Random random) {
    ResourceSpans.Builder[] resources = new ResourceSpans.Builder[3];
    for (int r = 0; r < resources.length; r++) {
      String service = SERVICES[random.nextInt(SERVICES.length)];
      resources[r] = ResourceSpans.newBuilder().setResource(Resource.newBuilder()
              .addAttributes(kv("service.name", service))
              .addAttributes(kv("service.version", "1.4." + random.nextInt(10)))
              .addAttributes(kv("host.name", service + "-" + random.nextInt(20)))
              .addAttributes(kv("telemetry.sdk.language", "java"))
              .addAttributes(kv("telemetry.sdk.name", "opentelemetry")))
          .setSchemaUrl("https://opentelemetry.io/schemas/1.24.0");
      resources[r].addScopeSpans(ScopeSpans.newBuilder()
          .setScope(InstrumentationScope.newBuilder().setName("io.opentelemetry.armeria-1.3").setVersion("2.31.1-alpha")));
    }
    long start = 1_700_000_000_000_000_000L + random.nextInt(1_000_000) * 1_000_000L;
    for (int t = 0; t < TRACES_PER_BATCH; t++) {
      byte[] id = new byte[16];
      random.nextBytes(id);
      ByteString traceId = ByteString.copyFrom(id);
      int kind = random.nextInt(100);
      boolean error = kind < 2;
      boolean slow = kind >= 2 && kind < 4;
      for (int s = 0; s < SPANS_PER_TRACE; s++) {
        long durationMs = s == 0 && slow ? 1_500 : 5 + random.nextInt(50);
        Span.Builder span = Span.newBuilder().setTraceId(traceId)
            .setSpanId(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(random.nextLong()).array()))
            .setName(s == 0 ? "GET " + ROUTES[random.nextInt(ROUTES.length)] : "SELECT inventory.items")
            .setKind(s == 0 ? Span.SpanKind.SPAN_KIND_SERVER : Span.SpanKind.SPAN_KIND_CLIENT)
            .setStartTimeUnixNano(start + s * 1_000_000L)
            .setEndTimeUnixNano(start + s * 1_000_000L + durationMs * 1_000_000L)
            .setFlags(0x101)
            .addAttributes(kv("http.request.method", "GET"))
            .addAttributes(kv("http.route", ROUTES[random.nextInt(ROUTES.length)]))
            .addAttributes(KeyValue.newBuilder().setKey("http.response.status_code")
                .setValue(AnyValue.newBuilder().setIntValue(error && s == 0 ? 500 : 200)))
            .addAttributes(kv("server.address", "shop.example.com"))
            .addAttributes(kv("user_agent.original", "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"))
            .addAttributes(kv("enduser.tier", random.nextInt(50) == 0 ? "vip" : "standard"));
        if (s > 0) {
          span.setParentSpanId(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(random.nextLong()).array()))
              .addAttributes(kv("db.system", "postgresql"))
              .addAttributes(kv("db.statement", "SELECT * FROM items WHERE id = $1"));
        }
        if (error && s == SPANS_PER_TRACE - 1) {
          span.setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR).setMessage("connection reset"));
        }
        resources[random.nextInt(resources.length)].getScopeSpansBuilder(0).addSpans(span);
      }
    }
    ExportTraceServiceRequest.Builder out = ExportTraceServiceRequest.newBuilder();
    for (ResourceSpans.Builder r : resources) {
      out.addResourceSpans(r);
    }
    return out.build();
  }

  private static KeyValue kv(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }
}
