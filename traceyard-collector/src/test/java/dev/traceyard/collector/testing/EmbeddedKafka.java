package dev.traceyard.collector.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import kafka.server.BrokerServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A real single-node Kafka (KRaft: one process-internal node that is broker and controller) started
 * from the Kafka server jars, for tests. Storage is formatted programmatically in a temporary
 * directory that is deleted on {@link #close()}; listeners bind free ports on loopback. Settings are
 * tuned for a fast start on a small machine: replication factor 1 for internal topics, no initial
 * consumer-group rebalance delay. Start one per test class and share it: a start takes a few seconds.
 *
 * <p>{@link #stopBroker()} / {@link #startBroker()} take the broker down and bring it back (the
 * controller keeps running), for tests of clients that must survive a broker outage.
 */
public final class EmbeddedKafka implements AutoCloseable {
  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);

  private final KafkaClusterTestKit cluster;
  private final Path baseDir;
  private final int defaultPartitions;
  private Admin admin;

  private EmbeddedKafka(KafkaClusterTestKit cluster, Path baseDir, int defaultPartitions) {
    this.cluster = cluster;
    this.baseDir = baseDir;
    this.defaultPartitions = defaultPartitions;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A started single-node cluster with default settings (3 partitions per auto-created topic). */
  public static EmbeddedKafka start() {
    return builder().start();
  }

  public static final class Builder {
    private int partitions = 3;
    private final Map<String, Object> config = new LinkedHashMap<>();

    private Builder() {}

    /** {@code num.partitions}: partitions of topics created automatically or by {@link #createTopic(String)}. */
    public Builder partitions(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("partitions must be at least 1");
      }
      partitions = n;
      return this;
    }

    /** Any broker setting, e.g. {@code message.max.bytes}. */
    public Builder config(String key, Object value) {
      config.put(key, value);
      return this;
    }

    public EmbeddedKafka start() {
      Path dir;
      try {
        dir = Files.createTempDirectory("traceyard-kafka");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      KafkaClusterTestKit cluster = null;
      try {
        TestKitNodes nodes = new TestKitNodes.Builder()
            .setCombined(true)
            .setNumBrokerNodes(1)
            .setNumControllerNodes(1)
            .setBaseDirectory(dir)
            .build();
        KafkaClusterTestKit.Builder b = new KafkaClusterTestKit.Builder(nodes)
            .setDeleteOnClose(true)
            .setConfigProp("num.partitions", String.valueOf(partitions))
            .setConfigProp("default.replication.factor", String.valueOf(1))
            .setConfigProp("offsets.topic.replication.factor", String.valueOf(1))
            .setConfigProp("offsets.topic.num.partitions", String.valueOf(1))
            .setConfigProp("transaction.state.log.replication.factor", String.valueOf(1))
            .setConfigProp("transaction.state.log.min.isr", String.valueOf(1))
            .setConfigProp("group.initial.rebalance.delay.ms", String.valueOf(0))
            .setConfigProp("auto.create.topics.enable", String.valueOf(true))
            // A consumer that dies (a test's SIGKILL stand-in) is noticed in seconds, not 45s.
            .setConfigProp("group.consumer.min.session.timeout.ms", String.valueOf(1000))
            .setConfigProp("group.min.session.timeout.ms", String.valueOf(1000))
            .setConfigProp("log.flush.interval.messages", String.valueOf(Long.MAX_VALUE))
            // A restarted broker re-registers sooner than with the default 9s session (not much lower: a
            // loaded 2-core machine then misses heartbeats and the broker is fenced).
            .setConfigProp("broker.heartbeat.interval.ms", String.valueOf(500))
            .setConfigProp("broker.session.timeout.ms", String.valueOf(5000))
            .setConfigProp("controlled.shutdown.enable", String.valueOf(false));
        config.forEach((k, v) -> b.setConfigProp(k, String.valueOf(v)));
        cluster = b.build();
        cluster.format();
        cluster.startup();
        cluster.waitForReadyBrokers();
        return new EmbeddedKafka(cluster, dir, partitions);
      } catch (Exception e) {
        if (cluster != null) {
          try {
            cluster.close();
          } catch (Exception suppressed) {
            e.addSuppressed(suppressed);
          }
        }
        deleteQuietly(dir);
        throw new IllegalStateException("embedded Kafka failed to start: " + e, e);
      }
    }
  }

  /** {@code bootstrap.servers} for clients, e.g. {@code localhost:40123}. */
  public String bootstrapServers() {
    return cluster.bootstrapServers();
  }

  /** Properties a client needs to reach this broker (bootstrap servers and security settings). */
  public Properties clientProperties() {
    return cluster.clientProperties();
  }

  /** An admin client for this cluster, created on first use and closed with the cluster. */
  public synchronized Admin admin() {
    if (admin == null) {
      Properties p = clientProperties();
      p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) ADMIN_TIMEOUT.toMillis());
      admin = Admin.create(p);
    }
    return admin;
  }

  /** Creates a topic with the default partition count; an existing topic is left as it is. */
  public void createTopic(String name) {
    createTopic(name, defaultPartitions);
  }

  /** Creates a topic with {@code partitions} partitions; an existing topic is left as it is. */
  public void createTopic(String name, int partitions) {
    try {
      admin().createTopics(List.of(new NewTopic(name, partitions, (short) 1)))
          .all().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new IllegalStateException("cannot create topic " + name + ": " + e.getCause(), e.getCause());
      }
    } catch (Exception e) {
      throw new IllegalStateException("cannot create topic " + name + ": " + e, e);
    }
  }

  /** The partitions of a topic. */
  public int partitionCount(String topic) {
    try {
      TopicDescription d = admin().describeTopics(List.of(topic)).allTopicNames()
          .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(topic);
      return d.partitions().size();
    } catch (Exception e) {
      throw new IllegalStateException("cannot describe topic " + topic + ": " + e, e);
    }
  }

  /** The end offset (the offset the next record will get) of every partition of a topic. */
  public Map<TopicPartition, Long> endOffsets(String topic) {
    Map<TopicPartition, OffsetSpec> request = new LinkedHashMap<>();
    for (int p = 0; p < partitionCount(topic); p++) {
      request.put(new TopicPartition(topic, p), OffsetSpec.latest());
    }
    try {
      Map<TopicPartition, Long> out = new LinkedHashMap<>();
      admin().listOffsets(request).all().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
          .forEach((tp, info) -> out.put(tp, info.offset()));
      return out;
    } catch (Exception e) {
      throw new IllegalStateException("cannot list offsets of " + topic + ": " + e, e);
    }
  }

  /** The offsets a consumer group has committed on a topic's partitions (absent: none committed). */
  public Map<TopicPartition, Long> committedOffsets(String groupId) {
    try {
      Map<TopicPartition, Long> out = new LinkedHashMap<>();
      admin().listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata()
          .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
          .forEach((tp, om) -> {
            if (om != null) {
              out.put(tp, om.offset());
            }
          });
      return out;
    } catch (Exception e) {
      throw new IllegalStateException("cannot list the offsets of group " + groupId + ": " + e, e);
    }
  }

  /**
   * Shuts the broker down (its listener closes; the controller keeps running). Clients see
   * connection refusals until {@link #startBroker()}.
   */
  public void stopBroker() {
    BrokerServer broker = broker();
    broker.shutdown();
    broker.awaitShutdown();
  }

  /** Starts the broker stopped by {@link #stopBroker()} again, on the same port, and waits until it serves. */
  public void startBroker() {
    try {
      broker().startup();
      cluster.waitForReadyBrokers();
    } catch (Exception e) {
      throw new IllegalStateException("embedded Kafka broker failed to restart: " + e, e);
    }
  }

  private BrokerServer broker() {
    return cluster.brokers().values().iterator().next();
  }

  @Override
  public synchronized void close() {
    if (admin != null) {
      admin.close(Duration.ofSeconds(5));
      admin = null;
    }
    try {
      cluster.close();
    } catch (Exception e) {
      throw new IllegalStateException("embedded Kafka failed to shut down: " + e, e);
    } finally {
      deleteQuietly(baseDir);
    }
  }

  private static void deleteQuietly(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException ignored) {
          // best effort: a temp directory
        }
      });
    } catch (IOException ignored) {
      // best effort: a temp directory
    }
  }
}
