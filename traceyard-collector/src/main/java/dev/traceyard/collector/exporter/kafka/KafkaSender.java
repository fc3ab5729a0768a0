package dev.traceyard.collector.exporter.kafka;

import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Host;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.Batches;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.exporter.exporterhelper.Sender;
import dev.traceyard.collector.kafka.KafkaClientConfig;
import dev.traceyard.collector.kafka.KafkaEncoding;
import dev.traceyard.collector.kafka.KafkaTopics;
import dev.traceyard.collector.telemetry.RateLimitedLogger;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;

/**
 * Sends a batch as one or more Kafka messages and waits for the broker's acknowledgement (per
 * {@code producer.required_acks}) of every one before reporting success, so the sending queue only
 * forgets a batch once Kafka has it.
 *
 * <p>With {@code partition_traces_by_id} a trace batch becomes one message per trace, keyed by the
 * trace id (its 16 bytes, as otelcol keys them), so Kafka's default partitioner puts every span of a
 * trace in the same partition. A message larger than {@code producer.max_message_bytes} is split into
 * smaller batches first; a single item that alone is too large is dropped (a permanent, counted error).
 *
 * <p>A retry resends the whole batch: messages of it that had already been acknowledged are sent
 * again (at-least-once; the receiver side must tolerate duplicates).
 */
final class KafkaSender implements Sender {
  /** Room for the record's key, headers and batch framing inside {@code max_message_bytes}. */
  private static final int RECORD_OVERHEAD_BYTES = 256;
  private static final Duration NO_TIMEOUT_WAIT = Duration.ofMinutes(3);

  private final KafkaExporterConfig config;
  private final Logger logger;
  private final RateLimitedLogger oversizeLog;
  private final RateLimitedLogger authLog;
  private final CounterDataPoint authFailures;
  private final RateLimitedLogger connectionLog;
  private final CounterDataPoint connectionFailures;
  private final Duration waitBound;
  private volatile KafkaProducer<byte[], byte[]> producer;

  KafkaSender(ComponentSettings settings, KafkaExporterConfig config) {
    this.config = config;
    this.logger = settings.logger();
    this.oversizeLog = new RateLimitedLogger(logger, Duration.ofSeconds(10));
    this.authLog = new RateLimitedLogger(logger, Duration.ofSeconds(10));
    this.authFailures = settings.telemetry().counter("traceyard_kafka_exporter_authentication_failures",
        "Send attempts that failed because the Kafka broker did not accept the exporter's SASL or TLS settings.",
        "exporter").labelValues(settings.id().toString());
    this.connectionLog = new RateLimitedLogger(logger, Duration.ofSeconds(10));
    this.connectionFailures = settings.telemetry().counter("traceyard_kafka_exporter_connection_failures",
        "Send attempts that got no answer from Kafka within the exporter's timeout: brokers unreachable, or a listener "
            + "expecting SASL or TLS while the exporter speaks plaintext.", "exporter")
        .labelValues(settings.id().toString());
    Duration t = config.helper().timeout();
    this.waitBound = t.isZero() ? NO_TIMEOUT_WAIT : t.plusSeconds(2);
  }

