package dev.traceyard.collector.config.tls;

import dev.traceyard.collector.config.ConfigNode;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;

/** Reading of the keys otelcol's configtls shares between clients and servers. */
final class TlsParsing {
  private TlsParsing() {}

  /** The common keys, read and validated; files are only named here, read at start. */
  record Common(PemSource ca, boolean includeSystemCaCertsPool, PemSource cert, PemSource key, TlsVersion min,
      TlsVersion max) {}

  static Common common(ConfigNode n) {
    PemSource ca = source(n, "ca_file", "ca_pem");
    boolean system = n.bool("include_system_ca_certs_pool", false);
    PemSource cert = source(n, "cert_file", "cert_pem");
    PemSource key = source(n, "key_file", "key_pem");
    if (cert != null && key == null) {
      n.error("key_file", "is required when " + (cert.file() != null ? "cert_file" : "cert_pem")
          + " is set: provide both the certificate and its private key");
    } else if (key != null && cert == null) {
      n.error("cert_file", "is required when " + (key.file() != null ? "key_file" : "key_pem")
          + " is set: provide both the certificate and its private key");
    }
    TlsVersion min = version(n, "min_version", TlsVersion.TLS_1_2);
    TlsVersion max = version(n, "max_version", null);
    if (max != null && max.compareTo(min) < 0) {
      n.error("min_version", "\"" + min.configName() + "\" is greater than max_version \"" + max.configName() + "\"");
      max = null;
    }
    unsupported(n);
    return new Common(ca, system, cert, key, min, max);
  }

  /** Keys otelcol has that Traceyard refuses with a reason instead of ignoring silently. */
  private static void unsupported(ConfigNode n) {
    Duration reload = n.nonNegativeDuration("reload_interval", null);
    if (reload != null && !reload.isZero()) {
      n.error("reload_interval", "is not supported: certificates and keys are read once at start; "
          + "restart Traceyard to load renewed ones");
    }
    if (!n.stringList("cipher_suites").isEmpty()) {
      n.error("cipher_suites", "is not supported: Traceyard uses the TLS stack's secure defaults");
    }
    if (!n.stringList("curve_preferences").isEmpty()) {
      n.error("curve_preferences", "is not supported: Traceyard uses the TLS stack's secure defaults");
    }
    if (n.bool("include_insecure_cipher_suites", false)) {
      n.error("include_insecure_cipher_suites", "is not supported: insecure cipher suites are never enabled");
    }
    if (n.isSet("tpm")) {
      ConfigNode tpm = n.child("tpm");
      if (tpm.bool("enabled", false)) {
        tpm.error("enabled", "is not supported: TPM-held keys cannot be used");
      }
      tpm.ignore("path");
      tpm.ignore("owner_auth");
      tpm.ignore("auth");
    }
  }

  /** A {@code *_file} or {@code *_pem} pair (pemKey may be null): at most one of them, null when neither is set. */
  static PemSource source(ConfigNode n, String fileKey, String pemKey) {
    String file = n.string(fileKey, null);
    String pem = pemKey == null ? null : n.string(pemKey, null);
    if (file != null && file.isBlank()) {
      file = null;
    }
    if (pem != null && pem.isBlank()) {
      pem = null;
    }
    if (file != null && pem != null) {
      n.error(pemKey, "set either " + fileKey + " or " + pemKey + ", not both");
      return null;
    }
    if (pem != null) {
      if (!pem.contains("-----BEGIN ")) {
        n.error(pemKey, "is not PEM: expected a -----BEGIN ...----- block");
        return null;
      }
      return PemSource.ofInline(n.pathOf(pemKey), pem);
    }
    if (file != null) {
      try {
        return PemSource.ofFile(n.pathOf(fileKey), Path.of(file.trim()));
      } catch (InvalidPathException e) {
        n.error(fileKey, "invalid path '" + file + "': " + e.getReason());
      }
    }
    return null;
  }

  private static TlsVersion version(ConfigNode n, String key, TlsVersion defaultValue) {
    String v = n.string(key, null);
    if (v == null || v.isBlank()) {
      return defaultValue;
    }
    switch (v.trim()) {
      case "1.2":
        return TlsVersion.TLS_1_2;
      case "1.3":
        return TlsVersion.TLS_1_3;
      case "1.0":
      case "1.1":
        n.error(key, "TLS " + v.trim() + " is not supported (deprecated by RFC 8996 and disabled in Java); "
            + "use \"1.2\" or \"1.3\"");
        return defaultValue;
      default:
        n.error(key, "unknown TLS version '" + v + "' (expected \"1.2\" or \"1.3\")");
        return defaultValue;
    }
  }
}
