package dev.traceyard.collector.exporter.file;

import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Exporter;
import dev.traceyard.collector.component.ExporterFactory;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.exporter.exporterhelper.ExporterHelper;
import dev.traceyard.collector.exporter.exporterhelper.ExporterHelperConfig;
import java.time.Clock;
import java.util.Set;

/** The {@code file} exporter: OTLP/JSON lines or length-prefixed protobuf, with size rotation. */
public final class FileExporterFactory implements ExporterFactory<FileExporterConfig> {

  @Override
  public String type() {
    return "file";
  }

  @Override
  public FileExporterConfig parseConfig(ConfigNode node) {
    return FileExporterConfig.parse(node);
  }

  @Override
  public Set<Signal> signals() {
    return Set.of(Signal.values());
  }

  @Override
  public Exporter create(ComponentSettings settings, FileExporterConfig config) {
    // Writes are local and synchronous, so the caller learns at once if the disk refused them.
    return ExporterHelper.create(settings, ExporterHelperConfig.synchronous(),
        new FileSender(config, settings.logger(), Clock.systemUTC()));
  }
}
