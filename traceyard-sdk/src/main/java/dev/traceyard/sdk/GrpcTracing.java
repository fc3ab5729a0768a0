package dev.traceyard.sdk;

import io.grpc.ClientInterceptor;
import io.grpc.ServerInterceptor;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.instrumentation.grpc.v1_6.GrpcTelemetry;

/**
 * gRPC client and server spans with context propagation in the metadata, from OpenTelemetry's
 * {@code opentelemetry-grpc-1.6} library instrumentation. Works with grpc-java channels and servers and
 * with Armeria's {@code GrpcService.builder().intercept(...)} / {@code GrpcClients.builder(...).intercept(...)}.
 */
public final class GrpcTracing {

  private final GrpcTelemetry telemetry;

  private GrpcTracing(GrpcTelemetry telemetry) {
    this.telemetry = telemetry;
  }

  public static GrpcTracing create(OpenTelemetry openTelemetry) {
    return new GrpcTracing(GrpcTelemetry.create(openTelemetry));
  }

  /** SERVER spans, child of the caller's span found in the request metadata; current in the handler. */
  public ServerInterceptor serverInterceptor() {
    return telemetry.createServerInterceptor();
  }

  /** CLIENT spans that write their context into the request metadata. */
  public ClientInterceptor clientInterceptor() {
    return telemetry.createClientInterceptor();
  }
}
