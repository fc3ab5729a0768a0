package dev.traceyard.collector.receiver.otlp;

import com.google.rpc.Code;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.ResponseHeadersBuilder;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.traceyard.collector.extension.auth.AuthResult;
import dev.traceyard.collector.extension.auth.HeaderMaps;
import dev.traceyard.collector.extension.auth.ServerAuthenticator;
import dev.traceyard.collector.otlp.OtlpJson;

/**
 * Refuses requests that the configured authenticator does not accept, before their body is read or
 * decoded, so that unauthenticated floods cost little: UNAUTHENTICATED for gRPC, 401 for HTTP, counted
 * as {@code reason=unauthenticated} and logged rate-limited with the reason only (never credentials).
 */
final class AuthDecorator implements DecoratingHttpServiceFunction {
  private final ServerAuthenticator authenticator;
  private final TransportTelemetry telemetry;

  AuthDecorator(ServerAuthenticator authenticator, TransportTelemetry telemetry) {
    this.authenticator = authenticator;
    this.telemetry = telemetry;
  }

  @Override
  public HttpResponse serve(HttpService delegate, ServiceRequestContext ctx, HttpRequest req) throws Exception {
    AuthResult result;
    try {
      result = authenticator.authenticate(HeaderMaps.of(req.headers()));
    } catch (RuntimeException e) {
      // An authenticator bug must refuse, never let the request through; its message could hold credentials.
      result = AuthResult.denied("the authenticator failed: " + e.getClass().getSimpleName());
    }
    if (result != null && result.authenticated()) {
      return delegate.serve(ctx, req);
    }
    String reason = result == null || result.reason() == null ? "not authenticated" : result.reason();
    telemetry.refused(RefusalReason.UNAUTHENTICATED, null, 0, req.method() + " " + ctx.path() + " from "
        + ctx.remoteAddress().getAddress().getHostAddress() + ": " + reason);
    String message = "unauthenticated: " + reason;
    MediaType ct = req.contentType();
    if (ct != null && ct.subtype().startsWith("grpc")) {
      return HttpResponse.of(GrpcResponses.trailersOnly(ct, io.grpc.Status.Code.UNAUTHENTICATED, message));
    }
    ResponseHeadersBuilder headers = ResponseHeaders.builder(HttpStatus.UNAUTHORIZED);
    String challenge = authenticator.challenge();
    if (challenge != null) {
      headers.add(HttpHeaderNames.WWW_AUTHENTICATE, challenge);
    }
    com.google.rpc.Status status = com.google.rpc.Status.newBuilder().setCode(Code.UNAUTHENTICATED_VALUE)
        .setMessage(message).build();
    if (ct != null && ct.is(OtlpHttpService.PROTOBUF)) {
      return HttpResponse.of(headers.contentType(OtlpHttpService.PROTOBUF).build(), HttpData.wrap(status.toByteArray()));
    }
    if (ct != null && ct.is(OtlpHttpService.JSON)) {
      return HttpResponse.of(headers.contentType(OtlpHttpService.JSON).build(),
          HttpData.wrap(OtlpJson.encodeToBytes(status)));
    }
    return HttpResponse.of(headers.contentType(MediaType.PLAIN_TEXT_UTF_8).build(), HttpData.ofUtf8("401 " + message));
  }
}
