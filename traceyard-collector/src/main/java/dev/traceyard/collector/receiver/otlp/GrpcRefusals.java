package dev.traceyard.collector.receiver.otlp;

import com.google.protobuf.InvalidProtocolBufferException;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.RequestContext;
import com.linecorp.armeria.common.grpc.GrpcExceptionHandlerFunction;
import com.linecorp.armeria.server.HttpStatusException;
import dev.traceyard.collector.receiver.admission.AdmissionDecorator;
import dev.traceyard.collector.receiver.admission.AdmissionRefusedException;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;

/**
 * Maps failures that happen before our service sees a request (deframing, decompression, parsing) to
 * otelcol's statuses and counts them: a bad payload is INVALID_ARGUMENT (Armeria says INTERNAL, which
 * would invite a pointless retry), an oversized one RESOURCE_EXHAUSTED.
 */
final class GrpcRefusals implements GrpcExceptionHandlerFunction {
  private static final Metadata.Key<com.google.rpc.Status> DETAILS =
      ProtoUtils.keyForProto(com.google.rpc.Status.getDefaultInstance());

  private final TransportTelemetry telemetry;
  private final int maxMessageBytes;

  GrpcRefusals(TransportTelemetry telemetry, int maxMessageBytes) {
    this.telemetry = telemetry;
    this.maxMessageBytes = maxMessageBytes;
  }

  @Override
  public Status apply(RequestContext ctx, Status status, Throwable cause, Metadata metadata) {
    Metadata own = Status.trailersFromThrowable(cause);
    if (own != null && own.containsKey(DETAILS)) {
      return status; // our own refusal of a decoded request, already counted
    }
    AdmissionRefusedException overAdmission = AdmissionRefusedException.find(cause);
    if (overAdmission != null) {
      // Counted by the admission decorator; the RetryInfo makes clients retry RESOURCE_EXHAUSTED.
      com.google.rpc.Status details = OtlpAdmission.grpcStatus(overAdmission.getMessage(), AdmissionDecorator.RETRY_AFTER);
      metadata.put(DETAILS, details);
      return Status.RESOURCE_EXHAUSTED.withDescription(overAdmission.getMessage());
    }
    InvalidProtocolBufferException invalid = find(cause, InvalidProtocolBufferException.class);
    if (invalid != null) {
      String message = "malformed OTLP request: " + invalid.getMessage();
      telemetry.refusedOnce(ctx, RefusalReason.MALFORMED, ctx.path() + ": " + message);
      return Status.INVALID_ARGUMENT.withDescription(message);
    }
    if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED || find(cause, ContentTooLargeException.class) != null
        || isHttp413(cause)) {
      String message = "the request message exceeds max_recv_msg_size_mib (" + maxMessageBytes + " bytes)"
          + (status.getDescription() == null ? "" : ": " + status.getDescription());
      telemetry.refusedOnce(ctx, RefusalReason.TOO_LARGE, ctx.path() + ": " + message);
      return Status.RESOURCE_EXHAUSTED.withDescription(message);
    }
    return status;
  }

  private static boolean isHttp413(Throwable cause) {
    HttpStatusException e = find(cause, HttpStatusException.class);
    return e != null && e.httpStatus().equals(HttpStatus.REQUEST_ENTITY_TOO_LARGE);
  }

  private static <T extends Throwable> T find(Throwable t, Class<T> type) {
    for (int depth = 0; t != null && depth < 10; depth++, t = t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }
}
