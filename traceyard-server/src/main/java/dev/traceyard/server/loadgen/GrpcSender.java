package dev.traceyard.server.loadgen;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.grpc.GrpcClientBuilder;
import com.linecorp.armeria.client.grpc.GrpcClients;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.net.URI;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/** OTLP/gRPC through Armeria with the generated blocking stub. */
final class GrpcSender implements OtlpSender {
  /** The codes the OTLP specification lists as retryable, plus RESOURCE_EXHAUSTED which collectors use for backpressure. */
  private static final Set<Status.Code> RETRYABLE = EnumSet.of(
      Status.Code.CANCELLED, Status.Code.DEADLINE_EXCEEDED, Status.Code.ABORTED, Status.Code.OUT_OF_RANGE,
      Status.Code.UNAVAILABLE, Status.Code.DATA_LOSS, Status.Code.RESOURCE_EXHAUSTED);

  private final TraceServiceGrpc.TraceServiceBlockingStub stub;

  GrpcSender(URI endpoint, Map<String, String> headers, Duration timeout, ClientFactory factory) {
    GrpcClientBuilder builder = GrpcClients.builder(endpoint)
        .factory(factory)
        .responseTimeout(timeout)
        .maxResponseMessageLength(16 * 1024 * 1024);
    headers.forEach(builder::addHeader);
    this.stub = builder.build(TraceServiceGrpc.TraceServiceBlockingStub.class);
  }

  @Override
  public SendOutcome send(ExportTraceServiceRequest request) {
    try {
      ExportTraceServiceResponse response = stub.export(request);
      return SendOutcome.accepted(response.hasPartialSuccess() ? response.getPartialSuccess().getRejectedSpans() : 0);
    } catch (StatusRuntimeException e) {
      Status status = e.getStatus();
      String detail = status.getDescription() != null ? status.getDescription()
          : status.getCause() != null ? status.getCause().toString() : null;
      String message = status.getCode() + (detail == null ? "" : ": " + detail);
      return RETRYABLE.contains(status.getCode())
          ? SendOutcome.retryable(message, Duration.ZERO)
          : SendOutcome.permanent(message);
    } catch (RuntimeException e) {
      // Armeria maps transport failures to statuses; anything else is unexpected, so do not hammer it.
      return SendOutcome.permanent(e.toString());
    }
  }
}
