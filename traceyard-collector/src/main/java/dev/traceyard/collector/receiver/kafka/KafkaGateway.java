package dev.traceyard.collector.receiver.kafka;

import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Host;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.consumer.Consumer;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.kafka.KafkaClientConfig;
import dev.traceyard.collector.processor.tailsampling.DecisionLog;
import dev.traceyard.collector.processor.tailsampling.DecisionRecord;
import dev.traceyard.collector.processor.tailsampling.PartitionedTailSampler;
import dev.traceyard.collector.telemetry.RateLimitedLogger;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;

/**
 * The Kafka gateway mode of the {@code kafka} receiver ({@code tail_sampling} set): tail sampling
 * fed with each message's partition and offset, commits gated to the oldest trace not yet durably
 * decided, and decisions stored in a compacted topic, record key = trace id, in the same partition
 * number as the trace's data, so they move with it. See docs/deployment.md, "Gateway pool on Kafka".
 *
 * <p>The decisions reader asks the brokers something only while partitions are being assigned, and
 * like every Kafka consumer it says nothing when no broker answers. So while it reads, its calls are
 * made in slices of at most a second and a {@link ConnectionWatch} (threshold {@code session_timeout},
 * resumed at every read: silence while idle is no outage) is fed between them: each interval without
 * an answer is counted in {@code traceyard_kafka_receiver_connection_failures{topic=<decisions topic>}}
 * and logged (rate-limited) with the settings to check, and the first answer afterwards once.
 */
