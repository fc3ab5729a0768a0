package dev.traceyard.collector.kafka;

import com.linecorp.armeria.common.TlsKeyPair;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.config.HostPort;
import dev.traceyard.collector.config.tls.ClientTls;
import dev.traceyard.collector.config.tls.TlsClientSettings;
import dev.traceyard.collector.config.tls.TlsVersion;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.slf4j.Logger;

/**
 * The connection settings the {@code kafka} exporter and receiver share, with otelcol-contrib's keys:
 *
 * <pre>
 * brokers: [localhost:9092]      # bootstrap servers
 * client_id: otel-collector
 * resolve_canonical_bootstrap_servers_only: false
 * protocol_version: 2.1.0        # accepted and ignored: the Java client negotiates versions itself
 * metadata: {...}                # accepted and ignored (the Java client refreshes metadata itself)
 * auth:
 *   sasl: {mechanism: PLAIN | SCRAM-SHA-256 | SCRAM-SHA-512, username: u, password: p, version: 0}
 *   plain_text: {username: u, password: p}   # older spelling of SASL PLAIN
 *   tls: {...}                   # older place of the tls section below
 * tls: {...}                     # present (and not insecure: true): TLS with these settings
 * </pre>
 *
 * @param tls null for plaintext
 * @param sasl null without SASL
 */
