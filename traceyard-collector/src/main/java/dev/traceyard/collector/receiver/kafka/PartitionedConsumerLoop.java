package dev.traceyard.collector.receiver.kafka;

import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.consumer.Consumer;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.kafka.KafkaClientConfig;
import dev.traceyard.collector.kafka.KafkaEncoding;
import dev.traceyard.collector.kafka.KafkaTopics;
import dev.traceyard.collector.telemetry.RateLimitedLogger;
import dev.traceyard.collector.telemetry.ReceiverMetrics;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;

/**
 * Reads one signal's topic and hands each message, in partition order, to the pipeline. A message
 * is "done" when the pipeline accepted it, refused it permanently (counted and logged: retrying
 * cannot help) or it could not be decoded (counted and logged, skipped without stopping the
 * partition). Only done messages are committed, through the {@link CommitGate}, every
 * {@code autocommit.interval}, before partitions are revoked, and at shutdown.
 *
 * <p>A retryable refusal pauses every assigned partition and retries the same message with backoff
 * until it is accepted: nothing after it is handed on and nothing is skipped. While waiting the
 * consumer keeps polling (paused, so it fetches nothing), which keeps it in the group. On revocation
 * the messages not yet done of the revoked partitions are dropped from memory; the next owner reads
 * them again from the committed offset (at-least-once: a message delivered but not yet committed
 * when a receiver dies is delivered again).
 *
 * <p>Brokers that cannot be reached, or a listener that closes the connection because it expects
 * SASL or TLS while the receiver speaks plaintext, raise no error in the Kafka consumer: it
 * reconnects quietly. A {@link ConnectionWatch} notices when no broker has answered for
 * {@code session_timeout}; each such interval is counted in
 * {@code traceyard_kafka_receiver_connection_failures} and logged (rate-limited) with the settings to
 * check, and the first answer afterwards is logged once.
 */
final class PartitionedConsumerLoop implements Runnable {
  private static final Duration POLL = Duration.ofMillis(500);
  /** Also counted by the gateway's decisions reader ({@link KafkaGateway}), labelled with its topic. */
  static final String CONNECTION_FAILURES = "traceyard_kafka_receiver_connection_failures";
  static final String CONNECTION_FAILURES_HELP = "Intervals of session_timeout in which no Kafka broker answered "
      + "the receiver (no heartbeat, join, commit or fetch response; for the gateway's decisions topic: no metadata, "
      + "offsets or fetch response while reading it): brokers unreachable, or a listener expecting SASL or TLS while "
      + "the receiver speaks plaintext.";
  private static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(5);
  /**
   * The consumer's counts of answers that only a working connection (reachable broker, matching
   * security protocol, accepted credentials) yields: group heartbeats, joins, syncs and offset
   * commits (recorded when the coordinator's response arrives, errors included) and fetch responses.
   * A member of a group heartbeats every {@code heartbeat_interval} (shorter than
   * {@code session_timeout}) even when idle or paused, so a working consumer's sum grows at least
   * that often. Not the client's generic {@code response-total}: a SASL listener answers a plaintext
   * client's first request (ApiVersions) before it closes the connection, so that count keeps growing
   * during the very misconfiguration this is for.
   */
  private static final Map<String, Set<String>> ANSWER_METRICS = Map.of(
      "consumer-coordinator-metrics", Set.of("heartbeat-total", "join-total", "sync-total", "commit-total"),
      "consumer-fetch-manager-metrics", Set.of("fetch-total"));

  private final Signal signal;
  private final KafkaTopics.Route route;
  private final Consumer next;
  private final CommitGate gate;
  private final KafkaReceiverConfig config;
  private final Logger logger;
  private final RateLimitedLogger malformedLog;
  private final RateLimitedLogger refusedLog;
  private final RateLimitedLogger commitLog;
  private final ReceiverMetrics metrics;
  private final CounterDataPoint malformed;
  private final CounterDataPoint retries;
  private final CounterDataPoint authFailures;
  private final RateLimitedLogger authLog;
  private final CounterDataPoint connectionFailures;
  private final RateLimitedLogger connectionLog;
  private final KafkaConsumer<byte[], byte[]> consumer;
  /** Null once the consumer turned out not to have the metrics it reads. */
  private ConnectionWatch watch;
  private final long watchEveryNanos;
  private long nextWatch;
  /** Answers the loop sees itself (assignments, records): added to the consumer's counts. */
  private long seenAnswers;

