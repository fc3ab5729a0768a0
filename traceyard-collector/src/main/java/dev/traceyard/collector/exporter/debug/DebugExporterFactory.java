package dev.traceyard.collector.exporter.debug;

import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Exporter;
import dev.traceyard.collector.component.ExporterFactory;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.exporter.exporterhelper.ExporterHelper;
import dev.traceyard.collector.exporter.exporterhelper.ExporterHelperConfig;
import java.util.Set;

/** The {@code debug} exporter: writes what passes through to the log, for troubleshooting pipelines. */
public final class DebugExporterFactory implements ExporterFactory<DebugExporterConfig> {

  @Override
  public String type() {
    return "debug";
  }

  @Override
  public DebugExporterConfig parseConfig(ConfigNode node) {
    return DebugExporterConfig.parse(node);
  }

  @Override
  public Set<Signal> signals() {
    return Set.of(Signal.values());
  }

  @Override
  public Exporter create(ComponentSettings settings, DebugExporterConfig config) {
    DebugSender sender = new DebugSender(config, DebugSender.sink(config, settings.logger()));
    return ExporterHelper.create(settings, ExporterHelperConfig.synchronous(), sender);
  }
}
