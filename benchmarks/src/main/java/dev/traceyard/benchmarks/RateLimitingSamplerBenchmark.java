package dev.traceyard.benchmarks;

import dev.traceyard.sdk.RateLimitingSampler;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of one root-span sampling decision of the rate-limiting sampler with 4 threads deciding at once
 * (one shared bucket), next to the SDK's trace-id-ratio sampler as a reference. Offered load is far above
 * the rate, so most decisions are refusals: the overloaded case the sampler exists for.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(4)
public class RateLimitingSamplerBenchmark {

  private static final String TRACE_ID = "0af7651916cd43dd8448eb211c80319c";

  @Param({"ratelimiting", "traceidratio", "alwayson"})
  public String sampler;

  @Param({"1000"})
  public double spansPerSecond;

  private Sampler instance;

  @Setup
  public void setUp() {
    instance =
        switch (sampler) {
          case "ratelimiting" -> RateLimitingSampler.create(spansPerSecond);
          case "traceidratio" -> Sampler.traceIdRatioBased(0.01);
          default -> Sampler.alwaysOn();
        };
  }

  /** The clock read each rate-limited decision makes: on a VM it is most of the cost. */
  @Benchmark
  public long nanoTimeAlone() {
    return System.nanoTime();
  }

  @Benchmark
  public SamplingResult decide() {
    return instance.shouldSample(Context.root(), TRACE_ID, "GET /orders/:id", SpanKind.SERVER, Attributes.empty(), List.of());
  }
}
