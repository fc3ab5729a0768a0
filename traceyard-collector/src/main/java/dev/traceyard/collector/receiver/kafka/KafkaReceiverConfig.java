package dev.traceyard.collector.receiver.kafka;

import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.kafka.KafkaClientConfig;
import dev.traceyard.collector.kafka.KafkaTopics;
import dev.traceyard.collector.processor.tailsampling.TailSamplingConfig;
import dev.traceyard.collector.processor.tailsampling.TailSamplingProcessorFactory;
import java.time.Duration;
import java.util.Objects;

/**
 * Config of the {@code kafka} receiver, with otelcol-contrib's keys: the connection keys of
 * {@link KafkaClientConfig}, the topics and encodings of {@link KafkaTopics}, {@code group_id},
 * {@code group_instance_id}, {@code initial_offset}, {@code session_timeout}, {@code heartbeat_interval},
 * {@code group_rebalance_strategy}, the fetch sizes, {@code error_backoff}, and {@code autocommit} /
 * {@code message_marking}, which are accepted but cannot switch off commit-after-delivery.
 *
 * @param groupInstanceId null for dynamic group membership
 * @param assignor the Kafka assignor class, or null for the client's default
 * @param commitInterval how often the offsets of delivered messages are committed ({@code autocommit.interval})
 * @param gateway the Kafka gateway mode ({@code tail_sampling}), or null
 */
