package dev.traceyard.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.testing.exporter.InMemoryLogRecordExporter;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.semconv.ServiceAttributes;
import java.time.Duration;
import java.util.Collection;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class TraceyardTest {

  private TraceyardSdk sdk;

  /** No network in unit tests: nothing exported over OTLP unless a test adds an exporter. */
  static TraceyardBuilder offline() {
    return Traceyard.builder()
        .property("otel.traces.exporter", "none")
        .property("otel.metrics.exporter", "none")
        .property("otel.logs.exporter", "none")
        .registerShutdownHook(false);
  }

  @AfterEach
  void tearDown() {
    if (sdk != null) {
      sdk.shutdown();
    }
    Traceyard.resetForTest();
  }

  @Test
  void buildsTheResourceWithServiceIdentityInstanceIdAndHostBeforeTheProviders() {
    sdk =
        offline()
            .serviceName("checkout")
            .serviceVersion("1.4.2")
            .serviceNamespace("shop")
            .environment("production")
            .build();
    var resource = sdk.resource();
    assertThat(resource.getAttribute(ServiceAttributes.SERVICE_NAME)).isEqualTo("checkout");
    assertThat(resource.getAttribute(ServiceAttributes.SERVICE_VERSION)).isEqualTo("1.4.2");
    assertThat(resource.getAttribute(ServiceAttributes.SERVICE_NAMESPACE)).isEqualTo("shop");
    assertThat(resource.getAttribute(AttributeKey.stringKey("deployment.environment.name")))
        .isEqualTo("production");
    assertThat(UUID.fromString(resource.getAttribute(ServiceAttributes.SERVICE_INSTANCE_ID))).isNotNull();
    assertThat(resource.getAttribute(AttributeKey.stringKey("host.name"))).isNotBlank();
    assertThat(resource.getAttribute(AttributeKey.stringKey("telemetry.sdk.language"))).isEqualTo("java");
  }

  @Test
  void exportsSpansWithTheSameResource() {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    sdk = offline().serviceName("checkout").addSpanExporter(spans).build();
    sdk.getTracer("test").spanBuilder("work").startSpan().end();
    assertThat(sdk.forceFlush(Duration.ofSeconds(5))).isTrue();
    assertThat(spans.getFinishedSpanItems()).singleElement()
        .satisfies(span -> assertThat(span.getResource()).isEqualTo(sdk.resource()));
  }

  @Test
  void environmentWinsOverBuilderDefaults() {
    System.setProperty("otel.resource.attributes", "service.version=9.9.9,deployment.environment.name=staging");
    System.setProperty("otel.service.name", "from-env");
    try {
      sdk = offline().serviceName("from-code").serviceVersion("1.0").environment("prod").build();
      assertThat(sdk.resource().getAttribute(ServiceAttributes.SERVICE_NAME)).isEqualTo("from-env");
      assertThat(sdk.resource().getAttribute(ServiceAttributes.SERVICE_VERSION)).isEqualTo("9.9.9");
      assertThat(sdk.resource().getAttribute(AttributeKey.stringKey("deployment.environment.name")))
          .isEqualTo("staging");
    } finally {
      System.clearProperty("otel.resource.attributes");
      System.clearProperty("otel.service.name");
    }
  }

  @Test
  void defaultsToParentBasedSamplingAndW3cPropagationBehindTheBaggageGuard() {
    sdk = offline().build();
    assertThat(sdk.sdk().getSdkTracerProvider().getSampler().getDescription())
        .startsWith("ParentBased{root:AlwaysOnSampler");
    assertThat(sdk.getPropagators().getTextMapPropagator()).isInstanceOf(BaggageGuard.class);
    assertThat(sdk.getPropagators().getTextMapPropagator().fields())
        .containsExactlyInAnyOrder("traceparent", "tracestate", "baggage");
  }

  @Test
  void selectsB3AndJaegerPropagatorsFromOtelPropagators() {
    sdk = offline().property("otel.propagators", "tracecontext,b3multi,jaeger").build();
    assertThat(sdk.getPropagators().getTextMapPropagator().fields())
        .contains("traceparent", "X-B3-TraceId", "uber-trace-id");
  }

  @Test
  void selectsTheRateLimitingSamplerThroughTheSamplerSpi() {
    sdk =
        offline()
            .property("otel.traces.sampler", "parentbased_traceyard_ratelimiting")
            .property("otel.traces.sampler.arg", "25")
            .build();
    assertThat(sdk.sdk().getSdkTracerProvider().getSampler().getDescription())
        .isEqualTo("ParentBased{root:TraceyardRateLimitingSampler{spansPerSecond=25.0},"
            + "remoteParentSampled:AlwaysOnSampler,remoteParentNotSampled:AlwaysOffSampler,"
            + "localParentSampled:AlwaysOnSampler,localParentNotSampled:AlwaysOffSampler}");
    sdk.shutdown();
    sdk = offline().property("otel.traces.sampler", "traceyard_ratelimiting").build();
    assertThat(sdk.sdk().getSdkTracerProvider().getSampler().getDescription())
        .isEqualTo("TraceyardRateLimitingSampler{spansPerSecond=100.0}");
  }

  @Test
  void refusesABadSamplerArgumentNamingTheSetting() {
    assertThatThrownBy(
            () ->
                offline()
                    .property("otel.traces.sampler", "parentbased_traceyard_ratelimiting")
                    .property("otel.traces.sampler.arg", "lots")
                    .build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("OTEL_TRACES_SAMPLER_ARG")
        .hasMessageContaining("lots");
  }

  @Test
  void refusesABadTraceyardSettingNamingIt() {
    assertThatThrownBy(() -> offline().property("traceyard.baggage.max.entries", "-1").build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("traceyard.baggage.max.entries");
  }

  @Test
  void otelSdkDisabledGivesANoopSdkThatStillShutsDown() {
    sdk = offline().property("otel.sdk.disabled", "true").build();
    assertThat(sdk.getTracer("test").spanBuilder("nothing").startSpan().getSpanContext().isValid()).isFalse();
    assertThat(sdk.shutdown()).isTrue();
  }

  @Test
  void addedExportersFollowTheOtelBspSettings() {
    CountDownLatch release = new CountDownLatch(1);
    sdk =
        offline()
            .addSpanExporter(new BlockingExporter(release))
            .property("otel.bsp.max.queue.size", "10")
            .property("otel.bsp.max.export.batch.size", "5")
            .build();
    for (int i = 0; i < 100; i++) {
      sdk.getTracer("test").spanBuilder("s" + i).startSpan().end();
    }
    // 5 in the blocked export, a queue of 10 (16 once the SDK rounds it to a power of two): most of the
    // 100 dropped, where the default queue of 2048 would have dropped none
    await().atMost(Duration.ofSeconds(30)).until(() -> sdk.checkDrops() >= 50);
    release.countDown();
    assertThatThrownBy(() -> offline().addSpanExporter(InMemorySpanExporter.create()).property("otel.bsp.max.queue.size", "0").build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("otel.bsp.max.queue.size");
  }

  @Test
  void badLogBatchSettingNamesItsKey() {
    assertThatThrownBy(() -> offline().addLogRecordExporter(InMemoryLogRecordExporter.create()).property("otel.blrp.export.timeout", "soon").build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("otel.blrp.export.timeout");
    assertThatThrownBy(() -> offline().addLogRecordExporter(InMemoryLogRecordExporter.create()).property("otel.blrp.max.export.batch.size", "-1").build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("otel.blrp.max.export.batch.size");
  }

  @Test
  void codeSamplerIsWrappedInParentBased() {
    sdk = offline().sampler(RateLimitingSampler.create(3)).build();
    assertThat(sdk.sdk().getSdkTracerProvider().getSampler().getDescription())
        .startsWith("ParentBased{root:TraceyardRateLimitingSampler{spansPerSecond=3.0}");
  }

  @Test
  void installsGloballyOnceAndRefusesASecondInit() {
    sdk = offline().install();
    assertThat(GlobalOpenTelemetry.isSet()).isTrue();
    assertThat(GlobalOpenTelemetry.getPropagators()).isSameAs(sdk.getPropagators());
    assertThatThrownBy(() -> offline().install())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already called")
        .hasMessageContaining("once");
  }

  @Test
  void refusesToInitAfterAnotherSdkWasInstalledGlobally() {
    OpenTelemetrySdk other = OpenTelemetrySdk.builder().build();
    GlobalOpenTelemetry.set(other);
    try {
      assertThatThrownBy(() -> offline().install())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("already set by another SDK");
    } finally {
      other.close();
    }
  }

  @Test
  void shutdownExportsWhatIsStillBuffered() {
    // not InMemorySpanExporter: its shutdown forgets what it received
    java.util.List<SpanData> received = new java.util.concurrent.CopyOnWriteArrayList<>();
    sdk = offline().addSpanExporter(new CollectingExporter(received)).build();
    sdk.getTracer("test").spanBuilder("last words").startSpan().end();
    assertThat(sdk.shutdown()).isTrue();
    assertThat(received).extracting(SpanData::getName).containsExactly("last words");
  }

  @Test
  void shutdownGivesUpOnAStuckExporterWithinTheTimeout() {
    CountDownLatch never = new CountDownLatch(1);
    sdk =
        offline()
            .addSpanExporter(new BlockingExporter(never))
            .shutdownTimeout(Duration.ofMillis(300))
            .build();
    sdk.getTracer("test").spanBuilder("stuck").startSpan().end();
    long start = System.nanoTime();
    boolean flushed = sdk.shutdown();
    long tookMillis = (System.nanoTime() - start) / 1_000_000;
    never.countDown();
    assertThat(flushed).isFalse();
    // bounded: the 300 ms budget, not the BatchSpanProcessor's 30 s export timeout
    assertThat(tookMillis).isLessThan(10_000);
  }

  @Test
  void warnsAndCountsWhenTheSpanProcessorDropsSpans() {
    CountDownLatch release = new CountDownLatch(1);
    InMemoryMetricReader metrics = InMemoryMetricReader.create();
    ListAppender<ILoggingEvent> warnings = capture(SpanDropWatcher.class);
    sdk =
        offline()
            .addSpanExporter(new BlockingExporter(release))
            .addMetricReader(metrics)
            .registerShutdownHook(false)
            .build();
    Tracer tracer = sdk.getTracer("test");
    // the exporter blocks: 512 spans in the batch being exported, 2048 in the queue, the rest dropped
    for (int i = 0; i < 5000; i++) {
      tracer.spanBuilder("span-" + i).startSpan().end();
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> sdk.checkDrops() >= 5000 - 2048 - 512);
    release.countDown();
    assertThat(warnings.list)
        .anySatisfy(
            event -> {
              assertThat(event.getLevel()).isEqualTo(Level.WARN);
              assertThat(event.getFormattedMessage()).contains("dropped").contains("OTEL_BSP_MAX_QUEUE_SIZE");
            });
    Collection<MetricData> exported = metrics.collectAllMetrics();
    assertThat(exported)
        .anySatisfy(metric -> assertThat(metric.getName()).isIn(SpanDropWatcher.LEGACY_METRIC, SpanDropWatcher.SEMCONV_METRIC));
    // a second check without new drops stays quiet
    int before = warnings.list.size();
    sdk.checkDrops();
    assertThat(warnings.list).hasSize(before);
  }

  @Test
  void metricsCarryTheSameResourceAsSpans() {
    InMemoryMetricReader metrics = InMemoryMetricReader.create();
    sdk = offline().serviceName("inventory").addMetricReader(metrics).build();
    sdk.getMeter("test").counterBuilder("orders").build().add(1);
    assertThat(metrics.collectAllMetrics())
        .filteredOn(metric -> metric.getName().equals("orders"))
        .singleElement()
        .satisfies(metric -> assertThat(metric.getResource()).isEqualTo(sdk.resource()));
  }

  @Test
  void logsAWarningWhenTheBaggageGuardDroppedEntries() {
    ListAppender<ILoggingEvent> warnings = capture(TraceyardSdk.class);
    sdk = offline().build();
    java.util.Map<String, String> headers = new java.util.HashMap<>();
    sdk.getPropagators()
        .getTextMapPropagator()
        .inject(
            io.opentelemetry.context.Context.root()
                .with(io.opentelemetry.api.baggage.Baggage.builder().put("user.email", "x").build()),
            headers,
            java.util.Map::put);
    assertThat(headers).doesNotContainKey("baggage");
    sdk.checkDrops();
    sdk.checkDrops(); // nothing new: no second line
    assertThat(warnings.list)
        .filteredOn(event -> event.getFormattedMessage().contains("baggage guard dropped 1"))
        .hasSize(1);
  }

  static ListAppender<ILoggingEvent> capture(Class<?> loggerOf) {
    ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(loggerOf);
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    logger.addAppender(appender);
    return appender;
  }

  /** A span exporter with nothing to flush or shut down: subclasses differ only in {@code export}. */
  abstract static class ExportOnlyExporter implements SpanExporter {
    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }

  /** Keeps what it exported, also after shutdown. */
  static final class CollectingExporter extends ExportOnlyExporter {
    private final java.util.List<SpanData> received;

    CollectingExporter(java.util.List<SpanData> received) {
      this.received = received;
    }

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
      received.addAll(spans);
      return CompletableResultCode.ofSuccess();
    }
  }

  /** An exporter whose backend hangs until released. */
  static final class BlockingExporter extends ExportOnlyExporter {
    private final CountDownLatch release;

    BlockingExporter(CountDownLatch release) {
      this.release = release;
    }

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return CompletableResultCode.ofSuccess();
    }
  }
}
