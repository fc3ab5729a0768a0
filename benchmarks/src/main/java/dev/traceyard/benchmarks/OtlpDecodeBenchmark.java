package dev.traceyard.benchmarks;

import dev.traceyard.collector.otlp.OtlpJson;
import dev.traceyard.collector.otlp.OtlpJsonException;
import dev.traceyard.server.loadgen.TraceGenerator;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import com.google.protobuf.InvalidProtocolBufferException;
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
 * Per-span cost of reading and writing an OTLP trace export request, protobuf against OTLP/JSON. The
 * request is what {@code traceyard loadgen} sends: 100 spans from 10-span traces over 3-5 services,
 * each span with its HTTP attributes plus {@code attributes} extra ones, 10% of traces with an error
 * span carrying an exception event. Scores are per span ({@link OperationsPerInvocation}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class OtlpDecodeBenchmark {
  static final int SPANS = 100;

  @Param({"5"})
  int attributes;

  private ExportTraceServiceRequest request;
  private byte[] protobuf;
  private byte[] json;

  @Setup
  public void setUp() throws OtlpJsonException {
    request = new TraceGenerator(10, attributes, 42).request(SPANS, 0.1, 1_700_000_000_000_000_000L);
    protobuf = request.toByteArray();
    json = OtlpJson.encodeToBytes(request);
    if (!OtlpJson.decodeTraces(json).equals(request)) {
      throw new IllegalStateException("OTLP/JSON round trip changed the request");
    }
  }

  @Benchmark
  @OperationsPerInvocation(SPANS)
  public ExportTraceServiceRequest decodeProtobuf() throws InvalidProtocolBufferException {
    return ExportTraceServiceRequest.parseFrom(protobuf);
  }

  @Benchmark
  @OperationsPerInvocation(SPANS)
  public ExportTraceServiceRequest decodeJson() throws OtlpJsonException {
    return OtlpJson.decodeTraces(json);
  }

  @Benchmark
  @OperationsPerInvocation(SPANS)
  public byte[] encodeProtobuf() {
    return request.toByteArray();
  }

  @Benchmark
  @OperationsPerInvocation(SPANS)
  public byte[] encodeJson() {
    return OtlpJson.encodeToBytes(request);
  }

  /** The size each encoding gives the request, to relate time per span to bytes per span. */
  public static void main(String[] args) throws OtlpJsonException {
    OtlpDecodeBenchmark b = new OtlpDecodeBenchmark();
    b.attributes = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    b.setUp();
    System.out.printf("spans=%d protobuf=%d bytes (%d/span) json=%d bytes (%d/span)%n",
        SPANS, b.protobuf.length, b.protobuf.length / SPANS, b.json.length, b.json.length / SPANS);
  }
}