public record KafkaReceiverConfig(KafkaClientConfig client, KafkaTopics topics, String groupId, String groupInstanceId,
    boolean fromEarliest, Duration sessionTimeout, Duration heartbeatInterval, String assignor, int minFetchBytes,
    int maxPartitionFetchBytes, int maxFetchBytes, Duration maxFetchWait, Duration commitInterval,
    Duration backoffInitial, Duration backoffMax, Gateway gateway) {

  public KafkaReceiverConfig {
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(topics, "topics");
    Objects.requireNonNull(groupId, "groupId");
  }

  /** Without the gateway mode. */
  public KafkaReceiverConfig(KafkaClientConfig client, KafkaTopics topics, String groupId, String groupInstanceId,
      boolean fromEarliest, Duration sessionTimeout, Duration heartbeatInterval, String assignor, int minFetchBytes,
      int maxPartitionFetchBytes, int maxFetchBytes, Duration maxFetchWait, Duration commitInterval,
      Duration backoffInitial, Duration backoffMax) {
    this(client, topics, groupId, groupInstanceId, fromEarliest, sessionTimeout, heartbeatInterval, assignor,
        minFetchBytes, maxPartitionFetchBytes, maxFetchBytes, maxFetchWait, commitInterval, backoffInitial, backoffMax,
        null);
  }

  /**
   * The Kafka gateway mode: tail sampling inside the receiver, with commits held back to the oldest
   * trace not durably decided and decisions stored in {@code decisionsTopic}.
   */
  public record Gateway(TailSamplingConfig tailSampling, String decisionsTopic) {
    public Gateway {
      Objects.requireNonNull(tailSampling, "tailSampling");
      Objects.requireNonNull(decisionsTopic, "decisionsTopic");
    }
  }

  static KafkaReceiverConfig parse(ConfigNode node) {
    KafkaClientConfig client = KafkaClientConfig.parse(node);
    KafkaTopics topics = KafkaTopics.parse(node);
    String group = node.string("group_id", "otel-collector");
    if (group == null || group.isBlank()) {
      node.error("group_id", "must not be empty");
      group = "otel-collector";
    }
    String instance = node.string("group_instance_id", null);
    if (instance != null && instance.isBlank()) {
      instance = null;
    }
    boolean earliest = node.oneOf("initial_offset", "latest", "latest", "earliest").equals("earliest");
    Duration session = positive(node, "session_timeout", Duration.ofSeconds(10));
    Duration heartbeat = positive(node, "heartbeat_interval", Duration.ofSeconds(3));
    if (heartbeat.compareTo(session) >= 0) {
      node.error("heartbeat_interval", "must be shorter than session_timeout");
    }
    String strategy = node.oneOf("group_rebalance_strategy", "", "", "range", "roundrobin", "sticky", "cooperative-sticky");
    String assignor = switch (strategy) {
      case "range" -> "org.apache.kafka.clients.consumer.RangeAssignor";
      case "roundrobin" -> "org.apache.kafka.clients.consumer.RoundRobinAssignor";
      case "sticky" -> "org.apache.kafka.clients.consumer.StickyAssignor";
      case "cooperative-sticky" -> "org.apache.kafka.clients.consumer.CooperativeStickyAssignor";
      default -> null;
    };
    int minFetch = node.intAtLeast("min_fetch_size", 1, 1);
    int partitionFetch = node.intAtLeast("default_fetch_size", 1024 * 1024, 1024);
    int maxFetch = node.intAtLeast("max_fetch_size", 50 * 1024 * 1024, 0);
    if (maxFetch == 0) {
      maxFetch = 50 * 1024 * 1024;
    }
    Duration fetchWait = positive(node, "max_fetch_wait", Duration.ofMillis(250));

    Duration commitInterval = Duration.ofSeconds(1);
    if (node.isSet("autocommit")) {
      ConfigNode ac = node.child("autocommit");
      // Kafka's own auto-commit would commit what was polled, not what was delivered: never used.
      ac.bool("enable", true);
      commitInterval = positive(ac, "interval", commitInterval);
    }
    if (node.isSet("message_marking")) {
      ConfigNode mm = node.child("message_marking");
      mm.bool("after", false);
      mm.bool("on_error", false);
      mm.bool("on_permanent_error", false);
    }
    Duration initial = Duration.ofMillis(100);
    Duration max = Duration.ofSeconds(5);
    if (node.isSet("error_backoff")) {
      ConfigNode eb = node.child("error_backoff");
      eb.bool("enabled", true);
      initial = positive(eb, "initial_interval", initial);
      max = positive(eb, "max_interval", max);
      eb.doubleValue("multiplier", 1.5);
      eb.doubleValue("randomization_factor", 0.5);
      // A retryable refusal is retried until it succeeds: skipping it would lose committed data.
      eb.duration("max_elapsed_time", Duration.ZERO);
      if (max.compareTo(initial) < 0) {
        eb.error("max_interval", "must not be shorter than initial_interval");
      }
    }
    if (node.isSet("header_extraction")) {
      ConfigNode he = node.child("header_extraction");
      if (he.bool("extract_headers", false)) {
        he.error("extract_headers", "is not supported");
      }
      he.stringList("headers");
    }
    Gateway gateway = null;
    if (node.isSet("tail_sampling")) {
      ConfigNode ts = node.child("tail_sampling");
      String decisions = ts.string("decisions_topic", topics.route(Signal.TRACES).topic() + "_decisions");
      if (decisions == null || decisions.isBlank()) {
        ts.error("decisions_topic", "must not be empty");
        decisions = "otlp_spans_decisions";
      } else if (decisions.equals(topics.route(Signal.TRACES).topic())) {
        ts.error("decisions_topic", "must differ from the traces topic '" + decisions + "'");
      }
      gateway = new Gateway(new TailSamplingProcessorFactory().parseConfig(ts), decisions);
    }
    return new KafkaReceiverConfig(client, topics, group, instance, earliest, session, heartbeat, assignor, minFetch,
        partitionFetch, maxFetch, fetchWait, commitInterval, initial, max, gateway);
  }

  private static Duration positive(ConfigNode n, String key, Duration def) {
    Duration d = n.duration(key, def);
    if (d == null || d.isNegative() || d.isZero()) {
      n.error(key, "must be positive");
      return def;
    }
    return d;
  }
}
