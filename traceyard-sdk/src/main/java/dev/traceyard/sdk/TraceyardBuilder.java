package dev.traceyard.sdk;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;
import io.opentelemetry.sdk.logs.export.BatchLogRecordProcessor;
import io.opentelemetry.sdk.logs.export.LogRecordExporter;
import io.opentelemetry.sdk.metrics.export.MetricReader;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.semconv.ServiceAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Builds a {@link TraceyardSdk}: the OpenTelemetry SDK configured by its autoconfigure from the standard
 * {@code OTEL_*} environment and system properties, with these production defaults on top.
 *
 * <ul>
 *   <li>Resource: {@code service.name}, {@code service.version}, {@code service.namespace},
 *       {@code deployment.environment.name}, {@code service.instance.id} (a random UUID per process) and
 *       the {@code host.*}, {@code os.*}, {@code process.*} detectors, built before any provider so traces,
 *       metrics and logs carry the same Resource.
 *   <li>Traces: BatchSpanProcessor, {@code parentbased_always_on} unless {@code OTEL_TRACES_SAMPLER} says
 *       otherwise, W3C {@code tracecontext,baggage} propagation ({@code b3}, {@code b3multi},
 *       {@code jaeger} selectable in {@code OTEL_PROPAGATORS}), baggage guarded by {@link BaggageGuard}.
 *   <li>A warning in the log when the span processor drops spans ({@code traceyard.span.drop.check.interval},
 *       default 30s) next to the SDK's own drop counters.
 *   <li>A shutdown hook that flushes everything within {@code traceyard.shutdown.timeout} (default 5s).
 * </ul>
 *
 * <p>Values set here are defaults: the environment and system properties win over them, so operators can
 * change a service's telemetry without a rebuild. {@link #sampler} is the exception, being code.
 */
public final class TraceyardBuilder {

  static final String SHUTDOWN_TIMEOUT = "traceyard.shutdown.timeout";
  static final String DROP_CHECK_INTERVAL = "traceyard.span.drop.check.interval";
  static final String BAGGAGE_GUARD_ENABLED = "traceyard.baggage.guard.enabled";
  static final String BAGGAGE_MAX_ENTRIES = "traceyard.baggage.max.entries";
  static final String BAGGAGE_MAX_BYTES = "traceyard.baggage.max.bytes";
  static final String BAGGAGE_DENIED_KEYS = "traceyard.baggage.denied.keys";
  static final String LOGBACK_ENABLED = "traceyard.logback.enabled";
  static final String INSTRUMENTATION_NAME = "dev.traceyard.sdk";

  // spelled out: the incubating semconv constant is deprecated while the key itself is current
  private static final AttributeKey<String> ENVIRONMENT =
      AttributeKey.stringKey("deployment.environment.name");

  private final Map<String, String> defaults = new HashMap<>();
  private final List<SpanExporter> spanExporters = new ArrayList<>();
  private final List<LogRecordExporter> logExporters = new ArrayList<>();
  private final List<MetricReader> metricReaders = new ArrayList<>();
  private Sampler rootSampler;
  private boolean shutdownHook = true;

  TraceyardBuilder() {}

  /** {@code service.name}, unless {@code OTEL_SERVICE_NAME} or {@code OTEL_RESOURCE_ATTRIBUTES} set it. */
  public TraceyardBuilder serviceName(String serviceName) {
    return property("otel.service.name", requireText(serviceName, "serviceName"));
  }

  /** {@code service.version}, unless {@code OTEL_RESOURCE_ATTRIBUTES} sets it. Default {@code unknown}. */
  public TraceyardBuilder serviceVersion(String version) {
    return property("traceyard.service.version", requireText(version, "version"));
  }

  /** {@code service.namespace}, unless {@code OTEL_RESOURCE_ATTRIBUTES} sets it. Default {@code default}. */
  public TraceyardBuilder serviceNamespace(String namespace) {
    return property("traceyard.service.namespace", requireText(namespace, "namespace"));
  }

  /** {@code deployment.environment.name} unless the environment sets it. Default {@code unknown}. */
  public TraceyardBuilder environment(String environment) {
    return property("traceyard.deployment.environment", requireText(environment, "environment"));
  }

  /**
   * A default for any autoconfigure or Traceyard property ({@code otel.bsp.max.queue.size},
   * {@code otel.traces.exporter}, {@code traceyard.shutdown.timeout}, ...): the environment variable or
   * system property of the same name wins.
   */
  public TraceyardBuilder property(String key, String value) {
    defaults.put(requireText(key, "key"), Objects.requireNonNull(value, "value"));
    return this;
  }

  /**
   * Root sampler for this service, wrapped in {@link Sampler#parentBased}: decides for traces that start
   * here, follows the caller's decision otherwise. Overrides {@code OTEL_TRACES_SAMPLER}.
   */
  public TraceyardBuilder sampler(Sampler rootSampler) {
    this.rootSampler = Objects.requireNonNull(rootSampler, "rootSampler");
    return this;
  }

