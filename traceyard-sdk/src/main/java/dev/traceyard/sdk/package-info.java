/**
 * traceyard-sdk: the OpenTelemetry Java SDK wired for production services.
 *
 * <p>Start with {@link dev.traceyard.sdk.Traceyard#init()} (or {@link dev.traceyard.sdk.Traceyard#builder()});
 * the helpers ({@link dev.traceyard.sdk.ContextExecutors}, {@link dev.traceyard.sdk.ContextFutures},
 * {@link dev.traceyard.sdk.Messaging}, {@link dev.traceyard.sdk.KafkaTracing},
 * {@link dev.traceyard.sdk.GrpcTracing}, {@link dev.traceyard.sdk.ArmeriaTracing},
 * {@link dev.traceyard.sdk.HttpClientTracing}) take the {@link io.opentelemetry.api.OpenTelemetry} it
 * returns. Classes in {@code dev.traceyard.sdk.internal} are service-loader plumbing, not API.
 */
package dev.traceyard.sdk;
