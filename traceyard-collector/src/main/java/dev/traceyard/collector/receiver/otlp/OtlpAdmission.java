package dev.traceyard.collector.receiver.otlp;

import com.google.protobuf.Any;
import com.google.rpc.Code;
import com.google.rpc.RetryInfo;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.receiver.admission.AdmissionConfig;
import dev.traceyard.collector.receiver.admission.AdmissionDecorator;
import dev.traceyard.collector.receiver.admission.AdmissionLimiter;
import java.time.Duration;

/**
 * The OTLP receiver's admission control ({@code admission.request_limit_mib} of a protocol): one
 * limiter per transport, refusals counted as {@code reason=admission_limit} and answered as
 * otelcol answers a memory limit: RESOURCE_EXHAUSTED with a RetryInfo detail, HTTP 429 with
 * Retry-After, both of which our exporter and the OpenTelemetry SDKs retry.
 */
final class OtlpAdmission {
  static final String IN_FLIGHT_BYTES = "traceyard_receiver_admission_in_flight_bytes";

  private OtlpAdmission() {}

  /** The decorator for one transport, or null when its admission control is off. */
  static AdmissionDecorator decorator(AdmissionConfig config, ComponentSettings settings, String transport,
      long maxRequestBytes, TransportTelemetry telemetry) {
    if (config == null || !config.enabled()) {
      return null;
    }
    AdmissionLimiter limiter = new AdmissionLimiter(config.requestLimitBytes());
    settings.telemetry().gaugeCallback(IN_FLIGHT_BYTES,
        "Request bytes a receiver holds (read, decoding or being consumed), bounded by admission.request_limit_mib.",
        new String[] {"receiver", "transport"}, new String[] {settings.id().toString(), transport},
        limiter::inFlightBytes);
    boolean grpc = transport.equals(OtlpReceiver.GRPC);
    return new AdmissionDecorator(limiter, maxRequestBytes, new AdmissionDecorator.Refusals() {
      @Override
      public void count(ServiceRequestContext ctx, String detail) {
        telemetry.refusedOnce(ctx, RefusalReason.ADMISSION_LIMIT, ctx.path() + ": " + detail);
      }

      @Override
      public HttpResponse respond(ServiceRequestContext ctx, HttpRequest req, String message, Duration retryAfter) {
        MediaType ct = req.contentType();
        if (grpc && ct != null && ct.subtype().startsWith("grpc")) {
          return HttpResponse.of(GrpcResponses.trailersOnly(ct, grpcStatus(message, retryAfter)));
        }
        return OtlpHttpService.throttled(req.contentType(), message, retryAfter);
      }
    });
  }

  /** RESOURCE_EXHAUSTED with the delay in a RetryInfo detail, without which clients may not retry it. */
  static com.google.rpc.Status grpcStatus(String message, Duration retryAfter) {
    return com.google.rpc.Status.newBuilder().setCode(Code.RESOURCE_EXHAUSTED_VALUE).setMessage(message)
        .addDetails(Any.pack(RetryInfo.newBuilder().setRetryDelay(com.google.protobuf.Duration.newBuilder()
            .setSeconds(retryAfter.getSeconds()).setNanos(retryAfter.getNano())).build()))
        .build();
  }

  /** For an HTTP status check in tests and docs: what an over-limit OTLP/HTTP request gets. */
  static HttpStatus httpStatus() {
    return HttpStatus.TOO_MANY_REQUESTS;
  }
}
