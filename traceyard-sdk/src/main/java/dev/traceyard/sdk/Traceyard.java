package dev.traceyard.sdk;

import io.opentelemetry.api.GlobalOpenTelemetry;

/**
 * Entry point: {@code TraceyardSdk otel = Traceyard.init();} at the top of {@code main}.
 *
 * <p>Configured by the standard OpenTelemetry environment ({@code OTEL_SERVICE_NAME},
 * {@code OTEL_RESOURCE_ATTRIBUTES}, {@code OTEL_EXPORTER_OTLP_ENDPOINT}, {@code OTEL_TRACES_SAMPLER},
 * {@code OTEL_BSP_*}, ...) through the SDK's own autoconfigure, plus a few {@code TRACEYARD_*} settings;
 * see {@link TraceyardBuilder} for the defaults it adds.
 */
public final class Traceyard {

  private static final Object LOCK = new Object();
  /** The SDK this class installed as the global one, so a second init can say who was first. */
  private static TraceyardSdk installed;

  private Traceyard() {}

  /**
   * Builds the SDK from the environment, installs it as {@link GlobalOpenTelemetry}, wires log
   * correlation and a shutdown hook.
   *
   * @throws IllegalStateException if called twice, or if another SDK was installed globally before
   */
  public static TraceyardSdk init() {
    return builder().install();
  }

  public static TraceyardBuilder builder() {
    return new TraceyardBuilder();
  }

  static TraceyardSdk install(TraceyardBuilder builder) {
    synchronized (LOCK) {
      if (installed != null) {
        throw new IllegalStateException(
            "Traceyard.init() was already called in this JVM (service.name="
                + installed.resource().getAttribute(io.opentelemetry.semconv.ServiceAttributes.SERVICE_NAME)
                + "): the global OpenTelemetry can be installed once. Keep the TraceyardSdk the first call"
                + " returned, or use Traceyard.builder().build() for an SDK that is not global.");
      }
      if (GlobalOpenTelemetry.isSet()) {
        throw new IllegalStateException(
            "GlobalOpenTelemetry was already set by another SDK (the OpenTelemetry Java agent, a framework"
                + " starter, or code calling GlobalOpenTelemetry.set/AutoConfiguredOpenTelemetrySdk"
                + ".initialize): Traceyard.init() must be the first to install it. Remove the other"
                + " initialisation, or use Traceyard.builder().build() for an SDK that is not global.");
      }
      TraceyardSdk sdk = builder.buildInternal(true);
      try {
        GlobalOpenTelemetry.set(sdk);
      } catch (IllegalStateException raced) {
        sdk.shutdown();
        throw new IllegalStateException(
            "GlobalOpenTelemetry was set by another SDK while Traceyard.init() was running", raced);
      }
      installed = sdk;
      builder.afterInstall(sdk);
      return sdk;
    }
  }

  /** Tests only: forgets the installed SDK and resets {@link GlobalOpenTelemetry}. */
  static void resetForTest() {
    synchronized (LOCK) {
      installed = null;
      GlobalOpenTelemetry.resetForTest();
    }
  }
}
