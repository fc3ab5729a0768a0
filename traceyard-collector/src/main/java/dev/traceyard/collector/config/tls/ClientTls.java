package dev.traceyard.collector.config.tls;

import com.linecorp.armeria.client.ClientFactoryBuilder;
import com.linecorp.armeria.common.TlsKeyPair;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;

/**
 * A client's TLS material, loaded and checked at start (see {@link TlsClientSettings}). Whether TLS
 * is used at all ({@code insecure}, URL scheme) is the exporter's decision; this only holds what a
 * TLS connection needs.
 */
public final class ClientTls {
  private final TlsClientSettings settings;
  private final List<X509Certificate> trusted;
  private final TlsKeyPair keyPair;

  private ClientTls(TlsClientSettings settings, List<X509Certificate> trusted, TlsKeyPair keyPair) {
    this.settings = settings;
    this.trusted = trusted;
    this.keyPair = keyPair;
  }

  /**
   * Reads and checks the files of {@code settings}.
   *
   * @throws TlsException naming the config key and file when anything is missing or wrong
   */
  public static ClientTls load(TlsClientSettings settings, Logger logger) {
    List<X509Certificate> trusted = List.of();
    if (settings.ca() != null) {
      List<X509Certificate> all = new ArrayList<>(Pem.certificates(settings.ca()));
      if (settings.includeSystemCaCertsPool()) {
        all.addAll(systemCas());
      }
      trusted = List.copyOf(all);
    }
    TlsKeyPair pair = null;
    if (settings.cert() != null) {
      List<X509Certificate> chain = Pem.certificates(settings.cert());
      PrivateKey key = Pem.privateKey(settings.key());
      Pem.checkPair(settings.key(), key, settings.cert(), chain.get(0));
      ServerTls.warnIfNotValidNow(settings.cert(), chain.get(0), logger);
      pair = TlsKeyPair.of(key, chain);
    }
    if (settings.insecureSkipVerify()) {
      logger.warn("{}.insecure_skip_verify is true: the server's certificate is not verified, so the connection "
          + "is encrypted but not authenticated", settings.path());
    }
    return new ClientTls(settings, trusted, pair);
  }

  /**
   * Applies CAs (or no verification), the client certificate and the TLS versions to an Armeria
   * client factory. {@code server_name_override} is not applied here: use {@link #serverName()} as the
   * endpoint's host name (with the resolved IP address), which Armeria sends in SNI and verifies.
   */
  public void applyTo(ClientFactoryBuilder b) {
    if (settings.insecureSkipVerify()) {
      b.tlsNoVerify();
    }
    if (keyPair != null) {
      b.tls(keyPair);
    }
    String[] protocols = TlsVersion.protocols(settings.minVersion(), settings.maxVersion());
    boolean customCas = !trusted.isEmpty() && !settings.insecureSkipVerify();
    X509Certificate[] cas = trusted.toArray(X509Certificate[]::new);
    b.tlsCustomizer(sb -> {
      sb.protocols(protocols);
      if (customCas) {
        sb.trustManager(cas);
      }
    });
  }

  public TlsClientSettings settings() {
    return settings;
  }

  /** The CAs to trust instead of the JVM's defaults; empty means the JVM's defaults. */
  public List<X509Certificate> trustedCertificates() {
    return trusted;
  }

  /** The client certificate and key for mTLS, or null. */
  public TlsKeyPair clientKeyPair() {
    return keyPair;
  }

  /** {@code server_name_override}, or null to use the endpoint's host. */
  public String serverName() {
    return settings.serverNameOverride();
  }

  private static List<X509Certificate> systemCas() {
    try {
      TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      f.init((KeyStore) null);
      List<X509Certificate> out = new ArrayList<>();
      for (TrustManager tm : f.getTrustManagers()) {
        if (tm instanceof X509TrustManager) {
          out.addAll(List.of(((X509TrustManager) tm).getAcceptedIssuers()));
        }
      }
      return out;
    } catch (GeneralSecurityException e) {
      throw new TlsException("cannot load the system CA certificates: " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "ClientTls{path=" + settings.path() + ", cas=" + trusted.size() + ", clientCert=" + (keyPair != null)
        + ", skipVerify=" + settings.insecureSkipVerify() + "}";
  }
}
