package dev.traceyard.collector.exporter.exporterhelper;

import com.linecorp.armeria.client.ClientFactoryBuilder;
import com.linecorp.armeria.common.TlsKeyPair;
import dev.traceyard.collector.config.ConfigNode;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * A client's {@code tls} block, with otelcol's keys: {@code insecure} (plaintext; gRPC only, HTTP
 * follows the URL scheme), {@code insecure_skip_verify}, {@code ca_file}, {@code cert_file} +
 * {@code key_file} (client certificate), {@code server_name_override}. Files are read at start, so
 * that {@code validate} can run where the certificates are not.
 */
public record TlsClientSettings(boolean insecure, boolean insecureSkipVerify, String caFile, String certFile,
    String keyFile, String serverNameOverride) {

  public static TlsClientSettings defaults() {
    return new TlsClientSettings(false, false, null, null, null, null);
  }

  /** Reads a {@code tls} mapping; errors are recorded in the node. */
  public static TlsClientSettings parse(ConfigNode node) {
    boolean insecure = node.bool("insecure", false);
    boolean skipVerify = node.bool("insecure_skip_verify", false);
    String ca = emptyToNull(node.string("ca_file", null));
    String cert = emptyToNull(node.string("cert_file", null));
    String key = emptyToNull(node.string("key_file", null));
    String serverName = emptyToNull(node.string("server_name_override", null));
    if ((cert == null) != (key == null)) {
      node.error(cert == null ? "cert_file" : "key_file",
          "cert_file and key_file must be set together (a client certificate needs its key), or neither");
      cert = null;
      key = null;
    }
    return new TlsClientSettings(insecure, skipVerify, ca, cert, key, serverName);
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  /**
   * Applies the certificates and verification settings to a client factory; call at start.
   *
   * @throws IllegalStateException naming the file when a certificate or key cannot be read
   */
  public void applyTo(ClientFactoryBuilder builder) {
    if (insecureSkipVerify) {
      builder.tlsNoVerify();
    } else if (caFile != null) {
      X509Certificate[] cas = readCertificates(caFile);
      builder.tlsCustomizer(ssl -> ssl.trustManager(cas));
    }
    if (certFile != null) {
      requireReadable("cert_file", certFile);
      requireReadable("key_file", keyFile);
      try {
        builder.tls(TlsKeyPair.of(new File(keyFile), new File(certFile)));
      } catch (RuntimeException e) {
        throw new IllegalStateException("tls: cannot load the client certificate '" + certFile + "' with key '"
            + keyFile + "': " + e.getMessage(), e);
      }
    }
  }

  private static X509Certificate[] readCertificates(String file) {
    requireReadable("ca_file", file);
    try (InputStream in = Files.newInputStream(Path.of(file))) {
      List<X509Certificate> out = new ArrayList<>();
      for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        out.add((X509Certificate) c);
      }
      if (out.isEmpty()) {
        throw new IllegalStateException("tls.ca_file: no certificate in '" + file + "'");
      }
      return out.toArray(new X509Certificate[0]);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("tls.ca_file: cannot read certificates from '" + file + "': " + e.getMessage(), e);
    }
  }

  private static void requireReadable(String key, String file) {
    if (!Files.isReadable(Path.of(file))) {
      throw new IllegalStateException("tls." + key + ": cannot read '" + file + "' (missing or not readable)");
    }
  }
}
