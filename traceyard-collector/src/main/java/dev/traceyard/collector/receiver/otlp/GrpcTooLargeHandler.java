package dev.traceyard.collector.receiver.otlp;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.ServerErrorHandler;
import com.linecorp.armeria.server.ServiceConfig;
import com.linecorp.armeria.server.ServiceRequestContext;

/**
 * Armeria refuses a request whose declared length is over the server's limit before any gRPC code
 * runs, with a plain HTTP 413. gRPC clients expect a gRPC status instead, so this answers such gRPC
 * requests with RESOURCE_EXHAUSTED (and counts them); everything else goes to Armeria's default.
 */
final class GrpcTooLargeHandler implements ServerErrorHandler {
  private final TransportTelemetry telemetry;
  private final int maxMessageBytes;

  GrpcTooLargeHandler(TransportTelemetry telemetry, int maxMessageBytes) {
    this.telemetry = telemetry;
    this.maxMessageBytes = maxMessageBytes;
  }

  @Override
  public HttpResponse onServiceException(ServiceRequestContext ctx, Throwable cause) {
    return null;
  }

  @Override
  public AggregatedHttpResponse onProtocolViolation(ServiceConfig config, RequestHeaders headers, HttpStatus status,
      String description, Throwable cause) {
    return render(null, headers, status);
  }

  @Override
  public AggregatedHttpResponse renderStatus(ServiceRequestContext ctx, ServiceConfig config, RequestHeaders headers,
      HttpStatus status, String description, Throwable cause) {
    return render(ctx, headers, status);
  }

  private AggregatedHttpResponse render(ServiceRequestContext ctx, RequestHeaders headers, HttpStatus status) {
    MediaType ct = headers == null ? null : headers.contentType();
    if (!status.equals(HttpStatus.REQUEST_ENTITY_TOO_LARGE) || ct == null || !ct.subtype().startsWith("grpc")) {
      return null;
    }
    String message = "the request exceeds max_recv_msg_size_mib (" + maxMessageBytes + " bytes)";
    telemetry.refusedOnce(ctx, RefusalReason.TOO_LARGE, headers.path() + ": " + message);
    return AggregatedHttpResponse.of(GrpcResponses.trailersOnly(ct, io.grpc.Status.Code.RESOURCE_EXHAUSTED, message));
  }
}
