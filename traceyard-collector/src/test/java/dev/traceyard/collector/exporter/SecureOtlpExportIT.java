package dev.traceyard.collector.exporter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.ComponentKind;
import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Exporter;
import dev.traceyard.collector.component.Extension;
import dev.traceyard.collector.component.ExtensionFactory;
import dev.traceyard.collector.component.Host;
import dev.traceyard.collector.component.Receiver;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.exporter.debug.DebugExporterFactory;
import dev.traceyard.collector.exporter.otlp.OtlpExporterFactory;
import dev.traceyard.collector.exporter.otlphttp.OtlpHttpExporterFactory;
import dev.traceyard.collector.extension.auth.basic.BasicAuthExtensionFactory;
import dev.traceyard.collector.extension.auth.bearertoken.BearerTokenAuthExtensionFactory;
import dev.traceyard.collector.receiver.otlp.OtlpReceiverFactory;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import dev.traceyard.collector.testing.TestCertificates;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Our {@code otlp} and {@code otlphttp} exporters against our {@code otlp} receiver over mTLS
 * (certificates generated at test time) with credentials from the {@code bearertokenauth} and
 * {@code basicauth} extensions: delivered when right, refused permanently and counted when wrong,
 * and no secret ever written to the logs or by the {@code debug} exporter.
 */
class SecureOtlpExportIT {
  private static final String TOKEN = "tok-7f3a9c1e5b2d4f60-secret";
  private static final String WRONG_TOKEN = "tok-wrong-0000-secret";
  private static final String PASSWORD = "pw-93be1c7d-secret";

  private static final SelfTelemetry telemetry = SelfTelemetry.forTesting();
  private static final ConcurrentLinkedQueue<Batch> received = new ConcurrentLinkedQueue<>();
  private static final Map<ComponentId, Extension> extensions = new HashMap<>();
  private static final Host host = id -> Optional.ofNullable(extensions.get(id));
  private static final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private static final List<Exporter> exporters = new ArrayList<>();
  private static TestCertificates certs;
  private static Receiver receiver;
  private static Exporter debug;
  private static int grpcPort;
  private static int httpPort;

  @BeforeAll
  static void start() throws Exception {
    logs.start();
    root().addAppender(logs);
    certs = TestCertificates.get();
    extension(new BearerTokenAuthExtensionFactory(), "bearertokenauth/server", "token: " + TOKEN);
    extension(new BearerTokenAuthExtensionFactory(), "bearertokenauth/client", "token: " + TOKEN);
    extension(new BearerTokenAuthExtensionFactory(), "bearertokenauth/wrong", "token: " + WRONG_TOKEN);
    extension(new BasicAuthExtensionFactory(), "basicauth/server", "htpasswd: {inline: \"alice:" + PASSWORD + "\"}");
    extension(new BasicAuthExtensionFactory(), "basicauth/client",
        "client_auth: {username: alice, password: " + PASSWORD + "}");

    DebugExporterFactory debugFactory = new DebugExporterFactory();
    debug = debugFactory.create(ExporterTesting.settings("debug", telemetry),
        ExporterTesting.parse(debugFactory, "debug", "verbosity: detailed").config());
    debug.start(host);

    String tls = "    tls: {cert_file: " + certs.server.cert() + ", key_file: " + certs.server.key()
        + ", client_ca_file: " + certs.caCert + "}\n";
    OtlpReceiverFactory f = new OtlpReceiverFactory();
    var parsed = ExporterTesting.parse(f, "otlp", "protocols:\n"
        + "  grpc:\n    endpoint: 127.0.0.1:0\n" + tls + "    auth: {authenticator: bearertokenauth/server}\n"
        + "  http:\n    endpoint: 127.0.0.1:0\n" + tls + "    auth: {authenticator: basicauth/server}\n");
    assertThat(parsed.errors()).isEmpty();
    receiver = f.create(new ComponentSettings(ComponentId.parse("otlp/secure"), ComponentKind.RECEIVER, telemetry),
        parsed.config(), batch -> {
          received.add(batch);
          return debug.consume(batch);
        }, EnumSet.allOf(Signal.class));
    receiver.start(host);
    grpcPort = receiver.boundAddresses().get("grpc").getPort();
    httpPort = receiver.boundAddresses().get("http").getPort();
  }

  @AfterAll
  static void stop() {
    exporters.forEach(Exporter::shutdown);
    if (receiver != null) {
      receiver.shutdown();
    }
    if (debug != null) {
      debug.shutdown();
    }
    extensions.values().forEach(Extension::shutdown);
    root().detachAppender(logs);
  }

  @Test
  void grpcExporter_overMutualTlsWithABearerToken_deliversToTheReceiver() throws Exception {
    Exporter e = exporter(new OtlpExporterFactory(), "otlp/ok", "endpoint: 127.0.0.1:" + grpcPort + "\n"
        + clientTls() + "auth: {authenticator: bearertokenauth/client}\n");
    TraceBatch batch = ExporterTesting.traces("grpc-mtls-bearer", 3);

    ConsumeResult r = e.consume(batch);

    assertThat(r.isSuccess()).as(r.toString()).isTrue();
    assertThat(received).contains(batch);
    assertThat(telemetry.value("traceyard_exporter_sent_spans", "otlp/ok")).isEqualTo(3);
  }

