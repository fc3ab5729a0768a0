package dev.traceyard.collector.exporter.otlphttp;

import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Exporter;
import dev.traceyard.collector.component.ExporterFactory;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.exporter.exporterhelper.ExporterHelper;
import java.util.Set;

/** The {@code otlphttp} exporter: OTLP over HTTP, protobuf or JSON, all three signals. */
public final class OtlpHttpExporterFactory implements ExporterFactory<OtlpHttpExporterConfig> {

  @Override
  public String type() {
    return "otlphttp";
  }

  @Override
  public OtlpHttpExporterConfig parseConfig(ConfigNode node) {
    return OtlpHttpExporterConfig.parse(node);
  }

  @Override
  public Set<Signal> signals() {
    return Set.of(Signal.values());
  }

  @Override
  public Exporter create(ComponentSettings settings, OtlpHttpExporterConfig config) {
    return ExporterHelper.create(settings, config.helper(), new OtlpHttpSender(config, settings.logger()));
  }
}