  /** The producer settings for a config; package-private for tests. */
  static Map<String, Object> producerProperties(KafkaExporterConfig config, Logger logger) {
    Map<String, Object> p = config.client().clientProperties(logger);
    KafkaExporterConfig.Producer pc = config.producer();
    p.put(ProducerConfig.ACKS_CONFIG, pc.requiredAcks() == -1 ? "all" : Integer.toString(pc.requiredAcks()));
    // Idempotence needs acks=all; with it, the producer's own retries never duplicate or reorder.
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, pc.requiredAcks() == -1);
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, pc.compression());
    if (pc.compressionLevel() != null && !pc.compression().equals("none") && !pc.compression().equals("snappy")) {
      p.put("compression." + pc.compression() + ".level", pc.compressionLevel());
    }
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, pc.maxMessageBytes());
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, Math.min(pc.maxMessageBytes(), 256 * 1024));
    p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1000);
    Duration t = config.helper().timeout();
    if (!t.isZero()) {
      // One send attempt (metadata wait, then delivery with the producer's own retries) ends within
      // about the exporter's timeout; the exporter helper's retries take over after that.
      int ms = (int) Math.min(Integer.MAX_VALUE - 2000, t.toMillis());
      p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, ms);
      p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, ms);
      p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, ms + 1000);
      p.put(ProducerConfig.LINGER_MS_CONFIG, Math.min(5, Math.max(0, ms / 10)));
    }
    return p;
  }

  @Override
  public void start(Host host) {
    producer = new KafkaProducer<>(producerProperties(config, logger), new ByteArraySerializer(), new ByteArraySerializer());
  }

  @Override
  public void shutdown() {
    KafkaProducer<byte[], byte[]> p = producer;
    if (p != null) {
      p.close(Duration.ofSeconds(5));
    }
  }

  private record Message(byte[] key, byte[] value, int items) {}

  @Override
  public ConsumeResult send(Batch batch) {
    KafkaTopics.Route route = config.topics().route(batch.signal());
    List<Message> messages = new ArrayList<>();
    long oversized = 0;
    if (config.partitionTracesById() && batch instanceof TraceBatch) {
      for (TraceSplitter.TracePart part : TraceSplitter.byTraceId((TraceBatch) batch)) {
        oversized += encode(part.batch(), part.traceId().toByteArray(), route.encoding(), messages);
      }
    } else {
      oversized += encode(batch, null, route.encoding(), messages);
    }
    if (oversized > 0) {
      oversizeLog.warn("dropping {} {} that alone are larger than producer.max_message_bytes ({} bytes)", oversized,
          batch.signal().itemName().replace('_', ' '), config.producer().maxMessageBytes());
    }
    long deadline = System.nanoTime() + waitBound.toNanos();
    List<Future<RecordMetadata>> futures = new ArrayList<>(messages.size());
    List<Message> sent = new ArrayList<>(messages.size());
    ConsumeResult outcome = null;
    long rejected = oversized;
    for (Message m : messages) {
      try {
        futures.add(producer.send(new ProducerRecord<>(route.topic(), m.key(), m.value())));
        sent.add(m);
      } catch (KafkaException e) {
        ConsumeResult r = failure(e, route.topic());
        if (r.isPermanent()) {
          rejected += m.items();
          outcome = outcome == null ? r : outcome;
          continue;
        }
        // Retryable (e.g. no metadata within the timeout: the broker is unreachable): stop here so
        // one attempt stays within the timeout instead of waiting once per message.
        return r;
      }
    }
    for (int i = 0; i < futures.size(); i++) {
      long remaining = deadline - System.nanoTime();
      try {
        futures.get(i).get(Math.max(0, remaining), TimeUnit.NANOSECONDS);
      } catch (ExecutionException e) {
        ConsumeResult r = failure(e.getCause(), route.topic());
        if (r.isRetryable()) {
          return r;
        }
        rejected += sent.get(i).items();
        outcome = outcome == null ? r : outcome;
      } catch (TimeoutException e) {
        return noAnswer("cannot send to Kafka topic " + route.topic() + ": no acknowledgement from Kafka "
            + config.client().brokers() + " within " + waitBound + "; " + config.client().whatToCheckWithoutAnswer());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return ConsumeResult.retryable("interrupted while waiting for Kafka", null);
      }
    }
    if (rejected == 0) {
      return ConsumeResult.success();
    }
    String why = outcome != null ? outcome.message()
        : "larger than producer.max_message_bytes (" + config.producer().maxMessageBytes() + ")";
    if (rejected >= batch.itemCount()) {
      return ConsumeResult.permanent(why);
    }
    return ConsumeResult.partialSuccess(rejected, why);
  }

  /**
   * Encodes {@code batch} into messages no larger than the limit, splitting it in halves as needed.
   * Returns the number of items that alone exceed the limit (not added).
   */
  private long encode(Batch batch, byte[] key, KafkaEncoding encoding, List<Message> out) {
    byte[] value = encoding.encode(batch);
    int limit = config.producer().maxMessageBytes() - RECORD_OVERHEAD_BYTES - (key == null ? 0 : key.length);
    if (value.length <= limit) {
      out.add(new Message(key, value, batch.itemCount()));
      return 0;
    }
    if (batch.itemCount() <= 1) {
      return batch.itemCount() == 1 ? 1 : 0;
    }
    long dropped = 0;
    for (Batch piece : Batches.split(batch, (batch.itemCount() + 1) / 2)) {
      dropped += encode(piece, key, encoding, out);
    }
    return dropped;
  }

  /**
   * {@link #classify} with a message that names the settings to check. An authentication failure, and
   * a timeout (no answer: the brokers are unreachable, or the listener expects SASL or TLS and just
   * closes a plaintext connection, which the Kafka client reports as nothing but a timeout), is also
   * counted and logged at once (rate-limited): retries are only logged at debug level, and the data is
   * dropped (and counted as failed) only after {@code retry_on_failure.max_elapsed_time}.
   */
  private ConsumeResult failure(Throwable t, String topic) {
    ConsumeResult r = classify(t, topic);
    boolean auth = KafkaClientConfig.isAuthenticationFailure(t);
    boolean timeout = t instanceof org.apache.kafka.common.errors.TimeoutException;
    if (!auth && !timeout) {
      return r;
    }
    String why = "cannot send to Kafka topic " + topic + ": " + config.client().explain(t);
    if (auth) {
      authLog.warn("{}; the data is kept and retried per retry_on_failure", why);
      authFailures.inc();
    } else if (r.isRetryable()) {
      return noAnswer(why);
    }
    return r.isRetryable() ? ConsumeResult.retryable(why, r.retryAfter()) : ConsumeResult.permanent(why);
  }

  /** Counts and logs (rate-limited) a send attempt that got no answer in time; a retryable result. */
  private ConsumeResult noAnswer(String why) {
    connectionLog.warn("{}; the data is kept and retried per retry_on_failure", why);
    connectionFailures.inc();
    return ConsumeResult.retryable(why, null);
  }

  /** Whether a producer failure can succeed when retried. */
  static ConsumeResult classify(Throwable t, String topic) {
    String what = "Kafka refused the message for topic " + topic + ": " + t;
    if (t instanceof RecordTooLargeException || t instanceof RecordBatchTooLargeException
        || t instanceof InvalidTopicException || t instanceof AuthorizationException
        || t instanceof SerializationException || t instanceof UnsupportedVersionException) {
      return ConsumeResult.permanent(what);
    }
    if (t instanceof RetriableException) {
      return ConsumeResult.retryable("Kafka is unavailable for topic " + topic + ": " + t, null);
    }
    if (t instanceof ApiException && !(t instanceof org.apache.kafka.common.errors.AuthenticationException)) {
      return ConsumeResult.permanent(what);
    }
    // Authentication failures, a closed producer, anything unknown: keep the data and retry.
    return ConsumeResult.retryable("cannot send to Kafka topic " + topic + ": " + t, null);
  }

}
