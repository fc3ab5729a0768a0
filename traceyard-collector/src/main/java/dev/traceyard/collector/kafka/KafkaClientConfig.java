package dev.traceyard.collector.kafka;

import com.linecorp.armeria.common.TlsKeyPair;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.config.HostPort;
import dev.traceyard.collector.config.tls.ClientTls;
import dev.traceyard.collector.config.tls.TlsClientSettings;
import dev.traceyard.collector.config.tls.TlsVersion;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnsupportedSaslMechanismException;
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
 * @param path the config path of the component, e.g. {@code exporters.kafka}, for messages that point
 *     at the settings to fix
 * @param tls null for plaintext
 * @param sasl null without SASL
 */
public record KafkaClientConfig(String path, List<String> brokers, String clientId, boolean canonicalBootstrapOnly,
    TlsClientSettings tls, Sasl sasl) {

  static final List<String> DEFAULT_BROKERS = List.of("localhost:9092");
  static final String DEFAULT_CLIENT_ID = "otel-collector";

  public KafkaClientConfig {
    Objects.requireNonNull(path, "path");
    brokers = List.copyOf(brokers);
    Objects.requireNonNull(clientId, "clientId");
  }

  /**
   * SASL credentials; {@link #toString()} hides the password.
   *
   * @param path the config path of the section they came from ({@code ...auth.sasl} or {@code ...auth.plain_text})
   */
  public record Sasl(String path, String mechanism, String username, String password) {
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
        sasl = new Sasl(s.path(), mechanism, user, password);
      }
      if (auth.isSet("plain_text")) {
        ConfigNode p = auth.child("plain_text");
        String user = p.requiredString("username");
        String password = p.requiredString("password");
        if (sasl != null) {
          auth.error("plain_text", "set either auth.sasl or auth.plain_text, not both");
        } else {
          sasl = new Sasl(p.path(), "PLAIN", user, password);
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
    return new KafkaClientConfig(node.path(), brokers, clientId == null ? DEFAULT_CLIENT_ID : clientId, canonical, tls, sasl);
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
        // The Java client can only switch off the host name check; otelcol (and the warning ClientTls
        // logs) skip the chain check too, so the engines come from a context that trusts any server.
        p.put(SslConfigs.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_CONFIG, "");
        p.put(SslConfigs.SSL_ENGINE_FACTORY_CLASS_CONFIG, SkipVerifySslEngineFactory.class);
        p.put(SkipVerifySslEngineFactory.CONTEXT_CONFIG, new SkipVerifySslEngineFactory.Context(
            skipVerifyContext(max, loaded.clientKeyPair()), protocols.toArray(String[]::new)));
        return p;
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

  /**
   * Whether a Kafka client failure means the broker did not accept this client's security settings:
   * the SASL login was refused, the mechanism is not offered, or the TLS handshake failed.
   */
  public static boolean isAuthenticationFailure(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof AuthenticationException) {
        return true;
      }
    }
    return false;
  }

  /**
   * A message for a client failure that says which settings to check: for authentication failures
   * (see {@link #isAuthenticationFailure}) the config path of the SASL or TLS section, for a timeout
   * the brokers and the security settings (a client speaking the wrong protocol to a listener sees
   * no answer rather than an error). Never contains the password.
   */
  public String explain(Throwable t) {
    AuthenticationException auth = null;
    for (Throwable c = t; c != null && auth == null; c = c.getCause()) {
      if (c instanceof AuthenticationException) {
        auth = (AuthenticationException) c;
      }
    }
    if (auth instanceof SslAuthenticationException) {
      String where = tls != null ? tls.path() : path + ".tls";
      return "the TLS handshake with the Kafka broker failed (" + rootMessage(auth) + "); check " + where
          + ": ca_file must trust the broker's certificate, which must name the broker's host, and a broker that "
          + "requires client certificates needs cert_file and key_file";
    }
    if (auth instanceof UnsupportedSaslMechanismException) {
      String where = sasl != null ? sasl.path() + ".mechanism" : path + ".auth.sasl";
      return "the Kafka broker does not offer this SASL mechanism" + (sasl != null ? " (" + sasl.mechanism() + ")" : "")
          + "; check " + where + " (" + auth.getMessage() + ")";
    }
    if (auth instanceof SaslAuthenticationException) {
      String where = sasl != null ? sasl.path() : path + ".auth.sasl";
      return "the Kafka broker refused the SASL login" + (sasl != null ? " of user '" + sasl.username() + "' with "
          + sasl.mechanism() : "") + "; check " + where + " (" + auth.getMessage() + ")";
    }
    if (auth != null) {
      return "authentication with the Kafka broker failed; check " + path + ".auth and the tls section (" + auth + ")";
    }
    if (t instanceof TimeoutException) {
      return "no answer from Kafka " + brokers + " in time; " + whatToCheckWithoutAnswer() + " (" + t.getMessage() + ")";
    }
    return String.valueOf(t);
  }

  /**
   * What to check when the brokers do not answer at all: their addresses, and whether the listener
   * speaks the security protocol this client uses. A client speaking plaintext to a listener that
   * expects SASL or TLS sees its connections closed and no error it could report (the Kafka client
   * just reconnects), so the message says so and names the sections that switch SASL and TLS on.
   */
  public String whatToCheckWithoutAnswer() {
    String s = "check " + path + ".brokers, and that " + (tls == null ? "plaintext" : "TLS")
        + (sasl == null ? "" : " with SASL " + sasl.mechanism()) + " is what that listener speaks";
    if (tls == null) {
      s += sasl == null
          ? ": the listener may expect SASL or TLS while this client speaks plaintext (see " + path + ".auth.sasl and "
              + path + ".tls)"
          : ": the listener may expect TLS while this client speaks plaintext (see " + path + ".tls)";
    }
    return s;
  }

  private static String rootMessage(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root == t ? String.valueOf(t.getMessage()) : t.getMessage() + ": " + root.getMessage();
  }

  private SSLContext skipVerifyContext(TlsVersion max, TlsKeyPair pair) {
    try {
      KeyManager[] keys = null;
      if (pair != null) {
        // In memory only; the password just satisfies the KeyStore API.
        char[] password = "traceyard".toCharArray();
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("client", pair.privateKey(), password, pair.certificateChain().toArray(X509Certificate[]::new));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, password);
        keys = kmf.getKeyManagers();
      }
      SSLContext context = SSLContext.getInstance(max.protocolName());
      context.init(keys, new TrustManager[] {SkipVerifySslEngineFactory.TRUST_ALL}, null);
      return context;
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new IllegalStateException("cannot set up TLS for " + path + " (insecure_skip_verify): " + e, e);
    }
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
