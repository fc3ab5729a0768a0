package dev.traceyard.benchmarks;

import com.google.protobuf.ByteString;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.exporter.loadbalancing.LoadBalancingBenchmarkAccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
 * What the {@code loadbalancing} exporter spends per span to route a batch: hash each trace id onto the
 * ring and rebuild the batch into one OTLP request per backend (resource and scope kept). A batch of
 * 1000 spans from 3 services, 100 traces of 10 spans, the spans of a trace interleaved with others as a
 * batch processor emits them. Scores are ns per span.
 *
 * <p>{@code java -jar benchmarks/target/benchmarks.jar LoadBalancingRoutingBenchmark -f 1 -wi 5 -w 1s -i 5 -r 1s}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class LoadBalancingRoutingBenchmark {
  private static final int SPANS = 1000;

  @Param({"3", "10"})
  public int backends;

  private LoadBalancingBenchmarkAccess access;
  private TraceBatch batch;
  private ByteString[] traceIds;

  @Setup
  public void setUp() {
    List<String> endpoints = new ArrayList<>();
    for (int i = 1; i <= backends; i++) {
      endpoints.add("10.0.0." + i + ":4317");
    }
    access = new LoadBalancingBenchmarkAccess(endpoints);
    Random random = new Random(1);
    traceIds = new ByteString[100];
    for (int i = 0; i < traceIds.length; i++) {
      traceIds[i] = randomId(random, 16);
    }
    ExportTraceServiceRequest.Builder req = ExportTraceServiceRequest.newBuilder();
    int perService = SPANS / 3;
    for (int s = 0; s < 3; s++) {
      ScopeSpans.Builder scope = ScopeSpans.newBuilder().setScope(InstrumentationScope.newBuilder().setName("io.opentelemetry.http"));
      int n = s == 2 ? SPANS - 2 * perService : perService;
      for (int i = 0; i < n; i++) {
        int span = s * perService + i;
        scope.addSpans(Span.newBuilder().setTraceId(traceIds[span % traceIds.length]).setSpanId(randomId(random, 8))
            .setName("GET /api/items/{id}").setKind(Span.SpanKind.SPAN_KIND_SERVER)
            .setStartTimeUnixNano(1_700_000_000_000_000_000L + span).setEndTimeUnixNano(1_700_000_000_010_000_000L + span)
            .addAttributes(KeyValue.newBuilder().setKey("http.route").setValue(AnyValue.newBuilder().setStringValue("/api/items/{id}")))
            .addAttributes(KeyValue.newBuilder().setKey("http.response.status_code").setValue(AnyValue.newBuilder().setIntValue(200))));
      }
      req.addResourceSpans(ResourceSpans.newBuilder().setResource(Resource.newBuilder().addAttributes(KeyValue.newBuilder()
          .setKey("service.name").setValue(AnyValue.newBuilder().setStringValue("service-" + s)))).addScopeSpans(scope));
    }
    batch = Batch.of(req.build());
  }

  private static ByteString randomId(Random random, int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return ByteString.copyFrom(b);
  }

  /** Splitting a 1000-span batch into one request per backend. */
  @Benchmark
  @OperationsPerInvocation(SPANS)
  public TraceBatch[] splitBatch() {
    return access.split(batch);
  }

  /** Only the ring lookup of one trace id (hash + binary search). */
  @Benchmark
  @OperationsPerInvocation(100)
  public int ownerLookup() {
    int sum = 0;
    for (ByteString id : traceIds) {
      sum += access.owner(id);
    }
    return sum;
  }
}
