package dev.traceyard.collector.receiver.otlp;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import com.google.rpc.Code;
import com.google.rpc.RetryInfo;
import dev.traceyard.collector.consumer.ConsumeResult;
import io.grpc.BindableService;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.logs.v1.LogsServiceGrpc;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.metrics.v1.MetricsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import java.time.Duration;
import dev.traceyard.collector.component.Signal;

/**
 * The OTLP gRPC services. Armeria runs them on the blocking task executor, so {@code consume()} may
 * block (memory limiter, full queue) without stalling an event loop.
 */
final class GrpcExport {
  private static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);

  private final TransportTelemetry telemetry;

  GrpcExport(TransportTelemetry telemetry) {
    this.telemetry = telemetry;
  }

  BindableService service(Signal signal) {
    switch (signal) {
      case TRACES:
        // Traces, the bulk of the traffic, are parsed by OtlpTraceDecoder (TraceRequestMarshaller).
        return () -> TraceRequestMarshaller.service(
            (ExportTraceServiceRequest request, StreamObserver<ExportTraceServiceResponse> response) ->
                GrpcExport.this.export(SignalCodec.TRACES, request, response));
      case METRICS:
        return new MetricsServiceGrpc.MetricsServiceImplBase() {
          @Override
          public void export(ExportMetricsServiceRequest request, StreamObserver<ExportMetricsServiceResponse> response) {
            GrpcExport.this.export(SignalCodec.METRICS, request, response);
          }
        };
      default:
        return new LogsServiceGrpc.LogsServiceImplBase() {
          @Override
          public void export(ExportLogsServiceRequest request, StreamObserver<ExportLogsServiceResponse> response) {
            GrpcExport.this.export(SignalCodec.LOGS, request, response);
          }
        };
    }
  }

  private <Q extends Message, R extends Message> void export(SignalCodec<Q, R> codec, Q request,
      StreamObserver<R> response) {
    // Armeria has parsed the message; what protobuf accepts may still break OTLP's limits (id lengths...).
    String violation = codec.violation(request);
    if (violation != null) {
      telemetry.refused(RefusalReason.MALFORMED, codec.signal(), codec.batch(request).itemCount(), violation);
      response.onError(StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
          .setCode(Code.INVALID_ARGUMENT_VALUE).setMessage(violation).build()));
      return;
    }
    ConsumeResult result = telemetry.consume(codec.batch(request));
    if (result.isSuccess()) {
      response.onNext(codec.response(result.rejectedItems(), result.message()));
      response.onCompleted();
    } else {
      response.onError(StatusProto.toStatusRuntimeException(status(result)));
    }
  }

  /**
   * The gRPC status for a refusal, as otelcol maps it: retryable refusals carry a RetryInfo detail so
   * that clients back off for the time the pipeline asked for.
   */
  static com.google.rpc.Status status(ConsumeResult result) {
    com.google.rpc.Status.Builder s = com.google.rpc.Status.newBuilder().setMessage(result.message());
    if (result.isPermanent()) {
      return s.setCode(Code.INVALID_ARGUMENT_VALUE).build();
    }
    Duration after = result.retryAfter() == null ? DEFAULT_RETRY_AFTER : result.retryAfter();
    return s.setCode(result.isThrottled() ? Code.RESOURCE_EXHAUSTED_VALUE : Code.UNAVAILABLE_VALUE)
        .addDetails(Any.pack(RetryInfo.newBuilder().setRetryDelay(com.google.protobuf.Duration.newBuilder()
            .setSeconds(after.getSeconds()).setNanos(after.getNano())).build()))
        .build();
  }
}
