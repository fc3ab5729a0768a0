package dev.traceyard.sdk;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.logs.LoggerProvider;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import java.io.Closeable;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A configured OpenTelemetry SDK with Traceyard's defaults. Use it as the {@link OpenTelemetry} instance
 * handed to instrumentation; {@link #sdk()} gives the underlying {@link OpenTelemetrySdk}.
 */
public final class TraceyardSdk implements OpenTelemetry, Closeable {

  private static final Logger log = LoggerFactory.getLogger(TraceyardSdk.class);

  private final OpenTelemetrySdk sdk;
  private final Resource resource;
  private final ConfigProperties config;
  private final BaggageGuard baggageGuard;
  private final SpanDropWatcher dropWatcher;
  private final Duration shutdownTimeout;
  private final ScheduledExecutorService dropCheck;
  private final Thread shutdownHook;
  private final AtomicBoolean shutDown = new AtomicBoolean();
  private final java.util.concurrent.atomic.AtomicLong baggageDropsSeen = new java.util.concurrent.atomic.AtomicLong();

  TraceyardSdk(
      OpenTelemetrySdk sdk,
      Resource resource,
      ConfigProperties config,
      BaggageGuard baggageGuard,
      SpanDropWatcher dropWatcher,
      Duration shutdownTimeout,
      Duration dropCheckInterval,
      boolean registerShutdownHook) {
    this.sdk = sdk;
    this.resource = resource;
    this.config = config;
    this.baggageGuard = baggageGuard;
    this.dropWatcher = dropWatcher;
    this.shutdownTimeout = shutdownTimeout == null ? Duration.ofSeconds(5) : shutdownTimeout;
    if (dropWatcher != null) {
      dropCheck =
          Executors.newSingleThreadScheduledExecutor(
              task -> {
                Thread thread = new Thread(task, "traceyard-span-drop-check");
                thread.setDaemon(true);
                return thread;
              });
      long millis = dropCheckInterval.toMillis();
      dropCheck.scheduleWithFixedDelay(this::checkDrops, millis, millis, TimeUnit.MILLISECONDS);
    } else {
      dropCheck = null;
    }
    if (registerShutdownHook) {
      shutdownHook = new Thread(this::shutdownFromHook, "traceyard-shutdown");
      Runtime.getRuntime().addShutdownHook(shutdownHook);
    } else {
      shutdownHook = null;
    }
  }

  @Override
  public TracerProvider getTracerProvider() {
    return sdk.getTracerProvider();
  }

  @Override
  public MeterProvider getMeterProvider() {
    return sdk.getMeterProvider();
  }

  @Override
  public LoggerProvider getLogsBridge() {
    return sdk.getLogsBridge();
  }

  @Override
  public ContextPropagators getPropagators() {
    return sdk.getPropagators();
  }

  /** The underlying SDK, e.g. for {@code OpenTelemetryAppender.install(sdk)} or provider access. */
  public OpenTelemetrySdk sdk() {
    return sdk;
  }

  /** The Resource shared by traces, metrics and logs. */
  public Resource resource() {
    return resource;
  }

  /** The guard around the propagators, absent when {@code traceyard.baggage.guard.enabled=false}. */
  public Optional<BaggageGuard> baggageGuard() {
    return Optional.ofNullable(baggageGuard);
  }

  ConfigProperties config() {
    return config;
  }

  /**
   * Spans dropped by the span processors since start-up (read from the SDK's own drop counters), logging
   * a warning when the count grew since the last check. Runs every {@code traceyard.span.drop.check.interval}.
   */
  public long checkDrops() {
    if (dropWatcher == null) {
      return 0;
    }
    try {
      checkBaggageDrops();
      return dropWatcher.check();
    } catch (RuntimeException e) { // a scheduled task that throws is never run again
      log.warn("could not read the span processors' drop counters", e);
      return 0;
    }
  }

  /** One line per interval in which the baggage guard dropped entries: never one per request. */
  private void checkBaggageDrops() {
    if (baggageGuard == null) {
      return;
    }
    long total = baggageGuard.droppedCount();
    long previous = baggageDropsSeen.getAndSet(total);
    if (total > previous) {
      log.warn(
          "the baggage guard dropped {} baggage entr(y/ies) since the last check ({} in total): keys on the"
              + " deny list or over TRACEYARD_BAGGAGE_MAX_ENTRIES/_MAX_BYTES (metric traceyard.baggage.dropped)",
          total - previous,
          total);
    }
  }

  /** Exports what is buffered; true when everything was exported within {@code timeout}. */
  public boolean forceFlush(Duration timeout) {
    CompletableResultCode result =
        CompletableResultCode.ofAll(
                java.util.List.of(
                    sdk.getSdkTracerProvider().forceFlush(),
                    sdk.getSdkMeterProvider().forceFlush(),
                    sdk.getSdkLoggerProvider().forceFlush()))
            .join(timeout.toMillis(), TimeUnit.MILLISECONDS);
    return result.isSuccess();
  }

  /**
   * Flushes and shuts down within the configured {@code traceyard.shutdown.timeout}; true when it
   * finished in time. Later calls do nothing and return true.
   */
  public boolean shutdown() {
    if (!shutDown.compareAndSet(false, true)) {
      return true;
    }
    if (shutdownHook != null && Thread.currentThread() != shutdownHook) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException alreadyShuttingDown) {
        // the JVM is exiting: the hook is running or about to, and will find shutDown set
      }
    }
    if (dropCheck != null) {
      checkDrops(); // a last warning for drops since the last periodic check
      dropCheck.shutdownNow();
    }
    CompletableResultCode result =
        sdk.shutdown().join(shutdownTimeout.toMillis(), TimeUnit.MILLISECONDS);
    if (!result.isDone()) {
      log.warn(
          "telemetry was not flushed within {} (traceyard.shutdown.timeout): buffered spans, metrics"
              + " or logs may be lost",
          shutdownTimeout);
    }
    return result.isSuccess();
  }

  private void shutdownFromHook() {
    shutdown();
  }

  @Override
  public void close() {
    shutdown();
  }

  @Override
  public String toString() {
    return "TraceyardSdk{resource=" + resource + "}";
  }
}
