package dev.traceyard.collector.exporter.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.exporter.ExporterTesting;
import dev.traceyard.collector.kafka.KafkaEncoding;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class KafkaExporterConfigTest {
  private static final KafkaExporterFactory FACTORY = new KafkaExporterFactory();

  private static ExporterTesting.Parsed<KafkaExporterConfig> parse(String yaml) {
    return ExporterTesting.parse(FACTORY, "kafka", yaml);
  }

  @Test
  void defaultsFollowOtelcol() {
    var parsed = parse("{}");
    assertThat(parsed.errors()).isEmpty();
    KafkaExporterConfig c = parsed.config();
    assertThat(c.client().brokers()).containsExactly("localhost:9092");
    assertThat(c.client().clientId()).isEqualTo("otel-collector");
    assertThat(c.topics().route(Signal.TRACES).topic()).isEqualTo("otlp_spans");
    assertThat(c.topics().route(Signal.METRICS).topic()).isEqualTo("otlp_metrics");
    assertThat(c.topics().route(Signal.LOGS).topic()).isEqualTo("otlp_logs");
    assertThat(c.topics().route(Signal.TRACES).encoding()).isEqualTo(KafkaEncoding.OTLP_PROTO);
    assertThat(c.partitionTracesById()).isFalse();
    assertThat(c.producer().maxMessageBytes()).isEqualTo(1_000_000);
    assertThat(c.producer().requiredAcks()).isEqualTo(1);
    assertThat(c.producer().compression()).isEqualTo("none");
    assertThat(c.helper().timeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.helper().queue().enabled()).isTrue();
  }

  @Test
  void perSignalTopicAndEncodingWinOverTheTopLevelOnes() {
    var parsed = parse(String.join("\n",
        "topic: everything",
        "encoding: otlp_json",
        "traces: {topic: spans_here, encoding: otlp_proto}",
        "logs: {topic: logs_here}",
        "protocol_version: 2.1.0"));
    assertThat(parsed.errors()).isEmpty();
    var t = parsed.config().topics();
    assertThat(t.route(Signal.TRACES)).isEqualTo(new dev.traceyard.collector.kafka.KafkaTopics.Route("spans_here", KafkaEncoding.OTLP_PROTO));
    assertThat(t.route(Signal.LOGS)).isEqualTo(new dev.traceyard.collector.kafka.KafkaTopics.Route("logs_here", KafkaEncoding.OTLP_JSON));
    assertThat(t.route(Signal.METRICS)).isEqualTo(new dev.traceyard.collector.kafka.KafkaTopics.Route("everything", KafkaEncoding.OTLP_JSON));
  }

  @Test
  void badValuesAreReportedWithTheirConfigPath() {
    var parsed = parse(String.join("\n",
        "brokers: []",
        "encoding: avro",
        "traces: {topic: ''}",
        "producer: {required_acks: 2, compression: brotli, max_message_bytes: 10}",
        "auth: {sasl: {mechanism: GSSAPI, username: u}}",
        "topic_from_attribute: tenant",
        "no_such_key: 1"));
    assertThat(parsed.errors()).anySatisfy(e -> assertThat(e).startsWith("exporters.kafka.brokers"));
    assertThat(parsed.errors()).anySatisfy(e -> assertThat(e).startsWith("exporters.kafka.encoding").contains("otlp_json"));
    assertThat(parsed.errors()).anySatisfy(e -> assertThat(e).startsWith("exporters.kafka.traces.topic"));
    assertThat(parsed.errors()).anySatisfy(e -> assertThat(e).startsWith("exporters.kafka.producer.required_acks"));
    assertThat(parsed.errors()).anySatisfy(e -> assertThat(e).startsWith("exporters.kafka.producer.compression"));
    assertThat(parsed.errors()).anySatisfy(e -> assertThat(e).startsWith("exporters.kafka.producer.max_message_bytes"));
    assertThat(parsed.errors()).anySatisfy(e -> assertThat(e).startsWith("exporters.kafka.auth.sasl.mechanism"));
    assertThat(parsed.errors()).anySatisfy(e -> assertThat(e).startsWith("exporters.kafka.auth.sasl.password"));
    assertThat(parsed.errors()).anySatisfy(e -> assertThat(e).startsWith("exporters.kafka.topic_from_attribute"));
    assertThat(parsed.errors()).anySatisfy(e -> assertThat(e).startsWith("exporters.kafka.no_such_key"));
  }

  @Test
  void producerSettingsMapToTheKafkaClient() {
    var parsed = parse(String.join("\n",
        "brokers: [k1:9092, k2:9093]",
        "client_id: edge",
        "timeout: 2s",
        "producer: {required_acks: -1, compression: zstd, compression_params: {level: 3}, max_message_bytes: 2000000}",
        "auth: {sasl: {mechanism: SCRAM-SHA-512, username: alice, password: 'p\"w'}}"));
    assertThat(parsed.errors()).isEmpty();
    Map<String, Object> p = KafkaSender.producerProperties(parsed.config(), LoggerFactory.getLogger("test"));
    assertThat(p).containsEntry("bootstrap.servers", "k1:9092,k2:9093")
        .containsEntry("client.id", "edge")
        .containsEntry("acks", "all")
        .containsEntry("enable.idempotence", true)
        .containsEntry("compression.type", "zstd")
        .containsEntry("compression.zstd.level", 3)
        .containsEntry("max.request.size", 2_000_000)
        .containsEntry("max.block.ms", 2000)
        .containsEntry("request.timeout.ms", 2000)
        .containsEntry("delivery.timeout.ms", 3000)
        .containsEntry("security.protocol", "SASL_PLAINTEXT")
        .containsEntry("sasl.mechanism", "SCRAM-SHA-512");
    assertThat((String) p.get("sasl.jaas.config")).contains("ScramLoginModule").contains("username=\"alice\"")
        .contains("password=\"p\\\"w\"");
    assertThat(parsed.config().client().toString()).doesNotContain("p\"w");
  }

  @Test
  void acksOneDoesNotAskForIdempotence() {
    Map<String, Object> p = KafkaSender.producerProperties(parse("{}").config(), LoggerFactory.getLogger("test"));
    assertThat(p).containsEntry("acks", "1").containsEntry("enable.idempotence", false)
        .containsEntry("security.protocol", "PLAINTEXT");
  }

  @Test
  void producerErrorsAreClassifiedAsRetryableOrPermanent() {
    ConsumeResult tooLarge = KafkaSender.classify(new RecordTooLargeException("big"), "t");
    ConsumeResult denied = KafkaSender.classify(new TopicAuthorizationException("no"), "t");
    ConsumeResult timeout = KafkaSender.classify(new TimeoutException("slow"), "t");
    ConsumeResult leader = KafkaSender.classify(new NotLeaderOrFollowerException("moved"), "t");
    ConsumeResult unknown = KafkaSender.classify(new IllegalStateException("closed"), "t");
    assertThat(tooLarge.isPermanent()).isTrue();
    assertThat(denied.isPermanent()).isTrue();
    assertThat(timeout.isRetryable()).isTrue();
    assertThat(leader.isRetryable()).isTrue();
    assertThat(unknown.isRetryable()).isTrue();
  }
}
