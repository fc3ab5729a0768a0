package dev.traceyard.collector.receiver.otlp;

import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Receiver;
import dev.traceyard.collector.component.ReceiverFactory;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.consumer.Consumer;
import java.util.EnumSet;
import java.util.Set;

/** Creates {@code otlp} receivers: OTLP over gRPC and HTTP (protobuf and JSON), as otelcol's otlpreceiver. */
public final class OtlpReceiverFactory implements ReceiverFactory<OtlpReceiverConfig> {

  @Override
  public String type() {
    return "otlp";
  }

  @Override
  public Set<Signal> signals() {
    return EnumSet.allOf(Signal.class);
  }

  @Override
  public OtlpReceiverConfig parseConfig(ConfigNode node) {
    return OtlpReceiverConfig.parse(node);
  }

  @Override
  public Receiver create(ComponentSettings settings, OtlpReceiverConfig config, Consumer next, Set<Signal> wired) {
    return new OtlpReceiver(settings, config, next, wired);
  }
}
