package dev.traceyard.collector.receiver.kafka;

import dev.traceyard.collector.Components;
import dev.traceyard.collector.config.ConfigLoader;
import dev.traceyard.collector.service.Service;
import dev.traceyard.collector.service.ServiceConfig;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import java.util.Map;

/**
 * A gateway in its own JVM, for {@link KafkaGatewayIT}'s SIGKILL case: a real {@link Service} with the
 * {@code kafka} receiver in gateway mode, exporting kept spans with the {@code kafka} exporter to an
 * output topic the test reads. Args: brokers, spans topic, decisions topic, group, output topic.
 */
public final class GatewayChild {
  private GatewayChild() {}

  public static void main(String[] args) throws Exception {
    String yaml = String.join("\n",
        "receivers:",
        "  kafka:",
        indent(KafkaGatewayIT.gatewayYaml(args[0], args[1], args[2], args[3]), "    "),
        "exporters:",
        "  kafka:",
        "    brokers: [" + args[0] + "]",
        "    topic: " + args[4],
        "    producer: {required_acks: -1}",
        "    sending_queue: {enabled: false}",
        "service:",
        "  telemetry: {metrics: {address: \"localhost:0\"}}",
        "  pipelines:",
        "    traces: {receivers: [kafka], exporters: [kafka]}",
        "");
    ServiceConfig config = ServiceConfig.parse(new ConfigLoader(Map.<String, String>of()::get)
        .loadString("gateway-child.yaml", yaml), Components.builtIn());
    Service service = Service.create(config, SelfTelemetry.create());
    service.start();
    System.out.println("GATEWAY READY");
    System.out.flush();
    Thread.currentThread().join();
  }

  private static String indent(String s, String prefix) {
    StringBuilder b = new StringBuilder();
    for (String line : s.split("\n")) {
      if (!line.isEmpty()) {
        b.append(prefix).append(line).append('\n');
      }
    }
    return b.toString().stripTrailing();
  }
}
