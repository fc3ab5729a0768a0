package dev.traceyard.collector.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.traceyard.collector.config.tls.TlsException;
import dev.traceyard.collector.testing.TestCertificates;
import dev.traceyard.collector.testing.TestConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.security.ssl.DefaultSslEngineFactory;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class KafkaClientConfigTest {

  private static KafkaClientConfig parse(String yaml) {
    var parsed = TestConfig.parse(yaml, "exporters.kafka", KafkaClientConfig::parse);
    assertThat(parsed.errors()).isEmpty();
    return parsed.config();
  }

  @Test
  void tlsFilesBecomePemSettingsThatKafkasOwnSslFactoryLoads() throws Exception {
    TestCertificates certs = TestCertificates.get();
    KafkaClientConfig c = parse(String.join("\n",
        "brokers: [localhost:9093]",
        "tls:",
        "  ca_file: " + certs.caCert,
        "  cert_file: " + certs.client.cert(),
        "  key_file: " + certs.client.key(),
        "  min_version: '1.3'",
        "auth: {sasl: {mechanism: SCRAM-SHA-256, username: u, password: p}}"));
    Map<String, Object> p = c.clientProperties(LoggerFactory.getLogger("test"));
    assertThat(p).containsEntry("security.protocol", "SASL_SSL").containsEntry("ssl.enabled.protocols", "TLSv1.3")
        .containsEntry("ssl.truststore.type", "PEM").containsEntry("ssl.keystore.type", "PEM");
    assertThat((String) p.get("ssl.truststore.certificates")).startsWith("-----BEGIN CERTIFICATE-----");
    assertThat((String) p.get("ssl.keystore.key")).startsWith("-----BEGIN PRIVATE KEY-----");
    // The Kafka client builds its SSL engine from exactly these settings: it must accept them.
    // (as the client's config parser would hand them over: passwords typed, protocols as a list)
    Map<String, Object> ssl = new HashMap<>();
    ssl.put("ssl.protocol", p.get("ssl.protocol"));
    ssl.put("ssl.enabled.protocols", List.of(((String) p.get("ssl.enabled.protocols")).split(",")));
    ssl.put("ssl.truststore.type", p.get("ssl.truststore.type"));
    ssl.put("ssl.truststore.certificates", new Password((String) p.get("ssl.truststore.certificates")));
    ssl.put("ssl.keystore.type", p.get("ssl.keystore.type"));
    ssl.put("ssl.keystore.certificate.chain", new Password((String) p.get("ssl.keystore.certificate.chain")));
    ssl.put("ssl.keystore.key", new Password((String) p.get("ssl.keystore.key")));
    try (DefaultSslEngineFactory factory = new DefaultSslEngineFactory()) {
      factory.configure(ssl);
      assertThat(factory.sslContext()).isNotNull();
      assertThat(factory.keystore()).isNotNull();
      assertThat(factory.truststore()).isNotNull();
    }
  }

  @Test
  void aMissingCertificateFileFailsTheStartNamingItsConfigKey() {
    KafkaClientConfig c = parse("tls: {ca_file: /nonexistent/ca.pem}");
    assertThatThrownBy(() -> c.clientProperties(LoggerFactory.getLogger("test")))
        .isInstanceOf(TlsException.class).hasMessageContaining("exporters.kafka.tls.ca_file");
  }

  @Test
  void insecureTlsMeansPlaintextAndAuthTlsIsTheOlderSpelling() {
    assertThat(parse("tls: {insecure: true}").tls()).isNull();
    assertThat(parse("auth: {tls: {insecure_skip_verify: true}}").clientProperties(LoggerFactory.getLogger("test")))
        .containsEntry("security.protocol", "SSL").containsEntry("ssl.endpoint.identification.algorithm", "")
        // Neither the chain nor the host is checked, as in otelcol: Kafka's own engines would check the chain.
        .containsEntry("ssl.engine.factory.class", SkipVerifySslEngineFactory.class)
        .doesNotContainKey("ssl.truststore.certificates");
  }

  @Test
  void authenticationFailuresAreExplainedWithTheConfigPathToFixAndNeverThePassword() {
    KafkaClientConfig sasl = parse("auth: {sasl: {mechanism: SCRAM-SHA-512, username: bob, password: hunter2}}");
    String refused = sasl.explain(new org.apache.kafka.common.errors.SaslAuthenticationException("invalid credentials"));
    assertThat(refused).contains("refused the SASL login of user 'bob' with SCRAM-SHA-512")
        .contains("check exporters.kafka.auth.sasl").doesNotContain("hunter2");
    assertThat(sasl.explain(new org.apache.kafka.common.errors.UnsupportedSaslMechanismException("not enabled")))
        .contains("check exporters.kafka.auth.sasl.mechanism");
    assertThat(parse("auth: {plain_text: {username: u, password: p}}")
        .explain(new org.apache.kafka.common.errors.SaslAuthenticationException("no")))
        .contains("check exporters.kafka.auth.plain_text");
    assertThat(parse("auth: {tls: {}}").explain(new org.apache.kafka.common.errors.SslAuthenticationException(
        "SSL handshake failed", new javax.net.ssl.SSLHandshakeException("PKIX path building failed"))))
        .contains("TLS handshake with the Kafka broker failed (SSL handshake failed: PKIX path building failed)")
        .contains("check exporters.kafka.auth.tls");
    assertThat(parse("{}").explain(new org.apache.kafka.common.errors.TimeoutException("no metadata")))
        .contains("check exporters.kafka.brokers").contains("plaintext");
    assertThat(parse("{}").whatToCheckWithoutAnswer()).isEqualTo("check exporters.kafka.brokers, and that plaintext "
        + "is what that listener speaks: the listener may expect SASL or TLS while this client speaks plaintext "
        + "(see exporters.kafka.auth.sasl and exporters.kafka.tls)");
    assertThat(sasl.whatToCheckWithoutAnswer()).contains("plaintext with SASL SCRAM-SHA-512 is what that listener speaks")
        .contains("may expect TLS").contains("see exporters.kafka.tls").doesNotContain("hunter2");
    assertThat(parse("tls: {}").whatToCheckWithoutAnswer()).isEqualTo("check exporters.kafka.brokers, and that TLS "
        + "is what that listener speaks");
    assertThat(KafkaClientConfig.isAuthenticationFailure(new org.apache.kafka.common.KafkaException("wrapped",
        new org.apache.kafka.common.errors.SslAuthenticationException("x")))).isTrue();
    assertThat(KafkaClientConfig.isAuthenticationFailure(new org.apache.kafka.common.errors.TimeoutException("x")))
        .isFalse();
    assertThat(sasl.toString()).doesNotContain("hunter2");
  }
}
