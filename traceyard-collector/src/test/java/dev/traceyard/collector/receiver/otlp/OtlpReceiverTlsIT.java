package dev.traceyard.collector.receiver.otlp;

import static dev.traceyard.collector.receiver.otlp.SecureClients.export;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.traceyard.collector.component.Receiver;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import dev.traceyard.collector.testing.TestCertificates;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS and mTLS on the {@code otlp} receiver, with certificates generated at test time (a CA, a server
 * and a client certificate it signed, and an untrusted client certificate) and the OpenTelemetry Java
 * SDK's own exporters as clients.
 */
class OtlpReceiverTlsIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final SelfTelemetry telemetry = SelfTelemetry.forTesting();
  private static final ConcurrentLinkedQueue<Batch> received = new ConcurrentLinkedQueue<>();
  private static TestCertificates certs;
  private static Receiver tls;
  private static Receiver mtls;
  private static Receiver tls13;

  @TempDir
  Path tmp;

  @BeforeAll
  static void start() throws Exception {
    certs = TestCertificates.get();
    String serverTls = "      tls:\n        cert_file: " + certs.server.cert() + "\n        key_file: "
        + certs.server.key() + "\n";
    tls = TestReceivers.start("otlp/tls", protocols(serverTls), EnumSet.allOf(Signal.class), telemetry, OtlpReceiverTlsIT::consume,
        id -> java.util.Optional.empty());
    mtls = TestReceivers.start("otlp/mtls", protocols(serverTls + "        client_ca_file: " + certs.caCert + "\n"),
        EnumSet.allOf(Signal.class), telemetry, OtlpReceiverTlsIT::consume, id -> java.util.Optional.empty());
    tls13 = TestReceivers.start("otlp/tls13", protocols(serverTls + "        min_version: \"1.3\"\n"),
        EnumSet.allOf(Signal.class), telemetry, OtlpReceiverTlsIT::consume, id -> java.util.Optional.empty());
  }

  private static String protocols(String tlsSection) {
    return "protocols:\n  grpc:\n    endpoint: 127.0.0.1:0\n" + tlsSection.replace("      ", "    ")
        + "  http:\n    endpoint: 127.0.0.1:0\n" + tlsSection.replace("      ", "    ");
  }

  private static ConsumeResult consume(Batch batch) {
    received.add(batch);
    return ConsumeResult.success();
  }

  @AfterAll
  static void stop() {
    for (Receiver r : new Receiver[] {tls, mtls, tls13}) {
      if (r != null) {
        r.shutdown();
      }
    }
  }

  @BeforeEach
  void reset() {
    received.clear();
  }

  private static int port(Receiver r, String transport) {
    return r.boundAddresses().get(transport).getPort();
  }

  private static String https(Receiver r, String transport) {
    return "https://127.0.0.1:" + port(r, transport) + (transport.equals("http") ? "/v1/traces" : "");
  }

  private static io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporterBuilder grpc(String endpoint) {
    return OtlpGrpcSpanExporter.builder().setEndpoint(endpoint).setTimeout(TIMEOUT).setRetryPolicy(null);
  }

  private static io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder http(String endpoint) {
    return OtlpHttpSpanExporter.builder().setEndpoint(endpoint).setTimeout(TIMEOUT).setRetryPolicy(null);
  }

  private static double refused(String receiver, String transport, String reason) {
    return telemetry.value(TransportTelemetry.REFUSED_REQUESTS, receiver, transport, reason);
  }

  private static List<String> spanNames() {
    List<String> out = new ArrayList<>();
    for (Batch b : received) {
      if (b instanceof TraceBatch) {
        for (ResourceSpans rs : ((TraceBatch) b).request().getResourceSpansList()) {
          for (ScopeSpans ss : rs.getScopeSpansList()) {
            ss.getSpansList().forEach(s -> out.add(s.getName()));
          }
        }
      }
    }
    return out;
  }

  @Test
  void sdkExportersTrustingTheCa_deliverOverTls() {
    assertThat(export(grpc(https(tls, "grpc")).setTrustedCertificates(certs.caPem()).build(), "over-grpc-tls")).isTrue();
    assertThat(export(http(https(tls, "http")).setTrustedCertificates(certs.caPem()).build(), "over-http-tls")).isTrue();

    assertThat(spanNames()).containsExactlyInAnyOrder("over-grpc-tls", "over-http-tls");
  }

  @Test
  void plainTextClientsToTlsPorts_failAndAreCounted() {
    double grpcBefore = refused("otlp/tls", "grpc", "tls_handshake");
    double httpBefore = refused("otlp/tls", "http", "tls_handshake");

    assertThat(export(grpc("http://127.0.0.1:" + port(tls, "grpc")).build(), "plain-grpc")).isFalse();
    assertThat(export(http("http://127.0.0.1:" + port(tls, "http") + "/v1/traces").build(), "plain-http")).isFalse();

    assertThat(spanNames()).isEmpty();
    await().atMost(TIMEOUT).untilAsserted(() -> {
      assertThat(refused("otlp/tls", "grpc", "tls_handshake")).isGreaterThan(grpcBefore);
      assertThat(refused("otlp/tls", "http", "tls_handshake")).isGreaterThan(httpBefore);
    });
  }

  @Test
  void clientsNotTrustingTheCa_refuseTheServer() {
    assertThat(export(grpc(https(tls, "grpc")).build(), "untrusted-grpc")).isFalse();
    assertThat(export(http(https(tls, "http")).build(), "untrusted-http")).isFalse();

    assertThat(spanNames()).isEmpty();
  }

  @Test
  void mtls_clientsWithACertificateSignedByTheCa_deliver() {
    assertThat(export(grpc(https(mtls, "grpc")).setTrustedCertificates(certs.caPem())
        .setClientTls(certs.client.keyPem(), certs.client.certPem()).build(), "mtls-grpc")).isTrue();
    assertThat(export(http(https(mtls, "http")).setTrustedCertificates(certs.caPem())
        .setClientTls(certs.client.keyPem(), certs.client.certPem()).build(), "mtls-http")).isTrue();

    assertThat(spanNames()).containsExactlyInAnyOrder("mtls-grpc", "mtls-http");
  }

  @Test
  void mtls_clientsWithoutACertificate_areRefusedAndCounted() {
    double grpcBefore = refused("otlp/mtls", "grpc", "tls_handshake");
    double httpBefore = refused("otlp/mtls", "http", "tls_handshake");

    assertThat(export(grpc(https(mtls, "grpc")).setTrustedCertificates(certs.caPem()).build(), "no-cert")).isFalse();
    assertThat(export(http(https(mtls, "http")).setTrustedCertificates(certs.caPem()).build(), "no-cert")).isFalse();

    assertThat(spanNames()).isEmpty();
    await().atMost(TIMEOUT).untilAsserted(() -> {
      assertThat(refused("otlp/mtls", "grpc", "tls_handshake")).isGreaterThan(grpcBefore);
      assertThat(refused("otlp/mtls", "http", "tls_handshake")).isGreaterThan(httpBefore);
    });
  }

  @Test
  void mtls_clientsWithACertificateFromAnotherIssuer_areRefused() {
    assertThat(export(grpc(https(mtls, "grpc")).setTrustedCertificates(certs.caPem())
        .setClientTls(certs.rogueClient.keyPem(), certs.rogueClient.certPem()).build(), "rogue")).isFalse();
    assertThat(export(http(https(mtls, "http")).setTrustedCertificates(certs.caPem())
        .setClientTls(certs.rogueClient.keyPem(), certs.rogueClient.certPem()).build(), "rogue")).isFalse();

    assertThat(spanNames()).isEmpty();
  }

  @Test
  void minVersion13_refusesTls12ClientsAndServesTls13Ones() throws Exception {
    URI uri = URI.create(https(tls13, "http"));
    HttpRequest post = HttpRequest.newBuilder(uri).header("Content-Type", "application/x-protobuf")
        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[0])).timeout(TIMEOUT).build();
    SSLParameters tls12 = new SSLParameters();
    tls12.setProtocols(new String[] {"TLSv1.2"});
    HttpClient old = HttpClient.newBuilder().sslContext(SecureClients.trusting(certs.caCert)).sslParameters(tls12)
        .connectTimeout(TIMEOUT).build();
    SSLParameters tls13params = new SSLParameters();
    tls13params.setProtocols(new String[] {"TLSv1.3"});
    HttpClient modern = HttpClient.newBuilder().sslContext(SecureClients.trusting(certs.caCert))
        .sslParameters(tls13params).connectTimeout(TIMEOUT).build();

    assertThatThrownBy(() -> old.send(post, HttpResponse.BodyHandlers.discarding()))
        .isInstanceOf(java.io.IOException.class);
    assertThat(modern.send(post, HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
    await().atMost(TIMEOUT).untilAsserted(() ->
        assertThat(refused("otlp/tls13", "http", "tls_handshake")).isGreaterThanOrEqualTo(1));
  }

  @Test
  void missingCertificateFile_failsTheStartNamingThePath() {
    Path missing = tmp.resolve("missing.pem");
    String yaml = "protocols:\n  grpc:\n    endpoint: 127.0.0.1:0\n    tls:\n      cert_file: " + missing
        + "\n      key_file: " + certs.server.key() + "\n";

    assertThatThrownBy(() -> TestReceivers.start(yaml, EnumSet.allOf(Signal.class), telemetry, OtlpReceiverTlsIT::consume))
        .hasMessage("receivers.otlp.protocols.grpc.tls.cert_file: cannot read " + missing + ": no such file");
  }
}
