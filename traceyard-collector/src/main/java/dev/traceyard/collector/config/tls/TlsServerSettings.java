package dev.traceyard.collector.config.tls;

import dev.traceyard.collector.config.ConfigNode;
import java.util.Objects;

/**
 * TLS of a server (a receiver's {@code tls} section), with otelcol's configtls keys:
 *
 * <pre>
 * tls:
 *   cert_file: server.pem      # or cert_pem; the chain, leaf first (required)
 *   key_file: server-key.pem   # or key_pem; PKCS#8, PKCS#1 RSA or SEC1 EC, unencrypted (required)
 *   client_ca_file: ca.pem     # set: clients must present a certificate signed by one of these (mTLS)
 *   ca_file: ca.pem            # or ca_pem; read and checked, but as in otelcol it does not verify clients
 *   min_version: "1.2"         # "1.2" (default) or "1.3"
 *   max_version: ""            # "" (newest), "1.2" or "1.3"
 * </pre>
 *
 * Files are read at start. Refused with a reason: {@code reload_interval} (non-zero),
 * {@code client_ca_file_reload: true}, {@code cipher_suites}, {@code curve_preferences},
 * {@code include_insecure_cipher_suites: true}, {@code tpm.enabled: true}, TLS 1.0 and 1.1.
 *
 * @param path the config path of the {@code tls} section, for start-time errors
 */
public record TlsServerSettings(String path, PemSource cert, PemSource key, PemSource ca, PemSource clientCa,
    TlsVersion minVersion, TlsVersion maxVersion) {

  public TlsServerSettings {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(cert, "cert");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(minVersion, "minVersion");
  }

  /** Whether clients must present a certificate (mTLS). */
  public boolean requiresClientCertificate() {
    return clientCa != null;
  }

  /**
   * Reads a server's {@code tls} section, recording errors in the node. Returns null when the section
   * is unusable (errors were recorded).
   */
  public static TlsServerSettings parse(ConfigNode n) {
    TlsParsing.Common c = TlsParsing.common(n);
    PemSource clientCa = TlsParsing.source(n, "client_ca_file", null);
    if (n.bool("client_ca_file_reload", false)) {
      n.error("client_ca_file_reload", "is not supported: client_ca_file is read once at start");
    }
    if (c.cert() == null && c.key() == null) {
      n.error("cert_file", "is required to serve TLS (with key_file); remove the tls section to serve plain text");
      return null;
    }
    if (c.cert() == null || c.key() == null) {
      return null; // reported by TlsParsing
    }
    return new TlsServerSettings(n.path(), c.cert(), c.key(), c.ca(), clientCa, c.min(), c.max());
  }
}
