package dev.traceyard.benchmarks;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.grpc.GrpcService;
import dev.traceyard.collector.otlp.OtlpJson;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.LongAdder;

/**
 * The far end of an end-to-end benchmark: accepts OTLP traces (gRPC, and HTTP protobuf/JSON on
 * {@code /v1/traces}) on one port, counts the spans and throws them away. {@code GET /count} answers
 * the span count as plain text so a script can compute throughput; {@code GET /stats} adds requests.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.traceyard.benchmarks.CountingSink [--port 14317]</pre>
 */
public final class CountingSink {
  private static final int MAX_REQUEST_BYTES = 64 * 1024 * 1024;
  private static final byte[] EMPTY_RESPONSE = ExportTraceServiceResponse.getDefaultInstance().toByteArray();

  private final LongAdder spans = new LongAdder();
  private final LongAdder requests = new LongAdder();
  private final Server server;

  private CountingSink(int port) {
    server = Server.builder()
        .http(port)
        .maxRequestLength(MAX_REQUEST_BYTES)
        .gracefulShutdownTimeout(Duration.ZERO, Duration.ofSeconds(1))
        .service(GrpcService.builder()
            .addService(new TraceService())
            .maxRequestMessageLength(MAX_REQUEST_BYTES)
            .build())
        .service("/v1/traces", (ctx, req) -> HttpResponse.of(req.aggregate().thenApply(agg -> {
          MediaType type = agg.contentType();
          try {
            ExportTraceServiceRequest request = type != null && type.isJson()
                ? OtlpJson.decodeTraces(agg.content().array())
                : ExportTraceServiceRequest.parseFrom(agg.content().array());
            count(request);
            return type != null && type.isJson()
                ? HttpResponse.of(HttpStatus.OK, MediaType.JSON, "{}")
                : HttpResponse.of(HttpStatus.OK, MediaType.X_PROTOBUF, EMPTY_RESPONSE);
          } catch (Exception e) {
            return HttpResponse.of(HttpStatus.BAD_REQUEST, MediaType.PLAIN_TEXT_UTF_8, String.valueOf(e.getMessage()));
          }
        })))
        .service("/count", (ctx, req) -> HttpResponse.of(spans.sum() + "\n"))
        .service("/stats", (ctx, req) -> HttpResponse.of("spans=" + spans.sum() + " requests=" + requests.sum() + "\n"))
        .build();
  }

  /** Starts a sink on {@code port} (0 for any free port). */
  public static CountingSink start(int port) {
    CountingSink sink = new CountingSink(port);
    sink.server.start().join();
    return sink;
  }

  public int port() {
    return server.activeLocalPort();
  }

  public long spans() {
    return spans.sum();
  }

  public long requests() {
    return requests.sum();
  }

  public void stop() {
    server.stop().join();
  }

  private void count(ExportTraceServiceRequest request) {
    long n = 0;
    for (ResourceSpans rs : request.getResourceSpansList()) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        n += ss.getSpansCount();
      }
    }
    spans.add(n);
    requests.increment();
  }

  private final class TraceService extends TraceServiceGrpc.TraceServiceImplBase {
    @Override
    public void export(ExportTraceServiceRequest request, StreamObserver<ExportTraceServiceResponse> observer) {
      count(request);
      observer.onNext(ExportTraceServiceResponse.getDefaultInstance());
      observer.onCompleted();
    }
  }

  public static void main(String[] args) throws InterruptedException {
    int port = 14317;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--port") && i + 1 < args.length) {
        port = Integer.parseInt(args[++i]);
      } else {
        System.err.println("usage: CountingSink [--port N]   (N=0 picks a free port)");
        System.exit(2);
      }
    }
    CountingSink sink = start(port);
    System.out.println("counting-sink listening on port " + sink.port());
    System.out.flush();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      sink.stop();
      stopped.countDown();
    }, "counting-sink-shutdown"));
    stopped.await();
  }
}
