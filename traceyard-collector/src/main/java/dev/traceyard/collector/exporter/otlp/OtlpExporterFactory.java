package dev.traceyard.collector.exporter.otlp;

import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Exporter;
import dev.traceyard.collector.component.ExporterFactory;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.exporter.exporterhelper.ExporterHelper;
import dev.traceyard.collector.exporter.exporterhelper.Sender;
import java.util.Set;

/** The {@code otlp} exporter: OTLP over gRPC, all three signals. */
public final class OtlpExporterFactory implements ExporterFactory<OtlpExporterConfig> {

  @Override
  public String type() {
    return "otlp";
  }

  @Override
  public OtlpExporterConfig parseConfig(ConfigNode node) {
    return OtlpExporterConfig.parse(node);
  }

  @Override
  public Set<Signal> signals() {
    return Set.of(Signal.values());
  }

  /** One OTLP/gRPC sender, for exporters that put their own queue around it (loadbalancing). */
  public static Sender sender(OtlpExporterConfig config, org.slf4j.Logger logger) {
    return new OtlpGrpcSender(config, logger);
  }

  @Override
  public Exporter create(ComponentSettings settings, OtlpExporterConfig config) {
    return ExporterHelper.create(settings, config.helper(), new OtlpGrpcSender(config, settings.logger()));
  }
}
