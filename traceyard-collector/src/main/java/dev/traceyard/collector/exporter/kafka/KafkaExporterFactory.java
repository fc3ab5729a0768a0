package dev.traceyard.collector.exporter.kafka;

import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Exporter;
import dev.traceyard.collector.component.ExporterFactory;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.exporter.exporterhelper.ExporterHelper;
import java.util.Set;

/** The {@code kafka} exporter: each batch as OTLP messages on a Kafka topic, all three signals. */
public final class KafkaExporterFactory implements ExporterFactory<KafkaExporterConfig> {

  @Override
  public String type() {
    return "kafka";
  }

  @Override
  public KafkaExporterConfig parseConfig(ConfigNode node) {
    return KafkaExporterConfig.parse(node);
  }

  @Override
  public Set<Signal> signals() {
    return Set.of(Signal.values());
  }

  @Override
  public Exporter create(ComponentSettings settings, KafkaExporterConfig config) {
    return ExporterHelper.create(settings, config.helper(), new KafkaSender(settings, config));
  }
}
