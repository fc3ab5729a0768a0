package dev.traceyard.collector.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import kafka.server.BrokerServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.admin.UserScramCredentialsDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.network.ListenerName;
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
 *
 * <p>Secured listeners: {@link Builder#listener} adds, next to the plaintext listener that
 * {@link #bootstrapServers()}, {@link #clientProperties()} and {@link #admin()} use, a listener per
 * {@link SecureListener} on its own port ({@link #bootstrapServers(SecureListener)}). SASL listeners
 * accept PLAIN (users from {@link Builder#plainUser}), SCRAM-SHA-256 and SCRAM-SHA-512 (users from
 * {@link #createScramUser}); TLS listeners present {@link TestCertificates}' server certificate for
 * {@code localhost} and, on {@link SecureListener#MTLS}, require a client certificate signed by its
 * CA. One broker serves them all, so a test class needs only one. No ACLs: an authenticated client
 * may do anything.
 */
public final class EmbeddedKafka implements AutoCloseable {
  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);

  /** A secured listener the broker can open in addition to its plaintext one. */
  public enum SecureListener {
    /** SASL without TLS: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512. */
    SASL_PLAINTEXT("SASL_PLAIN", "SASL_PLAINTEXT"),
    /** TLS, server certificate only. */
    SSL("TLS", "SSL"),
    /** TLS that requires a client certificate signed by the test CA. */
    MTLS("MTLS", "SSL"),
    /** SASL (as {@link #SASL_PLAINTEXT}) inside TLS (as {@link #SSL}). */
    SASL_SSL("SASL_TLS", "SASL_SSL");

    private final String listenerName;
    private final String protocol;

    SecureListener(String listenerName, String protocol) {
      this.listenerName = listenerName;
      this.protocol = protocol;
    }

    boolean sasl() {
      return protocol.startsWith("SASL_");
    }

    boolean tls() {
      return protocol.endsWith("SSL");
    }
  }

  /** The SASL mechanisms every SASL listener enables. */
  private static final List<String> SASL_MECHANISMS = List.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512");

  private final KafkaClusterTestKit cluster;
  private final Path baseDir;
  private final int defaultPartitions;
  private final Set<SecureListener> secureListeners;
  private Admin admin;

  private EmbeddedKafka(KafkaClusterTestKit cluster, Path baseDir, int defaultPartitions,
      Set<SecureListener> secureListeners) {
    this.cluster = cluster;
    this.baseDir = baseDir;
    this.defaultPartitions = defaultPartitions;
    this.secureListeners = secureListeners;
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
    private final Set<SecureListener> listeners = EnumSet.noneOf(SecureListener.class);
    private final Map<String, String> plainUsers = new LinkedHashMap<>();

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

    /** Opens a secured listener too (see the class comment). */
    public Builder listener(SecureListener listener) {
      listeners.add(listener);
      return this;
    }

    /** A user the SASL listeners accept with mechanism PLAIN. */
    public Builder plainUser(String user, String password) {
      plainUsers.put(user, password);
      return this;
    }

    /** The broker settings for the secured listeners: listener names, protocols, JAAS and TLS per listener. */
    private Map<String, String> listenerConfig() {
      Map<String, String> out = new LinkedHashMap<>();
      if (listeners.isEmpty()) {
        return out;
      }
      // The test kit's own listeners (EXTERNAL for clients and between brokers, CONTROLLER) stay as
      // they are: it binds them to pre-reserved ports by name, port 0 here. The others bind free ports.
      StringBuilder names = new StringBuilder("EXTERNAL://localhost:0,CONTROLLER://localhost:0");
      StringBuilder protocols = new StringBuilder("EXTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT");
      for (SecureListener l : listeners) {
        names.append(',').append(l.listenerName).append("://localhost:0");
        protocols.append(',').append(l.listenerName).append(':').append(l.protocol);
        String prefix = "listener.name." + l.listenerName.toLowerCase(Locale.ROOT) + ".";
        if (l.sasl()) {
          out.put(prefix + "sasl.enabled.mechanisms", String.join(",", SASL_MECHANISMS));
          StringBuilder plain = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required");
          plainUsers.forEach((u, p) -> plain.append(" user_").append(u).append("=\"").append(jaasEscape(p)).append('"'));
          out.put(prefix + "plain.sasl.jaas.config", plain.append(';').toString());
          for (String scram : List.of("scram-sha-256", "scram-sha-512")) {
            out.put(prefix + scram + ".sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required;");
          }
        }
        if (l.tls()) {
          TestCertificates certs = TestCertificates.get();
          out.put(prefix + "ssl.keystore.type", "PEM");
          out.put(prefix + "ssl.keystore.certificate.chain", new String(certs.server.certPem(), StandardCharsets.US_ASCII));
          out.put(prefix + "ssl.keystore.key", new String(certs.server.keyPem(), StandardCharsets.US_ASCII));
          out.put(prefix + "ssl.truststore.type", "PEM");
          out.put(prefix + "ssl.truststore.certificates", new String(certs.caPem(), StandardCharsets.US_ASCII));
          out.put(prefix + "ssl.client.auth", l == SecureListener.MTLS ? "required" : "none");
        }
      }
      out.put("listeners", names.toString());
      out.put("listener.security.protocol.map", protocols.toString());
      return out;
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
        listenerConfig().forEach(b::setConfigProp);
        config.forEach((k, v) -> b.setConfigProp(k, String.valueOf(v)));
        cluster = b.build();
        cluster.format();
        cluster.startup();
        cluster.waitForReadyBrokers();
        return new EmbeddedKafka(cluster, dir, partitions, Set.copyOf(listeners));
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

  /**
   * {@code bootstrap.servers} of a secured listener opened with {@link Builder#listener}. Its port is
   * chosen at start and may change after {@link #stopBroker()} / {@link #startBroker()}.
   */
  public String bootstrapServers(SecureListener listener) {
    if (!secureListeners.contains(listener)) {
      throw new IllegalStateException("listener " + listener + " was not opened; use builder().listener(" + listener + ")");
    }
    return "localhost:" + broker().boundPort(ListenerName.normalised(listener.listenerName));
  }

  /**
   * Creates (or updates) a SCRAM user the SASL listeners accept, through the admin API, and waits
   * until the broker knows it.
   *
   * @param mechanism {@code SCRAM-SHA-256} or {@code SCRAM-SHA-512}
   */
  public void createScramUser(String mechanism, String user, String password) {
    ScramMechanism m = ScramMechanism.fromMechanismName(mechanism);
    if (m == ScramMechanism.UNKNOWN) {
      throw new IllegalArgumentException("not a SCRAM mechanism: " + mechanism);
    }
    try {
      admin().alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(user, new ScramCredentialInfo(m, 4096),
          password))).all().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      long deadline = System.nanoTime() + ADMIN_TIMEOUT.toNanos();
      // The broker answers from its metadata cache, which also serves authentication: once it lists
      // the credential, a login with it works.
      while (!hasScramCredential(user, m)) {
        if (System.nanoTime() - deadline > 0) {
          throw new IllegalStateException("SCRAM user " + user + " not visible on the broker within " + ADMIN_TIMEOUT);
        }
        Thread.sleep(20);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating SCRAM user " + user, e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot create SCRAM user " + user + ": " + e, e);
    }
  }

  private boolean hasScramCredential(String user, ScramMechanism m) throws Exception {
    try {
      Map<String, UserScramCredentialsDescription> d = admin().describeUserScramCredentials(List.of(user)).all()
          .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      return d.containsKey(user) && d.get(user).credentialInfos().stream().anyMatch(i -> i.mechanism() == m);
    } catch (ExecutionException e) {
      // ResourceNotFoundException: not there yet.
      return false;
    }
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
    long deadline = System.nanoTime() + ADMIN_TIMEOUT.toNanos();
    while (true) {
      try {
        TopicDescription d = admin().describeTopics(List.of(topic)).allTopicNames()
            .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(topic);
        return d.partitions().size();
      } catch (ExecutionException e) {
        // Right after createTopic the broker may not have applied the new metadata yet (KRaft
        // propagates it asynchronously; seen on a loaded CI machine): ask again until it has.
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() - deadline > 0) {
          throw new IllegalStateException("cannot describe topic " + topic + ": " + e, e);
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
      } catch (Exception e) {
        throw new IllegalStateException("cannot describe topic " + topic + ": " + e, e);
      }
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

  private static String jaasEscape(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"");
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
