package dev.traceyard.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The real kafka-clients API and OpenTelemetry's library instrumentation, on Kafka's own mock clients. */
class KafkaTracingTest {

  private final RecordingSdk recording = new RecordingSdk();
  private final TraceyardSdk sdk = recording.sdk;
  private final KafkaTracing kafka = KafkaTracing.create(sdk);

  @AfterEach
  void tearDown() {
    recording.close();
  }

  private List<SpanData> finished() {
    return recording.finished();
  }

  private ProducerRecord<String, String> produceInsideARequest(Producer<String, String> producer, MockProducer<String, String> mock, String value)
      throws Exception {
    Span request = sdk.getTracer("test").spanBuilder("POST /pay").setSpanKind(SpanKind.SERVER).startSpan();
    try (Scope ignored = request.makeCurrent()) {
      producer.send(new ProducerRecord<>("payments", "k", value)).get();
    } finally {
      request.end();
    }
    return mock.history().get(mock.history().size() - 1);
  }

  private static ConsumerRecord<String, String> delivered(ProducerRecord<String, String> sent, long offset) {
    return new ConsumerRecord<>(
        sent.topic(), 0, offset, 0L, TimestampType.CREATE_TIME, 0, 0, sent.key(), sent.value(), sent.headers(), Optional.empty());
  }

  @Test
  void recordsCarryTheProducerSpanToTheConsumersProcessSpan() throws Exception {
    MockProducer<String, String> mock = new MockProducer<>(true, null, new StringSerializer(), new StringSerializer());
    Producer<String, String> producer = kafka.wrap(mock);
    ProducerRecord<String, String> sent = produceInsideARequest(producer, mock, "charge 42");
    assertThat(sent.headers().lastHeader("traceparent")).isNotNull();

    Span process = kafka.startProcess(delivered(sent, 7));
    process.end();

    SpanData producerSpan =
        finished().stream().filter(s -> s.getKind() == SpanKind.PRODUCER).findFirst().orElseThrow();
    SpanData processSpan =
        finished().stream().filter(s -> s.getName().equals("process payments")).findFirst().orElseThrow();
    assertThat(processSpan.getKind()).isEqualTo(SpanKind.CONSUMER);
    assertThat(processSpan.getParentSpanId()).isEqualTo(producerSpan.getSpanId());
    assertThat(processSpan.getTraceId()).isEqualTo(producerSpan.getTraceId());
    assertThat(processSpan.getAttributes().get(Messaging.SYSTEM)).isEqualTo("kafka");
    assertThat(processSpan.getAttributes().get(io.opentelemetry.api.common.AttributeKey.longKey("messaging.kafka.offset")))
        .isEqualTo(7L);
  }

  @Test
  void aPolledBatchIsOneProcessSpanLinkedToEveryRecordsProducer() throws Exception {
    MockProducer<String, String> mockProducer = new MockProducer<>(true, null, new StringSerializer(), new StringSerializer());
    Producer<String, String> producer = kafka.wrap(mockProducer);
    ProducerRecord<String, String> first = produceInsideARequest(producer, mockProducer, "a");
    ProducerRecord<String, String> second = produceInsideARequest(producer, mockProducer, "b");

    MockConsumer<String, String> mockConsumer = new MockConsumer<>("earliest");
    TopicPartition partition = new TopicPartition("payments", 0);
    mockConsumer.assign(List.of(partition));
    mockConsumer.updateBeginningOffsets(Map.of(partition, 0L));
    mockConsumer.addRecord(delivered(first, 0));
    mockConsumer.addRecord(delivered(second, 1));
    Consumer<String, String> consumer = kafka.wrap(mockConsumer);
    ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(100));
    assertThat(records.count()).isEqualTo(2);

    kafka.startProcessBatch("payments", records).end();

    List<SpanData> all = finished();
    List<String> producerIds =
        all.stream().filter(s -> s.getKind() == SpanKind.PRODUCER).map(SpanData::getSpanId).toList();
    SpanData batch = all.stream().filter(s -> s.getName().equals("process payments")).findFirst().orElseThrow();
    assertThat(batch.getLinks()).extracting(LinkData::getSpanContext).extracting(c -> c.getSpanId())
        .containsExactlyInAnyOrderElementsOf(producerIds);
    assertThat(batch.getAttributes().get(Messaging.BATCH_COUNT)).isEqualTo(2L);
  }
}