  @Test
  void httpExporter_overMutualTlsWithBasicAuth_deliversToTheReceiver() throws Exception {
    Exporter e = exporter(new OtlpHttpExporterFactory(), "otlphttp/ok", "endpoint: https://localhost:" + httpPort + "\n"
        + clientTls() + "auth: {authenticator: basicauth/client}\n");
    TraceBatch batch = ExporterTesting.traces("http-mtls-basic", 2);

    ConsumeResult r = e.consume(batch);

    assertThat(r.isSuccess()).as(r.toString()).isTrue();
    await().until(() -> received.stream().anyMatch(b -> b.request().equals(batch.request())));
    assertThat(telemetry.value("traceyard_exporter_sent_spans", "otlphttp/ok")).isEqualTo(2);
  }

  @Test
  void wrongToken_isAPermanentErrorCountedOnBothSides() throws Exception {
    double refusedBefore = telemetry.value("traceyard_receiver_refused_requests", "otlp/secure", "grpc",
        "unauthenticated");
    Exporter e = exporter(new OtlpExporterFactory(), "otlp/wrong", "endpoint: 127.0.0.1:" + grpcPort + "\n"
        + clientTls() + "auth: {authenticator: bearertokenauth/wrong}\n");

    ConsumeResult r = e.consume(ExporterTesting.traces("wrong-token", 2));

    assertThat(r.isPermanent()).as(r.toString()).isTrue();
    assertThat(r.message()).contains("UNAUTHENTICATED").doesNotContain(WRONG_TOKEN);
    assertThat(telemetry.value("traceyard_exporter_send_failed_spans", "otlp/wrong")).isEqualTo(2);
    assertThat(telemetry.value("traceyard_receiver_refused_requests", "otlp/secure", "grpc", "unauthenticated"))
        .isEqualTo(refusedBefore + 1);
  }

  @Test
  void withoutAClientCertificate_theMutualTlsReceiverIsNotReached() throws Exception {
    Exporter e = exporter(new OtlpExporterFactory(), "otlp/nocert", "endpoint: 127.0.0.1:" + grpcPort + "\n"
        + "tls: {ca_file: " + certs.caCert + ", server_name_override: localhost}\n"
        + "auth: {authenticator: bearertokenauth/client}\n"
        + "sending_queue: {enabled: false}\nretry_on_failure: {enabled: false}\n");
    int before = received.size();

    ConsumeResult r = e.consume(ExporterTesting.traces("no-cert", 1));

    assertThat(r.isSuccess()).isFalse();
    assertThat(received).hasSize(before);
  }

  @Test
  void secretsNeverAppearInLogsNorInTheDebugExportersOutput() throws Exception {
    // Exercise every path that logs: success, a wrong token, a wrong password, verbose debug output.
    exporter(new OtlpExporterFactory(), "otlp/s1", "endpoint: 127.0.0.1:" + grpcPort + "\n" + clientTls()
        + "auth: {authenticator: bearertokenauth/client}\n").consume(ExporterTesting.traces("s1", 1));
    exporter(new OtlpExporterFactory(), "otlp/s2", "endpoint: 127.0.0.1:" + grpcPort + "\n" + clientTls()
        + "auth: {authenticator: bearertokenauth/wrong}\n").consume(ExporterTesting.traces("s2", 1));
    exporter(new OtlpHttpExporterFactory(), "otlphttp/s3", "endpoint: https://localhost:" + httpPort + "\n"
        + clientTls() + "auth: {authenticator: bearertokenauth/client}\n").consume(ExporterTesting.traces("s3", 1));
    exporter(new OtlpHttpExporterFactory(), "otlphttp/s4", "endpoint: https://localhost:" + httpPort + "\n"
        + clientTls() + "auth: {authenticator: basicauth/client}\n").consume(ExporterTesting.traces("s4", 1));

    assertThat(logs.list).as("the debug exporter wrote its detailed output").anySatisfy(ev ->
        assertThat(ev.getFormattedMessage()).contains("s1"));
    for (ILoggingEvent ev : logs.list) {
      String text = ev.getFormattedMessage() + (ev.getThrowableProxy() == null ? ""
          : ev.getThrowableProxy().getMessage());
      assertThat(text).doesNotContain(TOKEN).doesNotContain(WRONG_TOKEN).doesNotContain(PASSWORD)
          .doesNotContain(java.util.Base64.getEncoder().encodeToString(("alice:" + PASSWORD).getBytes()));
    }
    assertThat(telemetry.scrape()).doesNotContain(TOKEN).doesNotContain(PASSWORD);
  }

  private static String clientTls() {
    return "tls: {ca_file: " + certs.caCert + ", cert_file: " + certs.client.cert() + ", key_file: "
        + certs.client.key() + ", min_version: \"1.2\"}\n"
        + "sending_queue: {enabled: false}\nretry_on_failure: {enabled: false}\n";
  }

  private static <C> Exporter exporter(dev.traceyard.collector.component.ExporterFactory<C> factory, String id,
      String yaml) throws Exception {
    ExporterTesting.Parsed<C> p = ExporterTesting.parse(factory, id, yaml);
    assertThat(p.errors()).isEmpty();
    Exporter e = factory.create(ExporterTesting.settings(id, telemetry), p.config());
    e.start(host);
    exporters.add(e);
    return e;
  }

  private static <C> void extension(ExtensionFactory<C> factory, String id, String yaml) throws Exception {
    ExporterTesting.Parsed<C> p = ExporterTesting.parse(factory, id, yaml);
    assertThat(p.errors()).isEmpty();
    Extension e = factory.create(new ComponentSettings(ComponentId.parse(id), ComponentKind.EXTENSION, telemetry),
        p.config());
    e.start(host);
    extensions.put(ComponentId.parse(id), e);
  }

  private static ch.qos.logback.classic.Logger root() {
    return (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }
}