final class KafkaGateway implements CommitGate, DecisionLog {
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);
  /** The reader's answers besides its own calls' results: fetch responses. */
  private static final Map<String, Set<String>> ANSWER_METRICS =
      Map.of("consumer-fetch-manager-metrics", Set.of("fetch-total"));

  private final String decisionsTopic;
  private final Logger logger;
  private final RateLimitedLogger writeLog;
  private final KafkaProducer<byte[], byte[]> producer;
  private final KafkaConsumer<byte[], byte[]> reader;
  private final PartitionedTailSampler sampler;
  private final CounterDataPoint written;
  private final CounterDataPoint writeFailures;
  private final CounterDataPoint loaded;
  private final KafkaClientConfig client;
  private final CounterDataPoint connectionFailures;
  private final RateLimitedLogger connectionLog;
  /** Used by the thread that calls {@link #assigned} (the traces consumer loop's). */
  private final ConnectionWatch watch;
  private final Duration slice;
  /** Reader calls that returned a broker's answer (metadata, end offsets); fetch responses are the client's count. */
  private long answers;
  private volatile boolean halted;
  /** Set by {@link #stopReading}: a read in progress gives up at its next slice. */
  private volatile boolean stopping;

  KafkaGateway(ComponentSettings settings, KafkaReceiverConfig config, Map<String, Object> clientProps, Consumer next) {
    KafkaReceiverConfig.Gateway gw = config.gateway();
    this.decisionsTopic = gw.decisionsTopic();
    this.logger = settings.logger();
    this.writeLog = new RateLimitedLogger(logger, Duration.ofSeconds(10));
    Map<String, Object> p = new HashMap<>(clientProps);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    Map<String, Object> r = new HashMap<>(clientProps);
    r.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    r.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    this.reader = new KafkaConsumer<>(r, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    var t = settings.telemetry();
    String id = settings.id().toString();
    this.written = t.counter("traceyard_kafka_receiver_decisions_written", "Gateway mode: decisions stored in the "
        + "decisions topic.", "receiver", "topic").labelValues(id, decisionsTopic);
    this.writeFailures = t.counter("traceyard_kafka_receiver_decision_write_failures", "Gateway mode: decisions that "
        + "could not be stored (their offsets stay uncommitted and are replayed).", "receiver", "topic")
        .labelValues(id, decisionsTopic);
    this.loaded = t.counter("traceyard_kafka_receiver_decisions_loaded", "Gateway mode: decisions read from the "
        + "decisions topic when partitions were assigned.", "receiver", "topic").labelValues(id, decisionsTopic);
    this.client = config.client();
    // Same series name and help as the traces consumer loop's, told apart by the topic label.
    this.connectionFailures = t.counter(PartitionedConsumerLoop.CONNECTION_FAILURES,
        PartitionedConsumerLoop.CONNECTION_FAILURES_HELP, "receiver", "topic").labelValues(id, decisionsTopic);
    this.connectionLog = new RateLimitedLogger(logger, Duration.ofSeconds(10));
    this.watch = new ConnectionWatch(config.sessionTimeout(), System.nanoTime());
    // The longest slice of a blocking reader call: how often the watch is fed and a stop is noticed.
    this.slice = ConnectionWatch.feedEvery(config.sessionTimeout());
    this.sampler = new PartitionedTailSampler(settings, gw.tailSampling(), next, this);
  }

  void start(Host host) {
    sampler.start(host);
  }

  ConsumeResult consume(Batch batch, int partition, long offset) {
    if (!(batch instanceof TraceBatch)) {
      return ConsumeResult.permanent("the kafka receiver's tail_sampling takes traces only");
    }
    return sampler.consume((TraceBatch) batch, partition, offset);
  }

  @Override
  public long committable(TopicPartition partition, long delivered) {
    return sampler.committable(partition.partition(), delivered);
  }

  /** Reads the decisions partitions of the newly assigned data partitions into the decision caches. */
  void assigned(Collection<TopicPartition> partitions) {
    Set<Integer> numbers = new TreeSet<>();
    partitions.forEach(tp -> numbers.add(tp.partition()));
    int available;
    watch.resume(System.nanoTime());
    try {
      List<PartitionInfo> infos = sliced(s -> reader.partitionsFor(decisionsTopic, s),
          System.nanoTime() + READ_TIMEOUT.toNanos());
      answers++;
      available = infos == null ? 0 : infos.size();
    } catch (WakeupException e) {
      numbers.forEach(n -> sampler.assigned(n, List.of()));
      return;
    } catch (KafkaException e) {
      logger.error("cannot read decisions topic {}: {}; late spans of moved traces will be decided again",
          decisionsTopic, e.toString());
      numbers.forEach(n -> sampler.assigned(n, List.of()));
      return;
    }
    List<TopicPartition> toRead = new ArrayList<>();
    for (int n : numbers) {
      if (n < available) {
        toRead.add(new TopicPartition(decisionsTopic, n));
      } else {
        logger.error("decisions topic {} has {} partitions, none for data partition {}: create it with as many "
            + "partitions as the data topic (cleanup.policy=compact)", decisionsTopic, available, n);
      }
    }
    Map<Integer, List<DecisionRecord>> byPartition = read(toRead);
    for (int n : numbers) {
      List<DecisionRecord> records = byPartition.getOrDefault(n, List.of());
      loaded.inc(records.size());
      sampler.assigned(n, records);
    }
    if (logger.isDebugEnabled()) {
      logger.debug("assigned {}: loaded decisions {}", numbers, byPartition.values().stream().mapToInt(List::size).sum());
    }
  }

  private Map<Integer, List<DecisionRecord>> read(List<TopicPartition> tps) {
    Map<Integer, List<DecisionRecord>> out = new HashMap<>();
    if (tps.isEmpty()) {
      return out;
    }
    long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
    try {
      reader.assign(tps);
      reader.seekToBeginning(tps);
      Map<TopicPartition, Long> end = sliced(s -> reader.endOffsets(tps, s), deadline);
      answers++;
      while (!stopping && !caughtUp(end, deadline) && System.nanoTime() < deadline) {
        ConsumerRecords<byte[], byte[]> polled = reader.poll(Duration.ofMillis(200));
        watchConnection();
        for (ConsumerRecord<byte[], byte[]> rec : polled) {
          try {
            out.computeIfAbsent(rec.partition(), k -> new ArrayList<>()).add(DecisionRecord.decode(rec.key(), rec.value()));
          } catch (IllegalArgumentException e) {
            writeLog.warn("skipping a bad record at {}-{} offset {}: {}", rec.topic(), rec.partition(), rec.offset(),
                e.getMessage());
          }
        }
      }
      if (!stopping && !caughtUp(end, deadline)) {
        logger.error("decisions of {} not read to the end within {}s: some late spans may be decided again", tps,
            READ_TIMEOUT.toSeconds());
      }
    } catch (WakeupException e) {
      // Stopping: what was read so far is loaded; the rest does not matter any more.
    } catch (KafkaException e) {
      logger.error("cannot read decisions {}: {}; late spans of moved traces will be decided again", tps, e.toString());
    } finally {
      try {
        reader.unsubscribe();
      } catch (KafkaException e) {
        // Nothing to release beyond the assignment.
      }
    }
    return out;
  }

  private boolean caughtUp(Map<TopicPartition, Long> end, long deadline) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      // Not an answer by itself: once known, the position comes from memory.
      if (sliced(s -> reader.position(e.getKey(), s), deadline) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  /**
   * Makes a blocking reader call in slices of at most {@link #slice}, feeding the watch after each,
   * until it returns, {@code deadline} passes (the call's {@link TimeoutException}) or
   * {@link #stopReading} was called ({@link WakeupException}).
   */
  private <T> T sliced(Function<Duration, T> call, long deadline) {
    while (true) {
      long left = deadline - System.nanoTime();
      Duration wait = Duration.ofNanos(Math.max(0, Math.min(left, slice.toNanos())));
      try {
        return call.apply(wait);
      } catch (TimeoutException e) {
        if (stopping) {
          throw new WakeupException();
        }
        if (deadline - System.nanoTime() <= 0) {
          throw e;
        }
      } finally {
        watchConnection();
      }
    }
  }

  /** Feeds the {@link ConnectionWatch} the reader's answers and acts on its verdict. */
  private void watchConnection() {
    long now = System.nanoTime();
    ConnectionWatch.Reading r = ConnectionWatch.read(reader.metrics(), ANSWER_METRICS);
    Duration silent = watch.silentFor(now);
    switch (watch.check(answers + r.answers(), r.openConnections(), now)) {
      case FAILING -> {
        connectionFailures.inc();
        connectionLog.warn("no answer from Kafka {} for {}: decisions topic {} is not read, so late spans of traces "
            + "decided before a rebalance may be decided again; {}", client.brokers(),
            ConnectionWatch.seconds(silent), decisionsTopic, client.whatToCheckWithoutAnswer());
      }
      case RECOVERED -> logger.info("Kafka {} answers again after {} without an answer; reading decisions topic {}",
          client.brokers(), ConnectionWatch.seconds(silent), decisionsTopic);
      default -> { }
    }
  }

  /**
   * Makes a read in progress give up soon (within a slice), so that stopping the receiver does not
   * wait for brokers that do not answer. Any thread.
   */
  void stopReading() {
    stopping = true;
    reader.wakeup();
  }

  void revoked(Collection<TopicPartition> partitions) {
    List<Integer> numbers = new ArrayList<>();
    partitions.forEach(tp -> numbers.add(tp.partition()));
    sampler.revoked(numbers);
  }

  @Override
  public void write(int partition, DecisionRecord record, Runnable onDurable) {
    if (halted) {
      return;
    }
    producer.send(new ProducerRecord<>(decisionsTopic, partition, record.key(), record.value()), (md, e) -> {
      if (e == null) {
        written.inc();
        onDurable.run();
      } else {
        writeFailures.inc();
        writeLog.warn("cannot store a decision in {}-{}: {}; its offsets stay uncommitted", decisionsTopic, partition,
            e.toString());
      }
    });
  }

  @Override
  public void flush() {
    if (!halted) {
      producer.flush();
    }
  }

  /** After the consumer loops stopped: decides what is left, stores it, closes the clients. */
  void shutdown() {
    sampler.shutdown();
    close(Duration.ofSeconds(10));
  }

  /** Stops like a killed process: no decision, send or write more; unsent writes are abandoned. */
  void halt() {
    halted = true;
    stopReading();
    sampler.halt();
    close(Duration.ZERO);
  }

  private void close(Duration wait) {
    try {
      producer.close(wait);
    } catch (RuntimeException e) {
      logger.warn("decision producer did not close cleanly: {}", e.toString());
    }
    try {
      reader.close(Duration.ZERO);
    } catch (RuntimeException e) {
      logger.warn("decision reader did not close cleanly: {}", e.toString());
    }
  }
}
