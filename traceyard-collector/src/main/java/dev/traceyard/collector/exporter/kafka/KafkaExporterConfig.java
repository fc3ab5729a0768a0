package dev.traceyard.collector.exporter.kafka;

import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.exporter.exporterhelper.ExporterHelperConfig;
import dev.traceyard.collector.kafka.KafkaClientConfig;
import dev.traceyard.collector.kafka.KafkaTopics;
import java.util.Objects;

/**
 * Config of the {@code kafka} exporter, with otelcol-contrib's keys: the connection keys of
 * {@link KafkaClientConfig}, the topics and encodings of {@link KafkaTopics}, {@code partition_traces_by_id},
 * {@code producer.*}, plus {@code timeout}, {@code sending_queue} and {@code retry_on_failure}.
 */
public record KafkaExporterConfig(KafkaClientConfig client, KafkaTopics topics, boolean partitionTracesById,
    Producer producer, ExporterHelperConfig helper) {

  public KafkaExporterConfig {
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(topics, "topics");
    Objects.requireNonNull(producer, "producer");
    Objects.requireNonNull(helper, "helper");
  }

  /**
   * The {@code producer} section.
   *
   * @param maxMessageBytes the largest message sent (otelcol default 1000000); larger batches are split
   * @param requiredAcks {@code 0}, {@code 1} (otelcol's default) or {@code -1} (all in-sync replicas)
   * @param compression none, gzip, snappy, lz4 or zstd
   * @param compressionLevel {@code compression_params.level}, or null for the codec's default
   * @param flushMaxMessages records per partition the producer gathers into one request; 0: no count limit
   */
  public record Producer(int maxMessageBytes, int requiredAcks, String compression, Integer compressionLevel,
      int flushMaxMessages) {

    static Producer parse(ConfigNode n) {
      int max = n.intAtLeast("max_message_bytes", 1_000_000, 1024);
      long acks = n.longValue("required_acks", 1);
      if (acks != 0 && acks != 1 && acks != -1) {
        n.error("required_acks", "must be 0 (no response), 1 (the leader) or -1 (all in-sync replicas), got " + acks);
        acks = 1;
      }
      String compression = n.oneOf("compression", "none", "none", "gzip", "snappy", "lz4", "zstd");
      Integer level = null;
      if (n.isSet("compression_params")) {
        ConfigNode cp = n.child("compression_params");
        if (cp.has("level")) {
          level = cp.intValue("level", 0);
        }
      }
      int flush = n.intAtLeast("flush_max_messages", 0, 0);
      n.ignore("allow_auto_topic_creation");
      return new Producer(max, (int) acks, compression, level, flush);
    }
  }

  static KafkaExporterConfig parse(ConfigNode node) {
    KafkaClientConfig client = KafkaClientConfig.parse(node);
    KafkaTopics topics = KafkaTopics.parse(node);
    boolean byId = node.bool("partition_traces_by_id", false);
    // Accepted for compatibility; metrics and logs are sent one message per batch without a key.
    node.bool("partition_metrics_by_resource_attributes", false);
    node.bool("partition_logs_by_resource_attributes", false);
    if (node.isSet("topic_from_attribute")) {
      node.error("topic_from_attribute", "is not supported; set topic (or traces.topic, metrics.topic, logs.topic)");
    }
    Producer producer = Producer.parse(node.child("producer"));
    ExporterHelperConfig helper = ExporterHelperConfig.parse(node);
    return new KafkaExporterConfig(client, topics, byId, producer, helper);
  }
}
