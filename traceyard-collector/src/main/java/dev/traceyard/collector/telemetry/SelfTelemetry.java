package dev.traceyard.collector.telemetry;

import dev.traceyard.collector.component.ComponentId;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.DoubleSupplier;

/**
 * The service's own metrics, exposed in Prometheus text format. One registry per running service
 * (not the global one), so several services can run in one JVM, as the tests do. Metric names follow
 * otelcol's with the {@code traceyard_} prefix; counters get Prometheus' {@code _total} suffix.
 */
public final class SelfTelemetry {
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final ConcurrentMap<String, Object> metrics = new ConcurrentHashMap<>();

  private SelfTelemetry() {}

  public static SelfTelemetry create() {
    SelfTelemetry t = new SelfTelemetry();
    JvmMetrics.builder().register(t.registry);
    return t;
  }

  /** A registry without JVM metrics, for unit tests. */
  public static SelfTelemetry forTesting() {
    return new SelfTelemetry();
  }

  public PrometheusRegistry registry() {
    return registry;
  }

  /** A counter, created on first use; later calls with the same name return the same counter. */
  public Counter counter(String name, String help, String... labelNames) {
    return (Counter) metrics.computeIfAbsent(name,
        n -> Counter.builder().name(n).help(help).labelNames(labelNames).register(registry));
  }

  public Gauge gauge(String name, String help, String... labelNames) {
    return (Gauge) metrics.computeIfAbsent(name,
        n -> Gauge.builder().name(n).help(help).labelNames(labelNames).register(registry));
  }

  public Histogram histogram(String name, String help, double[] buckets, String... labelNames) {
    return (Histogram) metrics.computeIfAbsent(name,
        n -> Histogram.builder().name(n).help(help).classicUpperBounds(buckets).labelNames(labelNames).register(registry));
  }

  /**
   * A gauge series read at scrape time, e.g. a queue's size. Several series (different label values)
   * may share a name: they are read by one callback, since a registry takes one collector per name.
   * Registering the same label values again replaces the earlier supplier.
   */
  public void gaugeCallback(String name, String help, String[] labelNames, String[] labelValues, DoubleSupplier value) {
    CallbackSeries series = (CallbackSeries) metrics.computeIfAbsent(name + "|callback", k -> {
      CallbackSeries s = new CallbackSeries();
      GaugeWithCallback.builder().name(name).help(help).labelNames(labelNames)
          .callback(cb -> s.suppliers.forEach((labels, supplier) -> cb.call(supplier.getAsDouble(), labels.toArray(new String[0]))))
          .register(registry);
      return s;
    });
    series.suppliers.put(List.of(labelValues), value);
  }

  private static final class CallbackSeries {
    final ConcurrentMap<List<String>, DoubleSupplier> suppliers = new ConcurrentHashMap<>();
  }

  public ReceiverMetrics receiver(ComponentId id, String transport) {
    return new ReceiverMetrics(this, id.toString(), transport);
  }

  public ProcessorMetrics processor(ComponentId id) {
    return new ProcessorMetrics(this, id.toString());
  }

  public ExporterMetrics exporter(ComponentId id) {
    return new ExporterMetrics(this, id.toString());
  }

  /** The Prometheus text exposition of every metric. */
  public String scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      PrometheusTextFormatWriter.create().write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** The current value of a counter or gauge series, for tests and the CLI; 0 when absent. */
  public double value(String name, String... labelValues) {
    Object m = metrics.get(name);
    if (m instanceof Counter) {
      return ((Counter) m).labelValues(labelValues).get();
    }
    if (m instanceof Gauge) {
      return ((Gauge) m).labelValues(labelValues).get();
    }
    return 0;
  }
}
