package dev.traceyard.benchmarks;

import dev.traceyard.server.loadgen.TraceGenerator;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What {@code traceyard loadgen} spends building one span and serializing it to protobuf, i.e. how much
 * of a shared machine the generator takes away from the pipeline it drives.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TraceGeneratorBenchmark {
  private static final int SPANS = 100;
  private TraceGenerator generator;

  @Setup
  public void setUp() {
    generator = new TraceGenerator(10, 5, 42);
  }

  @Benchmark
  @OperationsPerInvocation(SPANS)
  public byte[] generateAndEncode() {
    ExportTraceServiceRequest request = generator.request(SPANS, 0.1, System.currentTimeMillis() * 1_000_000L);
    return request.toByteArray();
  }
}
