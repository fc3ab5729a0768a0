package dev.traceyard.collector.kafka;

import java.net.Socket;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.apache.kafka.common.security.auth.SslEngineFactory;

/**
 * The Kafka client's SSL engines for {@code tls.insecure_skip_verify: true}: TLS without checking the
 * broker's certificate chain or host name, as otelcol does. The Kafka client itself can only switch
 * off the host name check, so {@link KafkaClientConfig#clientProperties} names this class in
 * {@code ssl.engine.factory.class} and hands it a ready {@link SSLContext} (client key, if any; a
 * trust manager that accepts every server) under {@link #CONTEXT_CONFIG}. Public only because Kafka
 * instantiates it by reflection; not for other uses.
 */
public final class SkipVerifySslEngineFactory implements SslEngineFactory {
  /** The client property that carries the {@link Context}. */
  static final String CONTEXT_CONFIG = "traceyard.ssl.skip.verify.context";

  /** What the engines are made from. */
  record Context(SSLContext ssl, String[] protocols) {
    Context {
      Objects.requireNonNull(ssl, "ssl");
      protocols = protocols.clone();
    }
  }

  /** Accepts every server certificate: what {@code insecure_skip_verify} asks for. */
  static final X509ExtendedTrustManager TRUST_ALL = new X509ExtendedTrustManager() {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  };

  private Context context;

  public SkipVerifySslEngineFactory() {}

  @Override
  public void configure(Map<String, ?> configs) {
    Object c = configs.get(CONTEXT_CONFIG);
    if (!(c instanceof Context)) {
      throw new IllegalStateException(getClass().getSimpleName() + " is made by the kafka components' config only");
    }
    context = (Context) c;
  }

  @Override
  public SSLEngine createClientSslEngine(String peerHost, int peerPort, String endpointIdentification) {
    // No endpoint identification algorithm on purpose: the host name is not checked either.
    SSLEngine engine = context.ssl().createSSLEngine(peerHost, peerPort);
    engine.setUseClientMode(true);
    engine.setEnabledProtocols(context.protocols());
    return engine;
  }

  @Override
  public SSLEngine createServerSslEngine(String peerHost, int peerPort) {
    throw new UnsupportedOperationException("client connections only");
  }

  @Override
  public boolean shouldBeRebuilt(Map<String, Object> nextConfigs) {
    return nextConfigs.get(CONTEXT_CONFIG) != context;
  }

  @Override
  public Set<String> reconfigurableConfigs() {
    return Set.of();
  }

  @Override
  public KeyStore keystore() {
    return null;
  }

  @Override
  public KeyStore truststore() {
    return null;
  }

  @Override
  public void close() {}
}