  /**
   * Also export spans to {@code exporter}, through its own BatchSpanProcessor configured by the same
   * {@code OTEL_BSP_*} settings (tests: InMemorySpanExporter).
   */
  public TraceyardBuilder addSpanExporter(SpanExporter exporter) {
    spanExporters.add(Objects.requireNonNull(exporter, "exporter"));
    return this;
  }

  /** Also export log records to {@code exporter}, through its own BatchLogRecordProcessor. */
  public TraceyardBuilder addLogRecordExporter(LogRecordExporter exporter) {
    logExporters.add(Objects.requireNonNull(exporter, "exporter"));
    return this;
  }

  /** Also read metrics with {@code reader} (tests: InMemoryMetricReader). */
  public TraceyardBuilder addMetricReader(MetricReader reader) {
    metricReaders.add(Objects.requireNonNull(reader, "reader"));
    return this;
  }

  /** Flush-on-exit budget; the default 5s keeps a stuck exporter from holding the JVM open. */
  public TraceyardBuilder shutdownTimeout(Duration timeout) {
    requirePositive(timeout, "timeout");
    return property(SHUTDOWN_TIMEOUT, timeout.toMillis() + "ms");
  }

  /** Whether to register the JVM shutdown hook that flushes and shuts the SDK down (default true). */
  public TraceyardBuilder registerShutdownHook(boolean register) {
    this.shutdownHook = register;
    return this;
  }

  /** Builds an SDK that is not installed globally (no log wiring either): tests, several SDKs per JVM. */
  public TraceyardSdk build() {
    return buildInternal(false);
  }

  /** Builds, installs as GlobalOpenTelemetry and wires log correlation: what {@link Traceyard#init()} does. */
  public TraceyardSdk install() {
    return Traceyard.install(this);
  }

  TraceyardSdk buildInternal(boolean global) {
    AtomicReference<ConfigProperties> configRef = new AtomicReference<>();
    AtomicReference<Resource> resourceRef = new AtomicReference<>();
    AtomicReference<MeterProvider> meterProvider = new AtomicReference<>(MeterProvider.noop());
    SpanDropWatcher dropWatcher = new SpanDropWatcher();
    Map<String, String> defaultsCopy = Map.copyOf(defaults);

    var auto =
        AutoConfiguredOpenTelemetrySdk.builder()
            .addPropertiesSupplier(() -> defaultsCopy)
            .disableShutdownHook()
            .addResourceCustomizer(
                (resource, config) -> {
                  Resource completed = withIdentity(resource, config);
                  configRef.set(config);
                  resourceRef.set(completed);
                  return completed;
                })
            .addMeterProviderCustomizer(
                (builder, config) -> {
                  builder.registerMetricReader(dropWatcher);
                  metricReaders.forEach(builder::registerMetricReader);
                  return builder;
                })
            .addTracerProviderCustomizer(
                (builder, config) -> {
                  for (SpanExporter exporter : spanExporters) {
                    builder.addSpanProcessor(batchSpanProcessor(exporter, config, meterProvider));
                  }
                  return builder;
                })
            .addLoggerProviderCustomizer(
                (builder, config) -> {
                  for (LogRecordExporter exporter : logExporters) {
                    builder.addLogRecordProcessor(batchLogProcessor(exporter, config));
                  }
                  return builder;
                });
    if (rootSampler != null) {
      Sampler sampler = Sampler.parentBased(rootSampler);
      auto.addSamplerCustomizer((configured, config) -> sampler);
    }
    OpenTelemetrySdk autoSdk = auto.build().getOpenTelemetrySdk();
    ConfigProperties config = configRef.get();
    if (config == null) { // OTEL_SDK_DISABLED=true: autoconfigure built a no-op SDK without a resource
      return new TraceyardSdk(autoSdk, Resource.getDefault(), null, null, null, null, null, false);
    }
    meterProvider.set(autoSdk.getSdkMeterProvider());

    BaggageGuard guard = null;
    TextMapPropagator propagator = autoSdk.getPropagators().getTextMapPropagator();
    if (config.getBoolean(BAGGAGE_GUARD_ENABLED, true)) {
      guard = baggageGuard(propagator, config);
      guard.registerMetrics(autoSdk.getSdkMeterProvider().get(INSTRUMENTATION_NAME));
      propagator = guard;
    }
    // Same providers, one propagator around the whole composite so a dropped entry is counted once.
    OpenTelemetrySdk sdk =
        OpenTelemetrySdk.builder()
            .setTracerProvider(autoSdk.getSdkTracerProvider())
            .setMeterProvider(autoSdk.getSdkMeterProvider())
            .setLoggerProvider(autoSdk.getSdkLoggerProvider())
            .setPropagators(ContextPropagators.create(propagator))
            .build();
    Duration shutdownTimeout = positive(config, SHUTDOWN_TIMEOUT, Duration.ofSeconds(5));
    Duration dropCheck = positive(config, DROP_CHECK_INTERVAL, Duration.ofSeconds(30));
    return new TraceyardSdk(
        sdk, resourceRef.get(), config, guard, dropWatcher, shutdownTimeout, dropCheck, shutdownHook);
  }

