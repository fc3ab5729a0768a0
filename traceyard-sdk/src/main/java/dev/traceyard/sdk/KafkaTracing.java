package dev.traceyard.sdk;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.instrumentation.kafkaclients.v2_6.KafkaTelemetry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.header.Header;

/**
 * Kafka through OpenTelemetry's kafka-clients library instrumentation ({@link KafkaTelemetry}: PRODUCER
 * {@code publish} spans that inject into record headers, CONSUMER {@code receive} spans on poll), plus
 * what it leaves to the application: the {@code process} span around the handling of a record, or of a
 * whole batch with one link per record. Needs {@code org.apache.kafka:kafka-clients} and
 * {@code io.opentelemetry.instrumentation:opentelemetry-kafka-clients-2.6} on the class path.
 */
public final class KafkaTracing {

  private static final TextMapGetter<ConsumerRecord<?, ?>> RECORD_GETTER = new RecordGetter();

  private final KafkaTelemetry telemetry;
  private final Messaging messaging;

  private KafkaTracing(OpenTelemetry openTelemetry) {
    this.telemetry = KafkaTelemetry.create(openTelemetry);
    this.messaging = Messaging.create(openTelemetry, "kafka");
  }

  public static KafkaTracing create(OpenTelemetry openTelemetry) {
    return new KafkaTracing(openTelemetry);
  }

  /** The library instrumentation, for its interceptor and metric configuration maps. */
  public KafkaTelemetry telemetry() {
    return telemetry;
  }

  /** A producer whose sends create PRODUCER spans and carry their context in the record headers. */
  public <K, V> Producer<K, V> wrap(Producer<K, V> producer) {
    return telemetry.wrap(producer);
  }

  /** A consumer whose polls create CONSUMER receive spans. */
  public <K, V> Consumer<K, V> wrap(Consumer<K, V> consumer) {
    return telemetry.wrap(consumer);
  }

  /** The CONSUMER {@code process <topic>} span for one record, child of the span that produced it. */
  public Span startProcess(ConsumerRecord<?, ?> record) {
    Span span = messaging.startProcess(record.topic(), record, RECORD_GETTER);
    span.setAttribute("messaging.kafka.offset", record.offset());
    span.setAttribute("messaging.destination.partition.id", String.valueOf(record.partition()));
    return span;
  }

  /** One CONSUMER {@code process <topic>} span for a polled batch, linked to each record's producer span. */
  public Span startProcessBatch(String topic, ConsumerRecords<?, ?> records) {
    List<ConsumerRecord<?, ?>> list = new ArrayList<>(records.count());
    records.records(topic).forEach(list::add);
    return messaging.startProcessBatch(topic, list, RECORD_GETTER);
  }

  private static final class RecordGetter implements TextMapGetter<ConsumerRecord<?, ?>> {
    @Override
    public Iterable<String> keys(ConsumerRecord<?, ?> record) {
      List<String> keys = new ArrayList<>();
      for (Header header : record.headers()) {
        keys.add(header.key());
      }
      return keys;
    }

    @Override
    public String get(ConsumerRecord<?, ?> record, String key) {
      if (record == null) {
        return null;
      }
      Header header = record.headers().lastHeader(key);
      return header == null || header.value() == null
          ? null
          : new String(header.value(), StandardCharsets.UTF_8);
    }
  }
}
