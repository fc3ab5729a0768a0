package dev.traceyard.demo;

import dev.traceyard.sdk.Traceyard;
import dev.traceyard.sdk.TraceyardBuilder;
import dev.traceyard.sdk.TraceyardSdk;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import java.time.Duration;

/**
 * One service's telemetry. Several demo services share a JVM, and {@code GlobalOpenTelemetry} can be set
 * only once, so each service gets its own traceyard-sdk instance ({@code Traceyard.builder().build()}, not
 * installed globally) with its own Resource, and hands that instance to its instrumentation explicitly.
 * Under the OpenTelemetry Java agent the agent's global instance is used instead and the agent instruments
 * the libraries itself.
 */
final class ServiceTelemetry implements AutoCloseable {

  static final String VERSION = "1.4.2";

  /**
   * The SDK logs (java.util.logging, INFO) each time it merges resource detectors built on different
   * semantic-convention schema versions: two lines per service on the console of `traceyard start --demo`
   * with nothing to act on. Held in a field because JUL keeps loggers weakly.
   */
  private static final java.util.logging.Logger RESOURCE_MERGE_LOG =
      java.util.logging.Logger.getLogger("io.opentelemetry.sdk.resources.Resource");

  static {
    if (RESOURCE_MERGE_LOG.getLevel() == null) { // unless someone configured it on purpose
      RESOURCE_MERGE_LOG.setLevel(java.util.logging.Level.WARNING);
    }
  }

  private final DemoOptions.Service service;
  private final OpenTelemetry openTelemetry;
  private final TraceyardSdk sdk; // null under the agent
  private final Tracer tracer;

  private ServiceTelemetry(DemoOptions.Service service, OpenTelemetry openTelemetry, TraceyardSdk sdk) {
    this.service = service;
    this.openTelemetry = openTelemetry;
    this.sdk = sdk;
    this.tracer = openTelemetry.getTracer("dev.traceyard.demo." + service.serviceName(), VERSION);
  }

  static ServiceTelemetry create(DemoOptions.Service service, DemoOptions options) {
    if (options.useGlobalOpenTelemetry) {
      return new ServiceTelemetry(service, GlobalOpenTelemetry.get(), null);
    }
    TraceyardBuilder builder =
        Traceyard.builder()
            .serviceName(service.serviceName())
            .serviceVersion(VERSION)
            .serviceNamespace("traceyard-demo")
            .environment("demo")
            // several SDKs in one JVM: the embedding process owns shutdown, not one hook per service
            .registerShutdownHook(false)
            .shutdownTimeout(Duration.ofSeconds(5))
            // short delays so the UI shows a request a second after it happened
            .property("otel.bsp.schedule.delay", "1000")
            .property("otel.blrp.schedule.delay", "1000")
            .property("otel.metric.export.interval", "10000");
    if (options.otlpEndpoint != null) {
      // signal-specific keys: a generic OTEL_EXPORTER_OTLP_ENDPOINT in the environment must not send
      // the demo's telemetry somewhere else than the all-in-one it runs in
      for (String signal : new String[] {"traces", "metrics", "logs"}) {
        builder.property("otel.exporter.otlp." + signal + ".endpoint", options.otlpEndpoint);
        builder.property("otel.exporter.otlp." + signal + ".protocol", "grpc");
      }
    }
    options.sdkCustomizer.accept(service, builder);
    TraceyardSdk sdk = builder.build();
    return new ServiceTelemetry(service, sdk, sdk);
  }

  DemoOptions.Service service() {
    return service;
  }

  OpenTelemetry openTelemetry() {
    return openTelemetry;
  }

  Tracer tracer() {
    return tracer;
  }

  /** False under the Java agent, which instruments Armeria, gRPC and the JDK HttpClient by itself. */
  boolean instrumentLibraries() {
    return sdk != null;
  }

  /** Exports what is buffered; true when done within the timeout (or nothing to do). */
  boolean flush(Duration timeout) {
    return sdk == null || sdk.forceFlush(timeout);
  }

  @Override
  public void close() {
    if (sdk != null) {
      sdk.shutdown();
    }
  }
}
