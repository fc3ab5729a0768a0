package dev.traceyard.collector.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.google.protobuf.ByteString;
import dev.traceyard.collector.Components;
import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.config.ConfigLoader;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.service.Service;
import dev.traceyard.collector.service.ServiceConfig;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import dev.traceyard.collector.testing.EmbeddedKafka;
import dev.traceyard.collector.testing.EmbeddedKafka.SecureListener;
import dev.traceyard.collector.testing.TestCertificates;
import dev.traceyard.collector.testing.TestComponents;
import dev.traceyard.collector.testing.TestComponents.PushReceiver;
import dev.traceyard.collector.testing.TestComponents.RecordingExporter;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;

/**
 * The {@code kafka} exporter and receiver, configured from YAML with the README's keys, against one
 * real in-process broker (shared by the class) that has a SASL_PLAINTEXT, an SSL, a mutual-TLS and a
 * SASL_SSL listener: spans go through each one, and a wrong password, an untrusted CA or a missing
 * client certificate is counted and logged naming the config section to fix, with the data kept (and
 * dropped, counted, only when {@code retry_on_failure} gives up). A client that gets no answer at all
 * (plaintext at the SASL listener, an unreachable port) counts and logs that too, and a receiver says
 * once when a broker answers again.
 */
class KafkaSecurityIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  /** A quote and a backslash: the JAAS line the client builds must escape both. */
  private static final String SCRAM_512_PASSWORD = "b0b\"s\\pass";
  private static final String WRONG_PASSWORD = "not-the-password";
  /** Exporter settings for the failure tests: one short attempt, then drop (counted) instead of retrying. */
  private static final String GIVE_UP_SOON = "timeout: 1s\n    retry_on_failure: {initial_interval: 100ms, "
      + "max_interval: 200ms, max_elapsed_time: 1s}";
  private static final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private static final AtomicInteger NEXT_ID = new AtomicInteger(1);
  /**
   * Receiver settings for the connection tests: the receiver reports no answer from Kafka after
   * session_timeout, so a short one (the test broker allows 1s) keeps them quick.
   */
  private static final String QUICK_CONNECTION_CHECK = "session_timeout: 2s\n    heartbeat_interval: 400ms";

  private static EmbeddedKafka kafka;
  private static TestCertificates certs;
  private final List<Service> services = new ArrayList<>();

  @BeforeAll
  static void startKafka() {
    logs.start();
    root().addAppender(logs);
    certs = TestCertificates.get();
    kafka = EmbeddedKafka.builder().partitions(2)
        .listener(SecureListener.SASL_PLAINTEXT)
        .listener(SecureListener.SSL)
        .listener(SecureListener.MTLS)
        .listener(SecureListener.SASL_SSL)
        .plainUser("alice", "alice-secret")
        .start();
    kafka.createScramUser("SCRAM-SHA-512", "bob", SCRAM_512_PASSWORD);
    kafka.createScramUser("SCRAM-SHA-256", "carol", "carol-secret");
  }

  @AfterAll
  static void stopKafka() {
    root().detachAppender(logs);
    if (kafka != null) {
      kafka.close();
    }
  }

  @AfterEach
  void stopServices() {
    for (int i = services.size() - 1; i >= 0; i--) {
      services.get(i).shutdown(Duration.ofSeconds(20));
    }
  }

  // ---- the security sections, as README documents them ----

  private static String plain(String password) {
    return "auth: {sasl: {mechanism: PLAIN, username: alice, password: '" + password + "'}}";
  }

  private static String scram512() {
    // YAML single quotes: the backslash is literal, the double quote needs no escape.
    return "auth: {sasl: {mechanism: SCRAM-SHA-512, username: bob, password: '" + SCRAM_512_PASSWORD + "'}}";
  }

  private static String tls() {
    return "tls: {ca_file: " + certs.caCert + "}";
  }

  private static String mutualTls() {
    return "tls: {ca_file: " + certs.caCert + ", cert_file: " + certs.client.cert() + ", key_file: "
        + certs.client.key() + "}";
  }

  private static String scram256OverTlsInTheOlderAuthTlsPlace() {
    return "auth: {sasl: {mechanism: SCRAM-SHA-256, username: carol, password: carol-secret}, tls: {ca_file: "
        + certs.caCert + "}}";
  }

  static Stream<Arguments> securedListeners() {
    return Stream.of(
        Arguments.of("sasl_plain", SecureListener.SASL_PLAINTEXT, plain("alice-secret")),
        Arguments.of("sasl_scram512", SecureListener.SASL_PLAINTEXT, scram512()),
        Arguments.of("tls", SecureListener.SSL, tls()),
        Arguments.of("mtls", SecureListener.MTLS, mutualTls()),
        Arguments.of("sasl_ssl_scram256", SecureListener.SASL_SSL, scram256OverTlsInTheOlderAuthTlsPlace()),
        // otelcol's insecure_skip_verify: a broker whose CA the client does not know, still with a client key.
        Arguments.of("tls_skip_verify", SecureListener.SSL, "tls: {insecure_skip_verify: true}"),
        Arguments.of("mtls_skip_verify", SecureListener.MTLS, "tls: {insecure_skip_verify: true, cert_file: "
            + certs.client.cert() + ", key_file: " + certs.client.key() + "}"));
  }

  // ---- tests ----

  @ParameterizedTest(name = "{0}")
  @MethodSource("securedListeners")
  void exporterAndReceiverDeliverEverySpanThroughTheSecuredListener(String name, SecureListener listener,
      String security) throws Exception {
    String topic = name + "_spans";
    kafka.createTopic(topic, 2);
    SelfTelemetry senderTelemetry = SelfTelemetry.forTesting();
    SelfTelemetry receiverTelemetry = SelfTelemetry.forTesting();
    PushReceiver push = sender(kafka.bootstrapServers(listener), topic, security, "", senderTelemetry);
    RecordingExporter capture = receiver(kafka.bootstrapServers(listener), topic, name, security, receiverTelemetry);

    int spans = 0;
    for (int b = 0; b < 3; b++) {
      ConsumeResult r = push.next.consume(TraceBatch.of(request(name, 4)));
      assertThat(r.isSuccess()).as("batch %s: %s", b, r).isTrue();
      spans += 4;
    }
    int expected = spans;
    await().atMost(WAIT).untilAsserted(() -> assertThat(spanCount(capture)).isEqualTo(expected));
    assertThat(spanNames(capture)).allSatisfy(n -> assertThat(n).startsWith(name + "-"));
    assertThat(senderTelemetry.value("traceyard_exporter_sent_spans", "kafka")).isEqualTo(expected);
    assertThat(senderTelemetry.value("traceyard_exporter_send_failed_spans", "kafka")).isZero();
    assertThat(senderTelemetry.value("traceyard_kafka_exporter_authentication_failures", "kafka")).isZero();
    assertThat(receiverTelemetry.value("traceyard_kafka_receiver_authentication_failures", "kafka", topic)).isZero();
    // The receiver commits what it handed on, through the same secured connection.
    long end = kafka.endOffsets(topic).values().stream().mapToLong(Long::longValue).sum();
    await().atMost(WAIT).untilAsserted(() -> assertThat(
        kafka.committedOffsets(name).values().stream().mapToLong(Long::longValue).sum()).isEqualTo(end));
  }

  @Test
  void wrongSaslPasswordIsCountedAndLoggedNamingTheSaslSectionAndTheSpansAreDroppedOnlyWhenRetriesEnd()
      throws Exception {
    String topic = "wrong_password_spans";
    kafka.createTopic(topic, 1);
    SelfTelemetry telemetry = SelfTelemetry.forTesting();
    PushReceiver push = sender(kafka.bootstrapServers(SecureListener.SASL_PLAINTEXT), topic, plain(WRONG_PASSWORD),
        GIVE_UP_SOON, telemetry);
    assertThat(push.next.consume(TraceBatch.of(request("wrong", 5))).isSuccess()).as("queued").isTrue();

    await().atMost(WAIT).untilAsserted(() -> assertThat(
        telemetry.value("traceyard_kafka_exporter_authentication_failures", "kafka")).isPositive());
    await().atMost(WAIT).untilAsserted(() -> assertThat(warnings()).anySatisfy(m -> assertThat(m)
        .contains("cannot send to Kafka topic " + topic)
        .contains("refused the SASL login of user 'alice' with PLAIN")
        .contains("check exporters.kafka.auth.sasl")));
    // Kept and retried, then dropped and counted when retry_on_failure gives up: never lost silently.
    await().atMost(WAIT).untilAsserted(() -> assertThat(
        telemetry.value("traceyard_exporter_send_failed_spans", "kafka")).isEqualTo(5));
    assertThat(telemetry.value("traceyard_exporter_sent_spans", "kafka")).isZero();
    await().atMost(WAIT).untilAsserted(() -> assertThat(warnings()).anySatisfy(m -> assertThat(m)
        .contains("dropping 5 spans").contains("topic " + topic).contains("exporters.kafka.auth.sasl")));
    assertThat(kafka.endOffsets(topic).values()).containsOnly(0L);
    assertThat(allLogText()).doesNotContain(WRONG_PASSWORD);
  }

  @Test
  void receiverWithAWrongScramPasswordCountsAndLogsTheFailureNamingItsSaslSection() throws Exception {
    String topic = "wrong_scram_spans";
    kafka.createTopic(topic, 1);
    SelfTelemetry telemetry = SelfTelemetry.forTesting();
    receiver(kafka.bootstrapServers(SecureListener.SASL_PLAINTEXT), topic, "wrong_scram",
        "auth: {sasl: {mechanism: SCRAM-SHA-512, username: bob, password: " + WRONG_PASSWORD + "}}", telemetry);
    await().atMost(WAIT).untilAsserted(() -> assertThat(
        telemetry.value("traceyard_kafka_receiver_authentication_failures", "kafka", topic)).isPositive());
    await().atMost(WAIT).untilAsserted(() -> assertThat(warnings()).anySatisfy(m -> assertThat(m)
        .contains("cannot read Kafka topic " + topic)
        .contains("refused the SASL login of user 'bob' with SCRAM-SHA-512")
        .contains("check receivers.kafka.auth.sasl")));
    assertThat(allLogText()).doesNotContain(WRONG_PASSWORD);
  }

  @Test
  void exporterThatDoesNotTrustTheBrokersCaCountsAndLogsAHandshakeFailureNamingItsTlsSection() throws Exception {
    String topic = "untrusted_spans";
    kafka.createTopic(topic, 1);
    SelfTelemetry telemetry = SelfTelemetry.forTesting();
    // A CA that did not sign the broker's certificate.
    PushReceiver push = sender(kafka.bootstrapServers(SecureListener.SSL), topic,
        "tls: {ca_file: " + certs.rogueClient.cert() + "}", GIVE_UP_SOON, telemetry);
    assertThat(push.next.consume(TraceBatch.of(request("untrusted", 2))).isSuccess()).isTrue();
    await().atMost(WAIT).untilAsserted(() -> assertThat(
        telemetry.value("traceyard_kafka_exporter_authentication_failures", "kafka")).isPositive());
    await().atMost(WAIT).untilAsserted(() -> assertThat(warnings()).anySatisfy(m -> assertThat(m)
        .contains("cannot send to Kafka topic " + topic)
        .contains("TLS handshake with the Kafka broker failed")
        .contains("unable to find valid certification path")
        .contains("check exporters.kafka.tls")));
    await().atMost(WAIT).untilAsserted(() -> assertThat(
        telemetry.value("traceyard_exporter_send_failed_spans", "kafka")).isEqualTo(2));
    assertThat(telemetry.value("traceyard_exporter_sent_spans", "kafka")).isZero();
  }

  @Test
  void receiverThatDoesNotTrustTheBrokersCaCountsAndLogsAHandshakeFailureNamingItsTlsSection() throws Exception {
    String topic = "untrusted_receiver_spans";
    kafka.createTopic(topic, 1);
    SelfTelemetry telemetry = SelfTelemetry.forTesting();
    // No ca_file: the JVM's CAs, which do not know the test CA. auth.tls: the older place.
    receiver(kafka.bootstrapServers(SecureListener.SASL_SSL), topic, "untrusted_receiver",
        "auth: {sasl: {mechanism: PLAIN, username: alice, password: alice-secret}, tls: {min_version: '1.2'}}",
        telemetry);
    await().atMost(WAIT).untilAsserted(() -> assertThat(
        telemetry.value("traceyard_kafka_receiver_authentication_failures", "kafka", topic)).isPositive());
    await().atMost(WAIT).untilAsserted(() -> assertThat(warnings()).anySatisfy(m -> assertThat(m)
        .contains("cannot read Kafka topic " + topic)
        .contains("TLS handshake with the Kafka broker failed")
        .contains("check receivers.kafka.auth.tls")));
  }

  @Test
  void exporterWithoutAClientCertificateOnAMutualTlsListenerCountsAndLogsAHandshakeFailure() throws Exception {
    String topic = "no_client_cert_spans";
    kafka.createTopic(topic, 1);
    SelfTelemetry telemetry = SelfTelemetry.forTesting();
    PushReceiver push = sender(kafka.bootstrapServers(SecureListener.MTLS), topic, tls(),
        GIVE_UP_SOON, telemetry);
    assertThat(push.next.consume(TraceBatch.of(request("nocert", 3))).isSuccess()).isTrue();
    await().atMost(WAIT).untilAsserted(() -> assertThat(
        telemetry.value("traceyard_kafka_exporter_authentication_failures", "kafka")).isPositive());
    await().atMost(WAIT).untilAsserted(() -> assertThat(warnings()).anySatisfy(m -> assertThat(m)
        .contains("cannot send to Kafka topic " + topic)
        .contains("TLS handshake with the Kafka broker failed")
        .contains("check exporters.kafka.tls")
        .contains("needs cert_file and key_file")));
    await().atMost(WAIT).untilAsserted(() -> assertThat(
        telemetry.value("traceyard_exporter_send_failed_spans", "kafka")).isEqualTo(3));
  }

  @Test
  void plaintextExporterAtASaslListenerGetsNoAnswerAndItsDropMessagePointsAtTheSecuritySettings() throws Exception {
    String topic = "plaintext_at_sasl_spans";
    kafka.createTopic(topic, 1);
    SelfTelemetry telemetry = SelfTelemetry.forTesting();
    // No auth section: the broker closes the connection instead of refusing a login, so the client
    // only sees its metadata wait time out.
    PushReceiver push = sender(kafka.bootstrapServers(SecureListener.SASL_PLAINTEXT), topic, "client_id: mismatch",
        GIVE_UP_SOON, telemetry);
    assertThat(push.next.consume(TraceBatch.of(request("mismatch", 2))).isSuccess()).isTrue();
    // Each attempt that gets no answer is counted and logged at once, before retries give up.
    await().atMost(WAIT).untilAsserted(() -> assertThat(
        telemetry.value("traceyard_kafka_exporter_connection_failures", "kafka")).isPositive());
    await().atMost(WAIT).untilAsserted(() -> assertThat(warnings()).anySatisfy(m -> assertThat(m)
        .contains("cannot send to Kafka topic " + topic)
        .contains("the listener may expect SASL or TLS while this client speaks plaintext "
            + "(see exporters.kafka.auth.sasl and exporters.kafka.tls)")
        .contains("the data is kept and retried")));
    await().atMost(WAIT).untilAsserted(() -> assertThat(
        telemetry.value("traceyard_exporter_send_failed_spans", "kafka")).isEqualTo(2));
    await().atMost(WAIT).untilAsserted(() -> assertThat(warnings()).anySatisfy(m -> assertThat(m)
        .contains("dropping 2 spans")
        .contains("topic " + topic)
        .contains("check exporters.kafka.brokers, and that plaintext is what that listener speaks")));
    assertThat(telemetry.value("traceyard_kafka_exporter_authentication_failures", "kafka")).isZero();
  }

  @Test
  void plaintextReceiverAtASaslListenerCountsConnectionFailuresAndLogsTheSettingsToCheck() throws Exception {
    String topic = "plaintext_receiver_at_sasl_spans";
    kafka.createTopic(topic, 1);
    SelfTelemetry telemetry = SelfTelemetry.forTesting();
    String brokers = kafka.bootstrapServers(SecureListener.SASL_PLAINTEXT);
    // The consumer itself reports nothing here: the listener answers its first request, then closes.
    receiver(brokers, topic, "plaintext_at_sasl", QUICK_CONNECTION_CHECK, telemetry);
    await().atMost(WAIT).untilAsserted(() -> assertThat(
        telemetry.value("traceyard_kafka_receiver_connection_failures", "kafka", topic)).isPositive());
    await().atMost(WAIT).untilAsserted(() -> assertThat(warnings()).anySatisfy(m -> assertThat(m)
        .contains("no answer from Kafka [" + brokers + "]")
        .contains("nothing is read from topic " + topic)
        .contains("check receivers.kafka.brokers, and that plaintext is what that listener speaks")
        .contains("the listener may expect SASL or TLS while this client speaks plaintext "
            + "(see receivers.kafka.auth.sasl and receivers.kafka.tls)")));
    assertThat(telemetry.value("traceyard_kafka_receiver_authentication_failures", "kafka", topic)).isZero();
  }

  @Test
  void receiverAtAnUnreachablePortCountsConnectionFailuresUntilABrokerAnswersThenLogsTheRecoveryAndCountsNoMore()
      throws Exception {
    String topic = "unreachable_then_reachable_spans";
    kafka.createTopic(topic, 1);
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    SelfTelemetry telemetry = SelfTelemetry.forTesting();
    RecordingExporter capture = receiver("localhost:" + port, topic, "unreachable", QUICK_CONNECTION_CHECK, telemetry);
    await().atMost(WAIT).untilAsserted(() -> assertThat(
        telemetry.value("traceyard_kafka_receiver_connection_failures", "kafka", topic)).isPositive());
    await().atMost(WAIT).untilAsserted(() -> assertThat(warnings()).anySatisfy(m -> assertThat(m)
        .contains("no answer from Kafka [localhost:" + port + "]")
        .contains("nothing is read from topic " + topic)
        .contains("check receivers.kafka.brokers")));

    // The broker appears at that address (forwarded to the plaintext listener): the receiver
    // bootstraps through it, reads, says so once, and counts no further failure.
    try (Forwarder ignored = new Forwarder(port, kafka.bootstrapServers().split(",")[0])) {
      await().atMost(WAIT).untilAsserted(() -> assertThat(infos()).anySatisfy(m -> assertThat(m)
          .contains("Kafka [localhost:" + port + "] answers again after").contains("reading topic " + topic)));
      PushReceiver push = sender(kafka.bootstrapServers(), topic, "client_id: recovered", "", SelfTelemetry.forTesting());
      assertThat(push.next.consume(TraceBatch.of(request("recovered", 3))).isSuccess()).isTrue();
      await().atMost(WAIT).untilAsserted(() -> assertThat(spanCount(capture)).isEqualTo(3));
      double counted = telemetry.value("traceyard_kafka_receiver_connection_failures", "kafka", topic);
      // Two whole session timeouts of the quick check: a working receiver must not add to the count.
      await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(8)).until(() ->
          telemetry.value("traceyard_kafka_receiver_connection_failures", "kafka", topic) == counted);
    }
  }

  // ---- helpers ----

  private Service start(String yaml, SelfTelemetry telemetry) throws Exception {
    ServiceConfig config = ServiceConfig.parse(new ConfigLoader(Map.<String, String>of()::get)
        .loadString("kafka-security.yaml", yaml), TestComponents.addTo(Components.builtInBuilder()).build());
    Service service = Service.create(config, telemetry);
    service.start();
    services.add(service);
    return service;
  }

  /** push -> kafka exporter; returns the push receiver to hand batches to. */
  private PushReceiver sender(String brokers, String topic, String security, String extra, SelfTelemetry telemetry)
      throws Exception {
    Service s = start(String.join("\n",
        "receivers:",
        "  push:",
        "exporters:",
        "  kafka:",
        "    brokers: [" + brokers + "]",
        "    traces: {topic: " + topic + "}",
        "    partition_traces_by_id: true",
        "    producer: {required_acks: -1}",
        "    " + security,
        "    " + (extra.isEmpty() ? "timeout: 2s" : extra),
        "service:",
        "  telemetry: {metrics: {level: none}}",
        "  pipelines:",
        "    traces:",
        "      receivers: [push]",
        "      exporters: [kafka]",
        ""), telemetry);
    return (PushReceiver) s.receiver(ComponentId.parse("push"));
  }

  /** kafka receiver -> recording exporter; returns the recording exporter. */
  private RecordingExporter receiver(String brokers, String topic, String group, String security,
      SelfTelemetry telemetry) throws Exception {
    Service s = start(String.join("\n",
        "receivers:",
        "  kafka:",
        "    brokers: [" + brokers + "]",
        "    traces: {topic: " + topic + "}",
        "    group_id: " + group,
        "    initial_offset: earliest",
        "    autocommit: {interval: 200ms}",
        "    " + security,
        "exporters:",
        "  recording:",
        "service:",
        "  telemetry: {metrics: {level: none}}",
        "  pipelines:",
        "    traces:",
        "      receivers: [kafka]",
        "      exporters: [recording]",
        ""), telemetry);
    return (RecordingExporter) s.exporter(ComponentId.parse("recording"));
  }

  private static ExportTraceServiceRequest request(String prefix, int spans) {
    ScopeSpans.Builder ss = ScopeSpans.newBuilder();
    for (int i = 0; i < spans; i++) {
      int id = NEXT_ID.getAndIncrement();
      ss.addSpans(Span.newBuilder()
          .setTraceId(ByteString.copyFrom(ByteBuffer.allocate(16).putLong(8, id).array()))
          .setSpanId(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(id).array()))
          .setName(prefix + "-" + id).setStartTimeUnixNano(1).setEndTimeUnixNano(2));
    }
    return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .setResource(Resource.getDefaultInstance()).addScopeSpans(ss)).build();
  }

  private static List<String> spanNames(RecordingExporter e) {
    return e.batches.stream().flatMap(b -> ((TraceBatch) b).request().getResourceSpansList().stream())
        .flatMap(rs -> rs.getScopeSpansList().stream()).flatMap(ss -> ss.getSpansList().stream())
        .map(Span::getName).collect(Collectors.toList());
  }

  private static long spanCount(RecordingExporter e) {
    return Set.copyOf(spanNames(e)).size();
  }

  private static List<String> infos() {
    synchronized (logs) {
      return logs.list.stream().filter(e -> e.getLevel() == ch.qos.logback.classic.Level.INFO)
          .map(ILoggingEvent::getFormattedMessage).collect(Collectors.toList());
    }
  }

  /**
   * A TCP forwarder on loopback {@code port} to {@code target} ({@code host:port}), standing in for a
   * broker that comes up at an address a receiver already tries.
   */
  private static final class Forwarder implements AutoCloseable {
    private final ServerSocket server;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    Forwarder(int port, String target) throws IOException {
      server = new ServerSocket(port);
      int colon = target.lastIndexOf(':');
      String host = target.substring(0, colon);
      int targetPort = Integer.parseInt(target.substring(colon + 1));
      Thread acceptor = new Thread(() -> {
        while (!server.isClosed()) {
          try {
            Socket in = server.accept();
            Socket out = new Socket(host, targetPort);
            sockets.add(in);
            sockets.add(out);
            pump(in, out);
            pump(out, in);
          } catch (IOException e) {
            // closed, or the target refused: the client sees a closed connection and retries
          }
        }
      }, "forwarder-" + port);
      acceptor.setDaemon(true);
      acceptor.start();
    }

    private void pump(Socket from, Socket to) {
      Thread t = new Thread(() -> {
        try {
          from.getInputStream().transferTo(to.getOutputStream());
        } catch (IOException e) {
          // either side closed
        } finally {
          closeQuietly(from);
          closeQuietly(to);
        }
      }, "forwarder-pump");
      t.setDaemon(true);
      t.start();
    }

    private static void closeQuietly(Socket s) {
      try {
        s.close();
      } catch (IOException e) {
        // already closed
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
      sockets.forEach(Forwarder::closeQuietly);
    }
  }

  private static List<String> warnings() {
    synchronized (logs) {
      return logs.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.WARN))
          .map(ILoggingEvent::getFormattedMessage).collect(Collectors.toList());
    }
  }

  private static String allLogText() {
    synchronized (logs) {
      return logs.list.stream().map(e -> e.getFormattedMessage()
          + (e.getThrowableProxy() == null ? "" : e.getThrowableProxy().getMessage()))
          .collect(Collectors.joining("\n"));
    }
  }

  private static ch.qos.logback.classic.Logger root() {
    return (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }
}