  void afterInstall(TraceyardSdk sdk) {
    ConfigProperties config = sdk.config();
    if (config != null && config.getBoolean(LOGBACK_ENABLED, true)) {
      LogCorrelation.installLogbackIfPresent(sdk);
    }
  }

  /** The same OTEL_BSP_* settings as the processor autoconfigure builds for the OTLP exporter. */
  private static BatchSpanProcessor batchSpanProcessor(
      SpanExporter exporter, ConfigProperties config, AtomicReference<MeterProvider> meterProvider) {
    var builder =
        BatchSpanProcessor.builder(exporter)
            // the supplier is read when the first span ends, after the SDK is built
            .setMeterProvider(meterProvider::get);
    applyBatchSettings(config, "otel.bsp", builder::setScheduleDelay, builder::setMaxQueueSize,
        builder::setMaxExportBatchSize, builder::setExporterTimeout);
    return builder.build();
  }

  /** The same OTEL_BLRP_* settings as autoconfigure's log processor. */
  private static BatchLogRecordProcessor batchLogProcessor(LogRecordExporter exporter, ConfigProperties config) {
    var builder = BatchLogRecordProcessor.builder(exporter);
    applyBatchSettings(config, "otel.blrp", builder::setScheduleDelay, builder::setMaxQueueSize,
        builder::setMaxExportBatchSize, builder::setExporterTimeout);
    return builder.build();
  }

  /** The four settings both batch processors read under their prefix; a bad value names its key. */
  private static void applyBatchSettings(ConfigProperties config, String prefix,
      Consumer<Duration> scheduleDelay, Consumer<Integer> maxQueueSize,
      Consumer<Integer> maxExportBatchSize, Consumer<Duration> exportTimeout) {
    applySetting(prefix + ".schedule.delay", config::getDuration, scheduleDelay);
    applySetting(prefix + ".max.queue.size", config::getInt, maxQueueSize);
    applySetting(prefix + ".max.export.batch.size", config::getInt, maxExportBatchSize);
    applySetting(prefix + ".export.timeout", config::getDuration, exportTimeout);
  }

  private static <T> void applySetting(String key, Function<String, T> read, Consumer<T> set) {
    try {
      T value = read.apply(key);
      if (value != null) {
        set.accept(value);
      }
    } catch (IllegalArgumentException e) {
      // the builders' own range checks land here too, so their message gets the key as well
      throw new ConfigurationException(key + ": " + e.getMessage(), e);
    }
  }

  private static Resource withIdentity(Resource resource, ConfigProperties config) {
    var builder = resource.toBuilder();
    putIfAbsent(builder, resource, ServiceAttributes.SERVICE_VERSION,
        config.getString("traceyard.service.version", "unknown"));
    putIfAbsent(builder, resource, ServiceAttributes.SERVICE_NAMESPACE,
        config.getString("traceyard.service.namespace", "default"));
    putIfAbsent(builder, resource, ENVIRONMENT,
        config.getString("traceyard.deployment.environment", "unknown"));
    // one id per process, so two replicas of a service are told apart in the backend
    putIfAbsent(builder, resource, ServiceAttributes.SERVICE_INSTANCE_ID, UUID.randomUUID().toString());
    return builder.build();
  }

  private static void putIfAbsent(
      io.opentelemetry.sdk.resources.ResourceBuilder builder,
      Resource resource,
      AttributeKey<String> key,
      String value) {
    String existing = resource.getAttribute(key);
    if (existing == null || existing.isEmpty()) {
      builder.put(key, value);
    }
  }

  private static BaggageGuard baggageGuard(TextMapPropagator delegate, ConfigProperties config) {
    BaggageGuard.Builder builder = BaggageGuard.builder(delegate);
    try {
      builder.maxEntries(config.getInt(BAGGAGE_MAX_ENTRIES, BaggageGuard.DEFAULT_MAX_ENTRIES));
    } catch (IllegalArgumentException e) {
      throw new ConfigurationException(BAGGAGE_MAX_ENTRIES + ": " + e.getMessage(), e);
    }
    try {
      builder.maxBytes(config.getInt(BAGGAGE_MAX_BYTES, BaggageGuard.DEFAULT_MAX_BYTES));
    } catch (IllegalArgumentException e) {
      throw new ConfigurationException(BAGGAGE_MAX_BYTES + ": " + e.getMessage(), e);
    }
    List<String> denied = config.getList(BAGGAGE_DENIED_KEYS, BaggageGuard.DEFAULT_DENIED_KEY_PARTS);
    try {
      builder.deniedKeyParts(denied);
    } catch (IllegalArgumentException e) {
      throw new ConfigurationException(BAGGAGE_DENIED_KEYS + ": " + e.getMessage(), e);
    }
    return builder.build();
  }

  private static Duration positive(ConfigProperties config, String key, Duration fallback) {
    Duration value = config.getDuration(key, fallback);
    if (value.isNegative() || value.isZero()) {
      throw new ConfigurationException(key + ": must be a positive duration, was " + value);
    }
    return value;
  }

  private static String requireText(String value, String name) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + " must not be blank");
    }
    return value;
  }

  private static void requirePositive(Duration value, String name) {
    Objects.requireNonNull(value, name);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, was " + value);
    }
  }

}
