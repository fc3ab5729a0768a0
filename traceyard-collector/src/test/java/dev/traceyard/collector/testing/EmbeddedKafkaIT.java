package dev.traceyard.collector.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EmbeddedKafkaIT {
  private static EmbeddedKafka kafka;

  @BeforeAll
  static void startKafka() {
    kafka = EmbeddedKafka.builder().partitions(4).start();
  }

  @AfterAll
  static void stopKafka() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void deliversProducedRecordsToAConsumerAndCreatesTopicsWithTheConfiguredPartitions() throws Exception {
    kafka.createTopic("roundtrip");
    assertThat(kafka.partitionCount("roundtrip")).isEqualTo(4);
    try (KafkaProducer<byte[], byte[]> producer = producer()) {
      for (int i = 0; i < 10; i++) {
        producer.send(new ProducerRecord<>("roundtrip", ("k" + i).getBytes(StandardCharsets.UTF_8),
            ("v" + i).getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
      }
    }
    assertThat(kafka.endOffsets("roundtrip").values().stream().mapToLong(Long::longValue).sum()).isEqualTo(10);
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = consumer("g1")) {
      consumer.subscribe(List.of("roundtrip"));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (values.size() < 10 && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          values.add(new String(r.value(), StandardCharsets.UTF_8));
        }
      }
      consumer.commitSync();
    }
    assertThat(values).containsExactlyInAnyOrder("v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9");
    assertThat(kafka.committedOffsets("g1").values().stream().mapToLong(Long::longValue).sum()).isEqualTo(10);
  }

  @Test
  void brokerComesBackOnTheSamePortAfterAStopAndKeepsItsData() throws Exception {
    kafka.createTopic("restart", 1);
    String before = kafka.bootstrapServers();
    try (KafkaProducer<byte[], byte[]> producer = producer()) {
      producer.send(new ProducerRecord<>("restart", "a".getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
    }
    try (KafkaProducer<byte[], byte[]> early = producer()) {
      early.partitionsFor("restart");
      kafka.stopBroker();
      kafka.startBroker();
      assertThat(kafka.bootstrapServers()).isEqualTo(before);
      try (KafkaProducer<byte[], byte[]> producer = producer()) {
        producer.send(new ProducerRecord<>("restart", "b".getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
      }
      // A client connected before the outage reconnects by itself.
      early.send(new ProducerRecord<>("restart", "c".getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
    }
    assertThat(kafka.endOffsets("restart")).containsValue(3L);
  }

  private static KafkaProducer<byte[], byte[]> producer() {
    Properties p = kafka.clientProperties();
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private static KafkaConsumer<byte[], byte[]> consumer(String group) {
    Properties p = kafka.clientProperties();
    p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }
}