public record KafkaClientConfig(List<String> brokers, String clientId, boolean canonicalBootstrapOnly,
    TlsClientSettings tls, Sasl sasl) {

  static final List<String> DEFAULT_BROKERS = List.of("localhost:9092");
  static final String DEFAULT_CLIENT_ID = "otel-collector";

  public KafkaClientConfig {
    brokers = List.copyOf(brokers);
    Objects.requireNonNull(clientId, "clientId");
  }

  /** SASL credentials; {@link #toString()} hides the password. */
  public record Sasl(String mechanism, String username, String password) {
    @Override
    public String toString() {
      return "Sasl{" + mechanism + ", username=" + username + "}";
    }
  }

  /** Reads the shared keys of a kafka exporter's or receiver's node, recording errors in it. */
  public static KafkaClientConfig parse(ConfigNode node) {
    List<String> brokers = node.has("brokers") ? node.stringList("brokers") : DEFAULT_BROKERS;
    if (node.has("brokers") && brokers.isEmpty()) {
      node.error("brokers", "must name at least one broker, e.g. [kafka:9092]");
    }
    for (int i = 0; i < brokers.size(); i++) {
      try {
        HostPort hp = HostPort.parse(brokers.get(i));
        if (hp.port() <= 0 || brokers.get(i).trim().startsWith(":")) {
          node.errors().add(node.pathOf("brokers") + "[" + i + "]", "'" + brokers.get(i) + "' needs a host and a port, e.g. kafka:9092");
        }
      } catch (IllegalArgumentException e) {
        node.errors().add(node.pathOf("brokers") + "[" + i + "]", e.getMessage());
      }
    }
    String clientId = node.string("client_id", DEFAULT_CLIENT_ID);
    boolean canonical = node.bool("resolve_canonical_bootstrap_servers_only", false);
    node.string("protocol_version", null);
    node.ignore("metadata");

    Sasl sasl = null;
    TlsClientSettings tls = null;
    if (node.isSet("auth")) {
      ConfigNode auth = node.child("auth");
      if (auth.isSet("sasl")) {
        ConfigNode s = auth.child("sasl");
        String mechanism = s.oneOf("mechanism", "PLAIN", "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512");
        String user = s.requiredString("username");
        String password = s.requiredString("password");
        s.longValue("version", 0);
        if (s.isSet("aws_msk")) {
          s.error("aws_msk", "AWS_MSK_IAM is not supported; use SCRAM or PLAIN");
        }
        sasl = new Sasl(mechanism, user, password);
      }
      if (auth.isSet("plain_text")) {
        ConfigNode p = auth.child("plain_text");
        String user = p.requiredString("username");
        String password = p.requiredString("password");
        if (sasl != null) {
          auth.error("plain_text", "set either auth.sasl or auth.plain_text, not both");
        } else {
          sasl = new Sasl("PLAIN", user, password);
        }
      }
      if (auth.isSet("kerberos")) {
        auth.error("kerberos", "Kerberos (GSSAPI) is not supported; use auth.sasl with SCRAM or PLAIN");
      }
      if (auth.isSet("tls")) {
        tls = tlsOrNull(auth.child("tls"));
      }
    }
    if (node.isSet("tls")) {
      if (tls != null) {
        node.error("tls", "set either tls or auth.tls, not both");
      }
      tls = tlsOrNull(node.child("tls"));
    }
    return new KafkaClientConfig(brokers, clientId == null ? DEFAULT_CLIENT_ID : clientId, canonical, tls, sasl);
  }

  private static TlsClientSettings tlsOrNull(ConfigNode n) {
    TlsClientSettings t = TlsClientSettings.parse(n);
    if (t.serverNameOverride() != null) {
      n.error("server_name_override", "is not supported by the Kafka client (it checks each broker's advertised host)");
    }
    return t.insecure() ? null : t;
  }

  /**
   * The Kafka client properties for these settings. Certificate files are read and checked here (at
   * start), so a missing or wrong file fails the start with a message naming its config key.
   *
   * @throws dev.traceyard.collector.config.tls.TlsException when a TLS file is missing or wrong
   */
  public Map<String, Object> clientProperties(Logger logger) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, String.join(",", brokers));
    p.put(CommonClientConfigs.CLIENT_ID_CONFIG, clientId);
    if (canonicalBootstrapOnly) {
      p.put(CommonClientConfigs.CLIENT_DNS_LOOKUP_CONFIG, "resolve_canonical_bootstrap_servers_only");
    }
    String protocol = tls == null ? (sasl == null ? "PLAINTEXT" : "SASL_PLAINTEXT") : (sasl == null ? "SSL" : "SASL_SSL");
    p.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, protocol);
    if (sasl != null) {
      p.put(SaslConfigs.SASL_MECHANISM, sasl.mechanism());
      String module = sasl.mechanism().equals("PLAIN")
          ? "org.apache.kafka.common.security.plain.PlainLoginModule"
          : "org.apache.kafka.common.security.scram.ScramLoginModule";
      p.put(SaslConfigs.SASL_JAAS_CONFIG, module + " required username=\"" + jaasEscape(sasl.username())
          + "\" password=\"" + jaasEscape(sasl.password()) + "\";");
    }
    if (tls != null) {
      ClientTls loaded = ClientTls.load(tls, logger);
      List<String> protocols = new ArrayList<>();
      TlsVersion max = tls.maxVersion() == null ? TlsVersion.TLS_1_3 : tls.maxVersion();
      for (TlsVersion v : TlsVersion.values()) {
        if (v.ordinal() >= tls.minVersion().ordinal() && v.ordinal() <= max.ordinal()) {
          protocols.add(v.protocolName());
        }
      }
      p.put(SslConfigs.SSL_ENABLED_PROTOCOLS_CONFIG, String.join(",", protocols));
      p.put(SslConfigs.SSL_PROTOCOL_CONFIG, max.protocolName());
      if (tls.insecureSkipVerify()) {
        // The Java client can only switch off the host name check; the chain is still verified.
        p.put(SslConfigs.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_CONFIG, "");
      }
      if (!loaded.trustedCertificates().isEmpty()) {
        p.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PEM");
        p.put(SslConfigs.SSL_TRUSTSTORE_CERTIFICATES_CONFIG, pem(loaded.trustedCertificates()));
      }
      TlsKeyPair pair = loaded.clientKeyPair();
      if (pair != null) {
        p.put(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, "PEM");
        p.put(SslConfigs.SSL_KEYSTORE_CERTIFICATE_CHAIN_CONFIG, pem(pair.certificateChain()));
        p.put(SslConfigs.SSL_KEYSTORE_KEY_CONFIG, "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(pair.privateKey().getEncoded())
            + "\n-----END PRIVATE KEY-----\n");
      }
    }
    return p;
  }

  private static String pem(List<X509Certificate> certs) {
    StringBuilder sb = new StringBuilder();
    for (X509Certificate c : certs) {
      try {
        sb.append("-----BEGIN CERTIFICATE-----\n")
            .append(Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(c.getEncoded()))
            .append("\n-----END CERTIFICATE-----\n");
      } catch (CertificateEncodingException e) {
        throw new IllegalStateException("cannot encode certificate " + c.getSubjectX500Principal(), e);
      }
    }
    return sb.toString();
  }

  private static String jaasEscape(String s) {
    return s == null ? "" : s.replace("\\", "\\\\").replace("\"", "\\\"");
  }

  @Override
  public String toString() {
    return "KafkaClientConfig{brokers=" + brokers + ", client_id=" + clientId + ", tls=" + (tls != null)
        + ", sasl=" + sasl + "}";
  }
}
