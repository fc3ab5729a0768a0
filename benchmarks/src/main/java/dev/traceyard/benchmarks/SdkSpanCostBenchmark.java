package dev.traceyard.benchmarks;

import dev.traceyard.sdk.Traceyard;
import dev.traceyard.sdk.TraceyardSdk;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Cost per span in a service set up with {@code Traceyard.builder()} versus the bare OpenTelemetry SDK
 * with the same sampler (ParentBased(AlwaysOn)) and processor (BatchSpanProcessor, default settings, to
 * an exporter that discards, its drop counters on a real MeterProvider): what Traceyard's wiring
 * (resource detection, baggage guard, drop watcher) adds on the request path. Both export nothing over
 * the network. A tight loop outruns the processor's export thread, so both drop most spans at the full
 * queue, as a service would under overload.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SdkSpanCostBenchmark {

  private static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
  private static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");

  @Param({"bare", "traceyard"})
  public String setup;

  /**
   * Blackhole CPU tokens of "request work" per span. 0: a tight loop that outruns the export thread, so
   * most spans are dropped at the full queue (the overload path). 1000 (a few microseconds): the export
   * thread keeps up and every span takes the normal path; the difference between setups is then the
   * per-span overhead, the work itself being the same on both sides.
   */
  @Param({"0", "1000"})
  public long work;

  /** BatchSpanProcessor queue: the default, or (SdkSpanCpuCost) large enough that a round never drops. */
  int maxQueueSize = 2048;

  private OpenTelemetry openTelemetry;
  private Tracer tracer;

  @Setup
  public void setUp() {
    if (setup.equals("bare")) {
      // the processor exactly as Traceyard configures it: BatchSpanProcessor reporting its queue and
      // drop counters to a real MeterProvider
      SdkMeterProvider meters = SdkMeterProvider.builder().build();
      openTelemetry =
          OpenTelemetrySdk.builder()
              .setMeterProvider(meters)
              .setTracerProvider(
                  SdkTracerProvider.builder()
                      .setSampler(Sampler.parentBased(Sampler.alwaysOn()))
                      .addSpanProcessor(
                          BatchSpanProcessor.builder(new DiscardingExporter())
                              .setMeterProvider(meters)
                              .setMaxQueueSize(maxQueueSize)
                              .build())
                      .build())
              .build();
    } else {
      openTelemetry =
          Traceyard.builder()
              .serviceName("bench")
              .property("otel.traces.exporter", "none")
              .property("otel.metrics.exporter", "none")
              .property("otel.logs.exporter", "none")
              .property("otel.bsp.max.queue.size", String.valueOf(maxQueueSize))
              .addSpanExporter(new DiscardingExporter())
              .registerShutdownHook(false)
              .build();
    }
    tracer = openTelemetry.getTracer("bench");
  }

  @TearDown
  public void tearDown() {
    if (openTelemetry instanceof TraceyardSdk traceyard) {
      traceyard.shutdown();
    } else {
      ((OpenTelemetrySdk) openTelemetry).close();
    }
  }

  /** Waits until every span ended so far was exported. */
  void flush() {
    if (openTelemetry instanceof TraceyardSdk traceyard) {
      traceyard.forceFlush(java.time.Duration.ofSeconds(60));
    } else {
      ((OpenTelemetrySdk) openTelemetry).getSdkTracerProvider().forceFlush().join(60, TimeUnit.SECONDS);
    }
  }

  @Benchmark
  public Span serverSpan() {
    if (work > 0) {
      Blackhole.consumeCPU(work);
    }
    return span();
  }

  /** One server span as a request handler makes it. */
  Span span() {
    Span span =
        tracer
            .spanBuilder("GET /orders/:id")
            .setSpanKind(SpanKind.SERVER)
            .setAttribute(ROUTE, "/orders/:id")
            .setAttribute(STATUS, 200L)
            .startSpan();
    span.end();
    return span;
  }

  static final class DiscardingExporter implements SpanExporter {
    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }
}
