package dev.traceyard.collector.receiver.kafka;

import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Host;
import dev.traceyard.collector.component.Receiver;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.consumer.Consumer;
import dev.traceyard.collector.kafka.KafkaTopics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.slf4j.Logger;

/**
 * The {@code kafka} receiver: one consumer (and thread) per signal wired to it, all in the consumer
 * group {@code group_id}. Offsets are committed only for messages that were handed on: see
 * {@link PartitionedConsumerLoop} for what happens on refusals, bad messages and rebalances.
 */
final class KafkaReceiver implements Receiver {
  private static final long STOP_WAIT_MS = 15_000;

  private final ComponentSettings settings;
  private final KafkaReceiverConfig config;
  private final Consumer next;
  private final Set<Signal> wired;
  private final CommitGate gate;
  private final Logger logger;
  private final List<PartitionedConsumerLoop> loops = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private KafkaGateway gateway;

  KafkaReceiver(ComponentSettings settings, KafkaReceiverConfig config, Consumer next, Set<Signal> wired,
      CommitGate gate) {
    this.settings = settings;
    this.config = config;
    this.next = next;
    this.wired = wired;
    this.gate = Objects.requireNonNull(gate, "gate");
    this.logger = settings.logger();
  }

  /** The consumer settings for a config; package-private for tests. */
  static Map<String, Object> consumerProperties(KafkaReceiverConfig config, Logger logger) {
    Map<String, Object> p = new HashMap<>(config.client().clientProperties(logger));
    p.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
    if (config.groupInstanceId() != null) {
      p.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, config.groupInstanceId());
    }
    // Offsets are committed by the receiver, after delivery: never by the client on a timer.
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, config.fromEarliest() ? "earliest" : "latest");
    p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) config.sessionTimeout().toMillis());
    p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) config.heartbeatInterval().toMillis());
    if (config.assignor() != null) {
      p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, config.assignor());
    }
    p.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, config.minFetchBytes());
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, config.maxPartitionFetchBytes());
    p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, config.maxFetchBytes());
    p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, (int) config.maxFetchWait().toMillis());
    p.put(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1000);
    return p;
  }

  @Override
  public void start(Host host) {
    Map<String, Signal> topicOwner = new HashMap<>();
    for (Signal s : Signal.values()) {
      if (wired.contains(s)) {
        Signal other = topicOwner.putIfAbsent(config.topics().route(s).topic(), s);
        if (other != null) {
          // Each message would reach both consumers and be malformed for one of them.
          throw new IllegalStateException("receivers." + settings.id() + ": " + other.configName() + " and "
              + s.configName() + " pipelines both read topic '" + config.topics().route(s).topic() + "'; give each signal "
              + "its own topic (" + other.configName() + ".topic, " + s.configName() + ".topic)");
        }
      }
    }
    Map<String, Object> props = consumerProperties(config, logger);
    if (config.gateway() != null && wired.contains(Signal.TRACES)) {
      gateway = new KafkaGateway(settings, config, config.client().clientProperties(logger), next);
      gateway.start(host);
    }
    for (Signal s : Signal.values()) {
      if (!wired.contains(s)) {
        continue;
      }
      KafkaTopics.Route route = config.topics().route(s);
      boolean sampled = gateway != null && s == Signal.TRACES;
      PartitionedConsumerLoop loop;
      try {
        loop = new PartitionedConsumerLoop(settings, config, props, s, route, next, sampled ? gateway : gate,
            sampled ? gateway : null);
      } catch (RuntimeException e) {
        // e.g. no broker address resolves: fail the start, closing the consumers already made.
        loops.forEach(PartitionedConsumerLoop::closeUnstarted);
        loops.clear();
        threads.clear();
        if (gateway != null) {
          gateway.shutdown();
          gateway = null;
        }
        throw e;
      }
      loops.add(loop);
      Thread t = new Thread(loop, "traceyard-kafka-receiver-" + settings.id() + "-" + s.configName());
      t.setDaemon(true);
      threads.add(t);
    }
    threads.forEach(Thread::start);
    logger.info("consuming {} from {} as group {}", wired, config.client().brokers(), config.groupId());
  }

  @Override
  public void shutdown() {
    loops.forEach(PartitionedConsumerLoop::stop);
    if (gateway != null) {
      // The traces loop may be reading decisions (in its rebalance listener) from brokers that do not answer.
      gateway.stopReading();
    }
    long begin = System.nanoTime();
    long deadline = begin + TimeUnit.MILLISECONDS.toNanos(STOP_WAIT_MS);
    for (Thread t : threads) {
      try {
        TimeUnit.NANOSECONDS.timedJoin(t, Math.max(1, deadline - System.nanoTime()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (t.isAlive()) {
        logger.warn("{} did not stop in time; abandoning it", t.getName());
      }
    }
    logger.info("stopped consuming after committing what was delivered ({} ms)",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin));
    if (gateway != null) {
      gateway.shutdown();
    }
  }

  /**
   * Stops as a SIGKILL would leave things: no commit, no decision stored, no goodbye to the group
   * (the partitions move once the session times out). For the gateway mode's recovery tests.
   */
  void halt() {
    if (gateway != null) {
      gateway.halt();
    }
    loops.forEach(PartitionedConsumerLoop::halt);
  }
}
