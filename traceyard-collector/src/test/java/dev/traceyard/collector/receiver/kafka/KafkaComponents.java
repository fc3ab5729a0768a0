package dev.traceyard.collector.receiver.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.ComponentKind;
import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Exporter;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.consumer.Consumer;
import dev.traceyard.collector.exporter.kafka.KafkaExporterConfig;
import dev.traceyard.collector.exporter.kafka.KafkaExporterFactory;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import dev.traceyard.collector.testing.TestConfig;
import java.util.Optional;
import java.util.Set;

/**
 * The Kafka receiver (gateway) and exporter (agent) built from their YAML as the service would build them
 * (every config error, unknown keys included, fails the test) and started, for the ITs that wire them by hand.
 */
final class KafkaComponents {
  private KafkaComponents() {}

  /** A started {@code kafka/<name>} receiver of traces delivering to {@code next}. */
  static KafkaReceiver startReceiver(String name, String yaml, SelfTelemetry telemetry, Consumer next) throws Exception {
    KafkaReceiverFactory factory = new KafkaReceiverFactory();
    TestConfig.Parsed<KafkaReceiverConfig> parsed = TestConfig.parse(yaml, "receivers::kafka/" + name, factory::parseConfig);
    assertThat(parsed.errors()).isEmpty();
    KafkaReceiver receiver = (KafkaReceiver) factory.create(new ComponentSettings(ComponentId.of("kafka/" + name),
        ComponentKind.RECEIVER, telemetry), parsed.config(), next, Set.of(Signal.TRACES));
    receiver.start(id -> Optional.empty());
    return receiver;
  }

  /** A started {@code kafka} exporter. */
  static Exporter startExporter(String yaml) throws Exception {
    KafkaExporterFactory factory = new KafkaExporterFactory();
    TestConfig.Parsed<KafkaExporterConfig> parsed = TestConfig.parse(yaml, "exporters::kafka", factory::parseConfig);
    assertThat(parsed.errors()).isEmpty();
    Exporter exporter = factory.create(new ComponentSettings(ComponentId.of("kafka"), ComponentKind.EXPORTER,
        SelfTelemetry.forTesting()), parsed.config());
    exporter.start(id -> Optional.empty());
    return exporter;
  }
}
