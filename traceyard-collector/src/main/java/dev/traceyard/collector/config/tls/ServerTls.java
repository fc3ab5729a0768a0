package dev.traceyard.collector.config.tls;

import com.linecorp.armeria.common.TlsKeyPair;
import com.linecorp.armeria.server.ServerBuilder;
import io.netty.handler.ssl.ClientAuth;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;

/**
 * A server's TLS material, loaded and checked at start: every file is read, parsed, and the key is
 * checked against the certificate so that mistakes fail the start with the config key and file
 * named, instead of failing every handshake later.
 */
public final class ServerTls {
  private final TlsServerSettings settings;
  private final PrivateKey key;
  private final List<X509Certificate> chain;
  private final List<X509Certificate> clientCas;

  private ServerTls(TlsServerSettings settings, PrivateKey key, List<X509Certificate> chain,
      List<X509Certificate> clientCas) {
    this.settings = settings;
    this.key = key;
    this.chain = chain;
    this.clientCas = clientCas;
  }

  /**
   * Reads and checks the files of {@code settings}.
   *
   * @throws TlsException naming the config key and file when anything is missing or wrong
   */
  public static ServerTls load(TlsServerSettings settings, Logger logger) {
    List<X509Certificate> chain = Pem.certificates(settings.cert());
    PrivateKey key = Pem.privateKey(settings.key());
    Pem.checkPair(settings.key(), key, settings.cert(), chain.get(0));
    warnIfNotValidNow(settings.cert(), chain.get(0), logger);
    List<X509Certificate> clientCas = settings.clientCa() == null ? List.of() : Pem.certificates(settings.clientCa());
    if (settings.ca() != null) {
      Pem.certificates(settings.ca()); // checked so that a typo is caught, though it has no effect
      if (settings.clientCa() == null) {
        logger.warn("{}: has no effect on a server and does not verify clients (as in the OpenTelemetry "
            + "Collector); set {}.client_ca_file to require client certificates (mTLS)",
            settings.ca().key(), settings.path());
      }
    }
    return new ServerTls(settings, key, chain, clientCas);
  }

  /** Serves TLS only (no plain text on that port) with this material. */
  public void applyTo(ServerBuilder sb) {
    sb.tls(TlsKeyPair.of(key, chain));
    String[] protocols = TlsVersion.protocols(settings.minVersion(), settings.maxVersion());
    sb.tlsCustomizer(b -> {
      b.protocols(protocols);
      if (!clientCas.isEmpty()) {
        b.clientAuth(ClientAuth.REQUIRE).trustManager(clientCas.toArray(X509Certificate[]::new));
      }
    });
  }

  /** The settings this was loaded from. */
  public TlsServerSettings settings() {
    return settings;
  }

  /** The server's certificate (the first of the chain). */
  public X509Certificate certificate() {
    return chain.get(0);
  }

  /** An expired certificate is still served (clients decide), but the operator should hear of it. */
  static void warnIfNotValidNow(PemSource src, X509Certificate cert, Logger logger) {
    Instant now = Instant.now();
    if (cert.getNotAfter().toInstant().isBefore(now)) {
      logger.warn("{}: the certificate {} in {} expired on {}; clients will refuse it", src.key(),
          cert.getSubjectX500Principal().getName(), src.describe(), cert.getNotAfter().toInstant());
    } else if (cert.getNotBefore().toInstant().isAfter(now)) {
      logger.warn("{}: the certificate {} in {} is not valid before {}; clients will refuse it", src.key(),
          cert.getSubjectX500Principal().getName(), src.describe(), cert.getNotBefore().toInstant());
    }
  }

  @Override
  public String toString() {
    return "ServerTls{" + settings.cert() + ", mtls=" + !clientCas.isEmpty() + "}";
  }
}
