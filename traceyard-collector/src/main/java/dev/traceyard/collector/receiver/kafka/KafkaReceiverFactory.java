package dev.traceyard.collector.receiver.kafka;

import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Receiver;
import dev.traceyard.collector.component.ReceiverFactory;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.consumer.Consumer;
import java.util.Set;

/** The {@code kafka} receiver: OTLP messages from Kafka topics, all three signals. */
public final class KafkaReceiverFactory implements ReceiverFactory<KafkaReceiverConfig> {

  @Override
  public String type() {
    return "kafka";
  }

  @Override
  public KafkaReceiverConfig parseConfig(ConfigNode node) {
    return KafkaReceiverConfig.parse(node);
  }

  @Override
  public Set<Signal> signals() {
    return Set.of(Signal.values());
  }

  @Override
  public Receiver create(ComponentSettings settings, KafkaReceiverConfig config, Consumer next, Set<Signal> wired) {
    return create(settings, config, next, wired, CommitGate.ALL_DELIVERED);
  }

  /** A receiver whose commits are held back by {@code gate} (for stages that keep delivered data). */
  public Receiver create(ComponentSettings settings, KafkaReceiverConfig config, Consumer next, Set<Signal> wired,
      CommitGate gate) {
    return new KafkaReceiver(settings, config, next, wired, gate);
  }
}