  private final ArrayDeque<ConsumerRecord<byte[], byte[]>> pending = new ArrayDeque<>();
  /** Per partition: the offset after the last done message. */
  private final Map<TopicPartition, Long> done = new HashMap<>();
  /** Per partition: the last offset committed by this loop. */
  private final Map<TopicPartition, Long> committed = new HashMap<>();
  /** Gateway mode (traces only): tail sampling told each message's partition and offset; else null. */
  private final KafkaGateway gateway;
  private volatile boolean running = true;
  /** Set by {@link #halt}: stop as a crashed process would, committing nothing more. */
  private volatile boolean halted;
  private boolean paused;
  private Duration backoff;

  PartitionedConsumerLoop(ComponentSettings settings, KafkaReceiverConfig config, Map<String, Object> props,
      Signal signal, KafkaTopics.Route route, Consumer next, CommitGate gate) {
    this(settings, config, props, signal, route, next, gate, null);
  }

  PartitionedConsumerLoop(ComponentSettings settings, KafkaReceiverConfig config, Map<String, Object> props,
      Signal signal, KafkaTopics.Route route, Consumer next, CommitGate gate, KafkaGateway gateway) {
    this.gateway = gateway;
    this.signal = signal;
    this.route = route;
    this.next = next;
    this.gate = gate;
    this.config = config;
    this.logger = settings.logger();
    this.malformedLog = new RateLimitedLogger(logger, Duration.ofSeconds(10));
    this.refusedLog = new RateLimitedLogger(logger, Duration.ofSeconds(10));
    this.commitLog = new RateLimitedLogger(logger, Duration.ofSeconds(10));
    this.metrics = settings.telemetry().receiver(settings.id(), "kafka");
    this.malformed = settings.telemetry().counter("traceyard_kafka_receiver_malformed_messages",
        "Kafka messages that could not be decoded and were skipped.", "receiver", "topic")
        .labelValues(settings.id().toString(), route.topic());
    this.retries = settings.telemetry().counter("traceyard_kafka_receiver_retries",
        "Times a Kafka message refused retryably by the pipeline was tried again.", "receiver", "topic")
        .labelValues(settings.id().toString(), route.topic());
    this.authFailures = settings.telemetry().counter("traceyard_kafka_receiver_authentication_failures",
        "Polls that failed because the Kafka broker did not accept the receiver's SASL or TLS settings.", "receiver",
        "topic").labelValues(settings.id().toString(), route.topic());
    this.authLog = new RateLimitedLogger(logger, Duration.ofSeconds(10));
    this.connectionFailures = settings.telemetry().counter(CONNECTION_FAILURES, CONNECTION_FAILURES_HELP,
        "receiver", "topic").labelValues(settings.id().toString(), route.topic());
    this.connectionLog = new RateLimitedLogger(logger, Duration.ofSeconds(10));
    this.consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    this.watchEveryNanos = ConnectionWatch.feedEvery(config.sessionTimeout()).toNanos();
    this.backoff = config.backoffInitial();
  }

  /** Releases the consumer of a loop whose thread never started. */
  void closeUnstarted() {
    consumer.close(Duration.ZERO);
  }

  void stop() {
    running = false;
    consumer.wakeup();
  }

  /** Stops without any further commit: what a killed process leaves behind. For recovery tests. */
  void halt() {
    halted = true;
    stop();
  }

