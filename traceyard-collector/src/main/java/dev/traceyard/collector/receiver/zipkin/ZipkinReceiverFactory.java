package dev.traceyard.collector.receiver.zipkin;

import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Receiver;
import dev.traceyard.collector.component.ReceiverFactory;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.consumer.Consumer;
import java.util.Set;

/** The {@code zipkin} receiver: Zipkin v2 spans (JSON or proto3) over HTTP, translated to OTLP. */
public final class ZipkinReceiverFactory implements ReceiverFactory<ZipkinReceiverConfig> {

  @Override
  public String type() {
    return "zipkin";
  }

  @Override
  public ZipkinReceiverConfig parseConfig(ConfigNode node) {
    return ZipkinReceiverConfig.parse(node);
  }

  @Override
  public Set<Signal> signals() {
    return Set.of(Signal.TRACES);
  }

  @Override
  public Receiver create(ComponentSettings settings, ZipkinReceiverConfig config, Consumer next, Set<Signal> wired) {
    return new ZipkinReceiver(settings, config, next);
  }
}
