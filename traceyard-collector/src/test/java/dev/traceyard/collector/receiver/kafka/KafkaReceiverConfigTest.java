package dev.traceyard.collector.receiver.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.ComponentKind;
import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Receiver;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import java.util.Optional;
import java.util.Set;
import dev.traceyard.collector.kafka.KafkaEncoding;
import dev.traceyard.collector.testing.TestConfig;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class KafkaReceiverConfigTest {
  private static final KafkaReceiverFactory FACTORY = new KafkaReceiverFactory();

  private static TestConfig.Parsed<KafkaReceiverConfig> parse(String yaml) {
    return TestConfig.parse(yaml, "receivers.kafka", FACTORY::parseConfig);
  }

  @Test
  void defaultsFollowOtelcolWithCommitAfterDelivery() {
    var parsed = parse("");
    assertThat(parsed.errors()).isEmpty();
    KafkaReceiverConfig c = parsed.config();
    assertThat(c.groupId()).isEqualTo("otel-collector");
    assertThat(c.client().clientId()).isEqualTo("otel-collector");
    assertThat(c.fromEarliest()).isFalse();
    assertThat(c.topics().route(Signal.TRACES).topic()).isEqualTo("otlp_spans");
    assertThat(c.topics().route(Signal.TRACES).encoding()).isEqualTo(KafkaEncoding.OTLP_PROTO);
    assertThat(c.commitInterval()).isEqualTo(Duration.ofSeconds(1));
    Map<String, Object> p = KafkaReceiver.consumerProperties(c, LoggerFactory.getLogger("test"));
    assertThat(p).containsEntry("enable.auto.commit", false).containsEntry("auto.offset.reset", "latest")
        .containsEntry("group.id", "otel-collector").containsEntry("session.timeout.ms", 10_000);
  }

  @Test
  void otelcolKeysAreReadAndAutocommitCannotSwitchOffCommitAfterDelivery() {
    var parsed = parse(String.join("\n",
        "brokers: [kafka:9092]",
        "topic: shared",
        "metrics: {topic: m, encoding: otlp_json}",
        "group_id: gw",
        "group_instance_id: gw-1",
        "initial_offset: earliest",
        "session_timeout: 20s",
        "heartbeat_interval: 2s",
        "group_rebalance_strategy: cooperative-sticky",
        "autocommit: {enable: true, interval: 500ms}",
        "message_marking: {after: false, on_error: false}",
        "error_backoff: {enabled: true, initial_interval: 10ms, max_interval: 1s}",
        "tls: {insecure: true}"));
    assertThat(parsed.errors()).isEmpty();
    KafkaReceiverConfig c = parsed.config();
    assertThat(c.topics().route(Signal.TRACES).topic()).isEqualTo("shared");
    assertThat(c.topics().route(Signal.METRICS).topic()).isEqualTo("m");
    assertThat(c.commitInterval()).isEqualTo(Duration.ofMillis(500));
    assertThat(c.backoffInitial()).isEqualTo(Duration.ofMillis(10));
    Map<String, Object> p = KafkaReceiver.consumerProperties(c, LoggerFactory.getLogger("test"));
    assertThat(p).containsEntry("enable.auto.commit", false).containsEntry("auto.offset.reset", "earliest")
        .containsEntry("group.instance.id", "gw-1").containsEntry("security.protocol", "PLAINTEXT")
        .containsEntry("partition.assignment.strategy", "org.apache.kafka.clients.consumer.CooperativeStickyAssignor");
  }

  @Test
  void badValuesAreReportedWithTheirConfigPath() {
    var parsed = parse(String.join("\n",
        "brokers: [':9092', 'nohost']",
        "initial_offset: middle",
        "group_id: ''",
        "heartbeat_interval: 30s",
        "logs: {encoding: zipkin_json}",
        "auth: {kerberos: {}, plain_text: {username: u}}",
        "tls: {server_name_override: kafka.local}"));
    assertThat(parsed.errors()).anySatisfy(e -> assertThat(e).startsWith("receivers.kafka.brokers[0]"));
    assertThat(parsed.errors()).anySatisfy(e -> assertThat(e).startsWith("receivers.kafka.brokers[1]"));
    assertThat(parsed.errors()).anySatisfy(e -> assertThat(e).startsWith("receivers.kafka.initial_offset"));
    assertThat(parsed.errors()).anySatisfy(e -> assertThat(e).startsWith("receivers.kafka.group_id"));
    assertThat(parsed.errors()).anySatisfy(e -> assertThat(e).startsWith("receivers.kafka.heartbeat_interval"));
    assertThat(parsed.errors()).anySatisfy(e -> assertThat(e).startsWith("receivers.kafka.logs.encoding"));
    assertThat(parsed.errors()).anySatisfy(e -> assertThat(e).startsWith("receivers.kafka.auth.kerberos"));
    assertThat(parsed.errors()).anySatisfy(e -> assertThat(e).startsWith("receivers.kafka.auth.plain_text.password"));
    assertThat(parsed.errors()).anySatisfy(e -> assertThat(e).startsWith("receivers.kafka.tls.server_name_override"));
  }

  @Test
  void twoSignalsReadingOneTopicAreRefusedAtStart() {
    var parsed = parse("topic: shared");
    Receiver r = FACTORY.create(new ComponentSettings(ComponentId.parse("kafka"), ComponentKind.RECEIVER,
        SelfTelemetry.forTesting()), parsed.config(), b -> ConsumeResult.success(), Set.of(Signal.TRACES, Signal.LOGS));
    assertThatThrownBy(() -> r.start(id -> Optional.empty()))
        .hasMessageContaining("receivers.kafka").hasMessageContaining("traces.topic").hasMessageContaining("logs.topic");
  }
}