  @Override
  public void run() {
    try {
      consumer.subscribe(List.of(route.topic()), new Listener());
      watch = new ConnectionWatch(config.sessionTimeout(), System.nanoTime());
      nextWatch = System.nanoTime() + watchEveryNanos;
      long nextCommit = System.nanoTime() + config.commitInterval().toNanos();
      Duration errorBackoff = config.backoffInitial();
      while (running) {
        try {
          step();
          errorBackoff = config.backoffInitial();
        } catch (WakeupException e) {
          if (running) {
            continue;
          }
          break;
        } catch (KafkaException e) {
          // Broker or group trouble: the client recovers by itself; keep what is pending and go on.
          if (KafkaClientConfig.isAuthenticationFailure(e)) {
            // Nothing is read, so nothing is lost; but nothing arrives either until the settings or
            // the broker's users are fixed, so say which settings (rate-limited) and count it.
            authLog.warn("cannot read Kafka topic {}: {}; retrying", route.topic(), config.client().explain(e));
            authFailures.inc();
            if (watch != null) {
              watch.authenticationFailed();
            }
          } else {
            commitLog.warn("Kafka consumer error on topic {}: {}", route.topic(), e.toString());
          }
          sleepWhileRunning(errorBackoff);
          Duration grown = errorBackoff.multipliedBy(2);
          errorBackoff = grown.compareTo(config.backoffMax()) > 0 ? config.backoffMax() : grown;
        }
        watchConnection();
        if (System.nanoTime() - nextCommit >= 0) {
          commit();
          nextCommit = System.nanoTime() + config.commitInterval().toNanos();
        }
      }
    } catch (RuntimeException | Error e) {
      logger.error("Kafka consumer of topic {} stopped by an unexpected error", route.topic(), e);
    } finally {
      try {
        commit();
      } catch (WakeupException e) {
        commit();
      } catch (RuntimeException e) {
        logger.warn("final commit failed: {}", e.toString());
      }
      try {
        if (halted) {
          // No goodbye either: a killed member stays in the group until its session times out.
          consumer.close(CloseOptions.timeout(Duration.ZERO)
              .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP));
          return;
        }
        consumer.close(Duration.ofSeconds(5));
      } catch (RuntimeException e) {
        logger.warn("Kafka consumer did not close cleanly: {}", e.toString());
      }
    }
  }

  private void step() {
    if (pending.isEmpty()) {
      if (paused) {
        consumer.resume(consumer.paused());
        paused = false;
      }
      add(consumer.poll(POLL));
      return;
    }
    ConsumerRecord<byte[], byte[]> r = pending.peekFirst();
    Duration retryIn = handle(r);
    if (retryIn == null) {
      pending.pollFirst();
      done.put(new TopicPartition(r.topic(), r.partition()), r.offset() + 1);
      backoff = config.backoffInitial();
      return;
    }
    retries.inc();
    if (!paused) {
      consumer.pause(consumer.assignment());
      paused = true;
    }
    // Waits while staying in the group; paused partitions return nothing, partitions newly assigned
    // during a rebalance may, and join the queue behind what is pending.
    add(consumer.poll(retryIn));
  }

  /** Feeds the {@link ConnectionWatch} (at most every {@code watchEveryNanos}) and acts on its verdict. */
  private void watchConnection() {
    long now = System.nanoTime();
    if (watch == null || now - nextWatch < 0) {
      return;
    }
    nextWatch = now + watchEveryNanos;
    ConnectionWatch.Reading r = ConnectionWatch.read(consumer.metrics(), ANSWER_METRICS);
    if (!r.found()) {
      // A client version without these metrics: every consumer would look disconnected. Say nothing.
      logger.debug("the Kafka consumer has none of the metrics {}; not watching its connection", ANSWER_METRICS);
      watch = null;
      return;
    }
    Duration silent = watch.silentFor(now);
    switch (watch.check(seenAnswers + r.answers(), r.openConnections(), now)) {
      case FAILING -> {
        connectionFailures.inc();
        if (!watch.authenticationFailedSinceLastAnswer()) {
          connectionLog.warn("no answer from Kafka {} for {}: nothing is read from topic {}; {}",
              config.client().brokers(), ConnectionWatch.seconds(silent), route.topic(),
              config.client().whatToCheckWithoutAnswer());
        }
      }
      case RECOVERED -> logger.info("Kafka {} answers again after {} without an answer; reading topic {}",
          config.client().brokers(), ConnectionWatch.seconds(silent), route.topic());
      default -> { }
    }
  }

  private void add(ConsumerRecords<byte[], byte[]> records) {
    if (!records.isEmpty()) {
      seenAnswers++;
    }
    for (ConsumerRecord<byte[], byte[]> r : records) {
      pending.addLast(r);
    }
  }

  /** Hands one message on; null when it is done, else how long to wait before trying it again. */
  private Duration handle(ConsumerRecord<byte[], byte[]> r) {
    Batch batch;
    try {
      batch = route.encoding().decode(signal, r.value());
    } catch (KafkaEncoding.MalformedMessageException e) {
      malformed.inc();
      metrics.refused(signal, 0);
      malformedLog.warn("skipping malformed message at {}-{} offset {}: {}", r.topic(), r.partition(), r.offset(),
          e.getMessage());
      return null;
    }
    if (batch.itemCount() == 0) {
      return null;
    }
    ConsumeResult result;
    try {
      result = gateway != null ? gateway.consume(batch, r.partition(), r.offset()) : next.consume(batch);
    } catch (RuntimeException e) {
      // The consumer contract says never throw; a bug is not a reason to lose the message.
      result = ConsumeResult.retryable("pipeline threw " + e, null);
    }
    if (result.isSuccess()) {
      long rejected = Math.min(result.rejectedItems(), batch.itemCount());
      metrics.accepted(signal, batch.itemCount() - rejected);
      metrics.refused(signal, rejected);
      return null;
    }
    if (result.isPermanent()) {
      metrics.refused(signal, batch.itemCount());
      refusedLog.warn("skipping message at {}-{} offset {} ({} {}): the pipeline refused it permanently: {}", r.topic(),
          r.partition(), r.offset(), batch.itemCount(), signal.itemName().replace('_', ' '), result.message());
      return null;
    }
    Duration wait = backoff;
    if (result.retryAfter() != null && result.retryAfter().compareTo(wait) > 0) {
      wait = result.retryAfter();
    }
    Duration grown = backoff.multipliedBy(3).dividedBy(2);
    backoff = grown.compareTo(config.backoffMax()) > 0 ? config.backoffMax() : grown;
    if (logger.isDebugEnabled()) {
      logger.debug("pipeline refused {}-{} offset {} for now ({}); retrying in {}", r.topic(), r.partition(),
          r.offset(), result.message(), wait);
    }
    return wait;
  }

  /** Commits what is done (as far as the gate allows) for every partition, or for {@code only}. */
  private void commit(Collection<TopicPartition> only) {
    if (halted) {
      return;
    }
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (Map.Entry<TopicPartition, Long> e : done.entrySet()) {
      if (only != null && !only.contains(e.getKey())) {
        continue;
      }
      long allowed = Math.min(e.getValue(), gate.committable(e.getKey(), e.getValue()));
      Long last = committed.get(e.getKey());
      if (allowed >= 0 && (last == null || allowed > last)) {
        offsets.put(e.getKey(), new OffsetAndMetadata(allowed));
      }
    }
    if (offsets.isEmpty()) {
      return;
    }
    try {
      consumer.commitSync(offsets, COMMIT_TIMEOUT);
      offsets.forEach((tp, om) -> committed.put(tp, om.offset()));
    } catch (WakeupException e) {
      throw e;
    } catch (KafkaException e) {
      // Not lost: the same (or a later) offset is committed next time; a new owner re-reads the rest.
      commitLog.warn("cannot commit offsets {}: {}", offsets, e.toString());
    }
  }

  private void commit() {
    commit(null);
  }

  private void forget(Collection<TopicPartition> partitions) {
    Set<TopicPartition> gone = new HashSet<>(partitions);
    pending.removeIf(r -> gone.contains(new TopicPartition(r.topic(), r.partition())));
    for (TopicPartition tp : gone) {
      done.remove(tp);
      committed.remove(tp);
    }
  }

  private final class Listener implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      if (gateway != null && !halted) {
        gateway.revoked(partitions);
      }
      try {
        commit(partitions);
      } catch (WakeupException e) {
        commit(partitions);
      } finally {
        forget(partitions);
      }
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      if (logger.isDebugEnabled()) {
        logger.debug("assigned {}", partitions);
      }
      seenAnswers++;
      if (gateway != null) {
        // Before any of their data is read: the decisions that travel with these partitions.
        gateway.assigned(partitions);
      }
      if (paused) {
        // Retrying a refused message: newly assigned partitions wait too, behind it.
        consumer.pause(partitions);
      }
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      // Another member may already own them: committing now could move its offsets; just let go.
      if (gateway != null && !halted) {
        gateway.revoked(partitions);
      }
      forget(partitions);
    }
  }

  /** Waits {@code d}, or less when {@link #stop} is called meanwhile (backoffs reach seconds). */
  private void sleepWhileRunning(Duration d) {
    long end = System.nanoTime() + d.toNanos();
    try {
      for (long left = d.toMillis(); running && left > 0; left = (end - System.nanoTime()) / 1_000_000) {
        Thread.sleep(Math.min(left, 50));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
