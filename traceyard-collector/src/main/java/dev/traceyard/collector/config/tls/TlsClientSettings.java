package dev.traceyard.collector.config.tls;

import dev.traceyard.collector.config.ConfigNode;
import java.util.Objects;

/**
 * TLS of a client (an exporter's {@code tls} section), with otelcol's configtls keys:
 *
 * <pre>
 * tls:
 *   insecure: false               # true: no TLS at all (gRPC); otelcol's otlphttp decides by the URL scheme
 *   insecure_skip_verify: false   # TLS without verifying the server's certificate
 *   ca_file: ca.pem               # or ca_pem; trust these CAs instead of the system's
 *   include_system_ca_certs_pool: false   # with ca_file: trust the system's CAs too
 *   cert_file: client.pem         # or cert_pem; client certificate for mTLS (with key_file)
 *   key_file: client-key.pem      # or key_pem
 *   server_name_override: ""      # the name sent in SNI and checked against the server certificate
 *   min_version: "1.2"            # "1.2" (default) or "1.3"
 *   max_version: ""               # "" (newest), "1.2" or "1.3"
 * </pre>
 *
 * An absent section parses to the defaults (TLS on, system CAs), as in otelcol. Load the files at
 * start with {@link ClientTls#load}.
 *
 * @param path the config path of the {@code tls} section, for start-time errors
 */
public record TlsClientSettings(String path, boolean insecure, boolean insecureSkipVerify, PemSource ca,
    boolean includeSystemCaCertsPool, PemSource cert, PemSource key, String serverNameOverride,
    TlsVersion minVersion, TlsVersion maxVersion) {

  public TlsClientSettings {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(minVersion, "minVersion");
    if ((cert == null) != (key == null)) {
      throw new IllegalArgumentException("cert and key go together");
    }
    serverNameOverride = serverNameOverride == null || serverNameOverride.isBlank() ? null : serverNameOverride.trim();
  }

  /** Whether a client certificate is presented (mTLS). */
  public boolean hasClientCertificate() {
    return cert != null;
  }

  /** Reads a client's {@code tls} section (absent or empty: defaults), recording errors in the node. */
  public static TlsClientSettings parse(ConfigNode n) {
    boolean insecure = n.bool("insecure", false);
    boolean skipVerify = n.bool("insecure_skip_verify", false);
    String serverName = n.string("server_name_override", null);
    TlsParsing.Common c = TlsParsing.common(n);
    PemSource cert = c.cert() != null && c.key() != null ? c.cert() : null;
    PemSource key = cert == null ? null : c.key();
    return new TlsClientSettings(n.path(), insecure, skipVerify, c.ca(), c.includeSystemCaCertsPool(), cert, key,
        serverName, c.min(), c.max());
  }
}
