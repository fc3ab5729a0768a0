package dev.traceyard.collector.kafka;

import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.ConfigNode;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * The topic and encoding of each signal, read as otelcol-contrib reads them: the per-signal sections
 * {@code traces.topic} / {@code traces.encoding} (and {@code metrics}, {@code logs}) win over the
 * older top-level {@code topic} / {@code encoding}, which apply to every signal; the defaults are
 * {@code otlp_spans}, {@code otlp_metrics}, {@code otlp_logs} and {@code otlp_proto}.
 */
public final class KafkaTopics {
  /** One signal's destination or source. */
  public record Route(String topic, KafkaEncoding encoding) {}

  private final Map<Signal, Route> routes;

  private KafkaTopics(Map<Signal, Route> routes) {
    this.routes = Collections.unmodifiableMap(routes);
  }

  public Route route(Signal signal) {
    return routes.get(signal);
  }

  public static String defaultTopic(Signal s) {
    switch (s) {
      case TRACES:
        return "otlp_spans";
      case METRICS:
        return "otlp_metrics";
      default:
        return "otlp_logs";
    }
  }

  public static KafkaTopics parse(ConfigNode node) {
    String topic = node.string("topic", null);
    if (topic != null && topic.isBlank()) {
      node.error("topic", "must not be empty");
      topic = null;
    }
    KafkaEncoding encoding = encoding(node, KafkaEncoding.OTLP_PROTO);
    Map<Signal, Route> routes = new EnumMap<>(Signal.class);
    for (Signal s : Signal.values()) {
      String t = topic == null ? defaultTopic(s) : topic;
      KafkaEncoding e = encoding;
      if (node.isSet(s.configName())) {
        ConfigNode sn = node.child(s.configName());
        String st = sn.string("topic", null);
        if (st != null && st.isBlank()) {
          sn.error("topic", "must not be empty");
        } else if (st != null) {
          t = st;
        }
        e = encoding(sn, e);
      }
      routes.put(s, new Route(t, e));
    }
    return new KafkaTopics(routes);
  }

  private static KafkaEncoding encoding(ConfigNode node, KafkaEncoding defaultValue) {
    String name = node.string("encoding", null);
    if (name == null) {
      return defaultValue;
    }
    return KafkaEncoding.fromConfigName(name).orElseGet(() -> {
      node.error("encoding", "unknown value '" + name + "' (expected one of: otlp_proto, otlp_json)");
      return defaultValue;
    });
  }

  @Override
  public String toString() {
    return routes.toString();
  }
}
