package dev.traceyard.collector.receiver.otlp;

import com.linecorp.armeria.client.ClientFactory;
import dev.traceyard.collector.testing.TestCertificates;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** Clients for the TLS and auth tests: SDK span data, and JDK / Armeria clients that trust the test CA. */
final class SecureClients {
  private SecureClients() {}

  /** Finished spans made by the real SDK, to hand to an exporter directly (so its result is observable). */
  static Collection<SpanData> spans(String... names) {
    List<SpanData> out = new CopyOnWriteArrayList<>();
    SpanExporter capture = new SpanExporter() {
      @Override
      public CompletableResultCode export(Collection<SpanData> spans) {
        out.addAll(spans);
        return CompletableResultCode.ofSuccess();
      }

      @Override
      public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess();
      }

      @Override
      public CompletableResultCode shutdown() {
        return CompletableResultCode.ofSuccess();
      }
    };
    try (SdkTracerProvider tracing = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(capture))
        .build()) {
      for (String name : names) {
        tracing.get("security-it").spanBuilder(name).startSpan().end();
      }
    }
    return out;
  }

  /** Exports with {@code exporter}, waits for the outcome and shuts the exporter down. */
  static boolean export(SpanExporter exporter, String... names) {
    try {
      CompletableResultCode r = exporter.export(spans(names)).join(60, TimeUnit.SECONDS);
      return r.isDone() && r.isSuccess();
    } finally {
      exporter.shutdown().join(30, TimeUnit.SECONDS);
    }
  }

  /** A JDK SSL context trusting only the test CA, with the given protocols. */
  static SSLContext trusting(Path caPem) throws Exception {
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    X509Certificate ca = TestCertificates.certificate(caPem);
    ks.setCertificateEntry("ca", ca);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  /** An Armeria client factory trusting only the test CA; close it after use. */
  static ClientFactory armeriaTrusting(Path caPem) {
    X509Certificate ca = TestCertificates.certificate(caPem);
    return ClientFactory.builder().tlsCustomizer(b -> b.trustManager(ca)).build();
  }
}
