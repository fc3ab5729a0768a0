package dev.traceyard.collector.receiver.otlp;

import static dev.traceyard.collector.receiver.otlp.SecureClients.export;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.HttpHeaderNames;
import dev.traceyard.collector.Components;
import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Exporter;
import dev.traceyard.collector.component.ExporterFactory;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.config.ConfigLoader;
import dev.traceyard.collector.service.Service;
import dev.traceyard.collector.service.ServiceConfig;
import dev.traceyard.collector.component.Extension;
import dev.traceyard.collector.component.Host;
import dev.traceyard.collector.component.Receiver;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.extension.auth.basic.BasicAuthExtensionFactory;
import dev.traceyard.collector.extension.auth.bearertoken.BearerTokenAuthExtensionFactory;
import dev.traceyard.collector.extension.healthcheck.HealthCheckExtensionFactory;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import dev.traceyard.collector.testing.TestCertificates;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporterBuilder;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Authentication on the {@code otlp} receiver through {@code bearertokenauth} and {@code basicauth}
 * extensions, with the OpenTelemetry Java SDK's exporters (over TLS with the test CA, and a token)
 * and raw clients to check the exact statuses.
 */
class OtlpReceiverAuthIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final String TOKEN = "tok-3f9a2c71e5d84b06";
  private static final String WRONG_TOKEN = "tok-WRONG-77c1d2e3f4";
  private static final SelfTelemetry telemetry = SelfTelemetry.forTesting();
  private static final ConcurrentLinkedQueue<Batch> received = new ConcurrentLinkedQueue<>();
  private static TestCertificates certs;
  private static Extension bearer;
  private static Extension basic;
  private static Host host;
  private static Receiver tlsToken;
  private static Receiver basicAuth;
  private static ClientFactory trustingFactory;

  @BeforeAll
  static void start() throws Exception {
    certs = TestCertificates.get();
    bearer = TestReceivers.extension(new BearerTokenAuthExtensionFactory(), "bearertokenauth", "token: " + TOKEN);
    basic = TestReceivers.extension(new BasicAuthExtensionFactory(), "basicauth/server",
        "htpasswd:\n  inline: \"alice:wonderland\"\n");
    Extension health = TestReceivers.extension(new HealthCheckExtensionFactory(), "health_check",
        "endpoint: 127.0.0.1:0");
    health.shutdown();
    host = id -> Optional.ofNullable(Map.of(ComponentId.of("bearertokenauth"), bearer,
        ComponentId.parse("basicauth/server"), basic, ComponentId.of("health_check"), health).get(id));
    String tls = "    tls:\n      cert_file: " + certs.server.cert() + "\n      key_file: " + certs.server.key() + "\n";
    tlsToken = TestReceivers.start("otlp/tls_token", String.join("\n",
        "protocols:",
        "  grpc:",
        "    endpoint: 127.0.0.1:0",
        tls + "    auth:",
        "      authenticator: bearertokenauth",
        "  http:",
        "    endpoint: 127.0.0.1:0",
        tls + "    auth:",
        "      authenticator: bearertokenauth",
        "    cors:",
        "      allowed_origins: [\"https://ui.example.com\"]"),
        EnumSet.allOf(Signal.class), telemetry, OtlpReceiverAuthIT::consume, host);
    basicAuth = TestReceivers.start("otlp/basic", String.join("\n",
        "protocols:",
        "  grpc:",
        "    endpoint: 127.0.0.1:0",
        "    auth: {authenticator: basicauth/server}",
        "  http:",
        "    endpoint: 127.0.0.1:0",
        "    auth: {authenticator: basicauth/server}"),
        EnumSet.allOf(Signal.class), telemetry, OtlpReceiverAuthIT::consume, host);
    trustingFactory = SecureClients.armeriaTrusting(certs.caCert);
  }

  private static ConsumeResult consume(Batch batch) {
    received.add(batch);
    return ConsumeResult.success();
  }

  @AfterAll
  static void stop() {
    for (Receiver r : new Receiver[] {tlsToken, basicAuth}) {
      if (r != null) {
        r.shutdown();
      }
    }
    if (trustingFactory != null) {
      trustingFactory.close();
    }
  }

  @BeforeEach
  void reset() {
    received.clear();
  }

  private static int port(Receiver r, String transport) {
    return r.boundAddresses().get(transport).getPort();
  }

  private static String url(Receiver r, String transport, boolean tls) {
    return (tls ? "https" : "http") + "://127.0.0.1:" + port(r, transport)
        + (transport.equals("http") ? "/v1/traces" : "");
  }

  private static OtlpGrpcSpanExporterBuilder grpc(String endpoint) {
    return OtlpGrpcSpanExporter.builder().setEndpoint(endpoint).setTimeout(TIMEOUT).setRetryPolicy(null);
  }

  private static OtlpHttpSpanExporterBuilder http(String endpoint) {
    return OtlpHttpSpanExporter.builder().setEndpoint(endpoint).setTimeout(TIMEOUT).setRetryPolicy(null);
  }

  private static double unauthenticated(String receiver, String transport) {
    return telemetry.value(TransportTelemetry.REFUSED_REQUESTS, receiver, transport, "unauthenticated");
  }

  private static List<String> spanNames() {
    List<String> out = new ArrayList<>();
    for (Batch b : received) {
      if (b instanceof TraceBatch) {
        for (ResourceSpans rs : ((TraceBatch) b).request().getResourceSpansList()) {
          for (ScopeSpans ss : rs.getScopeSpansList()) {
            ss.getSpansList().forEach(s -> out.add(s.getName()));
          }
        }
      }
    }
    return out;
  }

  private static TraceServiceGrpc.TraceServiceBlockingStub tlsStub(String authorization) {
    var b = GrpcClients.builder(url(tlsToken, "grpc", true)).factory(trustingFactory).responseTimeout(TIMEOUT);
    if (authorization != null) {
      b.addHeader(HttpHeaderNames.AUTHORIZATION, authorization);
    }
    return b.build(TraceServiceGrpc.TraceServiceBlockingStub.class);
  }

  private static HttpResponse<String> postTls(String authorization, String contentType) throws Exception {
    HttpClient client = HttpClient.newBuilder().sslContext(SecureClients.trusting(certs.caCert))
        .connectTimeout(TIMEOUT).build();
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url(tlsToken, "http", true)))
        .header("Content-Type", contentType).timeout(TIMEOUT)
        .POST(HttpRequest.BodyPublishers.ofByteArray(ExportTraceServiceRequest.getDefaultInstance().toByteArray()));
    if (authorization != null) {
      r.header("Authorization", authorization);
    }
    return client.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void sdkExportersWithTheCaAndTheRightToken_deliver() {
    assertThat(export(grpc(url(tlsToken, "grpc", true)).setTrustedCertificates(certs.caPem())
        .addHeader("Authorization", "Bearer " + TOKEN).build(), "token-grpc")).isTrue();
    assertThat(export(http(url(tlsToken, "http", true)).setTrustedCertificates(certs.caPem())
        .addHeader("Authorization", "Bearer " + TOKEN).build(), "token-http")).isTrue();

    assertThat(spanNames()).containsExactlyInAnyOrder("token-grpc", "token-http");
  }

  @Test
  void sdkExportersWithAWrongToken_areRefusedAndCounted() {
    double grpcBefore = unauthenticated("otlp/tls_token", "grpc");
    double httpBefore = unauthenticated("otlp/tls_token", "http");

    assertThat(export(grpc(url(tlsToken, "grpc", true)).setTrustedCertificates(certs.caPem())
        .addHeader("Authorization", "Bearer " + WRONG_TOKEN).build(), "wrong-grpc")).isFalse();
    assertThat(export(http(url(tlsToken, "http", true)).setTrustedCertificates(certs.caPem())
        .addHeader("Authorization", "Bearer " + WRONG_TOKEN).build(), "wrong-http")).isFalse();

    assertThat(spanNames()).isEmpty();
    assertThat(unauthenticated("otlp/tls_token", "grpc")).isEqualTo(grpcBefore + 1);
    assertThat(unauthenticated("otlp/tls_token", "http")).isEqualTo(httpBefore + 1);
  }

  @Test
  void grpcWithWrongOrMissingToken_getsUnauthenticated() {
    ExportTraceServiceRequest request = ExportTraceServiceRequest.getDefaultInstance();

    assertThat(catchStatus(() -> tlsStub("Bearer " + WRONG_TOKEN).export(request)).getCode())
        .isEqualTo(Status.Code.UNAUTHENTICATED);
    Status missing = catchStatus(() -> tlsStub(null).export(request));
    assertThat(missing.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(missing.getDescription()).isEqualTo("unauthenticated: missing Authorization header");
    assertThat(tlsStub("Bearer " + TOKEN).export(request)).isNotNull();
  }

  @Test
  void httpWithWrongOrMissingToken_gets401WithAChallenge() throws Exception {
    HttpResponse<String> wrong = postTls("Bearer " + WRONG_TOKEN, "application/json");
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(wrong.headers().firstValue("www-authenticate")).hasValue("Bearer realm=\"traceyard\"");
    assertThat(wrong.body()).contains("unauthenticated: invalid Bearer token in the Authorization header")
        .doesNotContain(WRONG_TOKEN);

    assertThat(postTls(null, "application/x-protobuf").statusCode()).isEqualTo(401);
    assertThat(postTls("Bearer " + TOKEN, "application/x-protobuf").statusCode()).isEqualTo(200);
  }

  @Test
  void unknownPathsWithoutCredentials_get401Not404() throws Exception {
    HttpClient client = HttpClient.newBuilder().sslContext(SecureClients.trusting(certs.caCert)).build();
    HttpRequest r = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port(tlsToken, "http") + "/admin"))
        .timeout(TIMEOUT).GET().build();

    assertThat(client.send(r, HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(401);
  }

  @Test
  void corsPreflight_isAnsweredWithoutCredentials() throws Exception {
    HttpClient client = HttpClient.newBuilder().sslContext(SecureClients.trusting(certs.caCert)).build();
    HttpRequest preflight = HttpRequest.newBuilder(URI.create(url(tlsToken, "http", true))).timeout(TIMEOUT)
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
        .header("Origin", "https://ui.example.com")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type").build();

    HttpResponse<Void> r = client.send(preflight, HttpResponse.BodyHandlers.discarding());

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("access-control-allow-origin")).hasValue("https://ui.example.com");
  }

  @Test
  void basicAuth_sdkExportersWithTheRightPasswordDeliver_wrongOnesAreRefused() {
    String good = "Basic " + Base64.getEncoder().encodeToString("alice:wonderland".getBytes(StandardCharsets.UTF_8));
    String bad = "Basic " + Base64.getEncoder().encodeToString("alice:looking-glass".getBytes(StandardCharsets.UTF_8));
    double before = unauthenticated("otlp/basic", "grpc") + unauthenticated("otlp/basic", "http");

    assertThat(export(grpc(url(basicAuth, "grpc", false)).addHeader("Authorization", good).build(), "basic-grpc")).isTrue();
    assertThat(export(http(url(basicAuth, "http", false)).addHeader("Authorization", good).build(), "basic-http")).isTrue();
    assertThat(export(grpc(url(basicAuth, "grpc", false)).addHeader("Authorization", bad).build(), "bad-grpc")).isFalse();
    assertThat(export(http(url(basicAuth, "http", false)).addHeader("Authorization", bad).build(), "bad-http")).isFalse();

    assertThat(spanNames()).containsExactlyInAnyOrder("basic-grpc", "basic-http");
    assertThat(unauthenticated("otlp/basic", "grpc") + unauthenticated("otlp/basic", "http")).isEqualTo(before + 2);
  }

  @Test
  void refusals_neverLogCredentials() throws Exception {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    root.addAppender(logs);
    SelfTelemetry own = SelfTelemetry.forTesting();
    String secret = "tok-NEVER-LOG-ME-41d7";
    Extension ext = TestReceivers.extension(new BearerTokenAuthExtensionFactory(), "bearertokenauth", "token: " + secret);
    String tls = "    tls:\n      cert_file: " + certs.server.cert() + "\n      key_file: " + certs.server.key() + "\n";
    Receiver r = TestReceivers.start("otlp/quiet", "protocols:\n  http:\n    endpoint: 127.0.0.1:0\n" + tls
        + "    auth: {authenticator: bearertokenauth}\n", EnumSet.allOf(Signal.class), own, OtlpReceiverAuthIT::consume,
        id -> Optional.of(ext));
    try {
      int port = port(r, "http");
      // A plain-text request carrying the real token to the TLS port: TLS layers like to hex-dump such bytes.
      try (Socket s = new Socket("127.0.0.1", port)) {
        s.setSoTimeout((int) TIMEOUT.toMillis());
        OutputStream out = s.getOutputStream();
        out.write(("POST /v1/traces HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + secret
            + "\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        assertThat(s.getInputStream().read()).isEqualTo(-1); // closed on us
      }
      // Wrong tokens that are close to the real one, over TLS.
      HttpClient client = HttpClient.newBuilder().sslContext(SecureClients.trusting(certs.caCert)).build();
      for (String wrong : List.of(secret + "x", "Bearer", secret.substring(0, 10))) {
        HttpRequest req = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/v1/traces"))
            .header("Authorization", "Bearer " + wrong).header("Content-Type", "application/json").timeout(TIMEOUT)
            .POST(HttpRequest.BodyPublishers.ofString("{}")).build();
        assertThat(client.send(req, HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(401);
      }

      await().atMost(TIMEOUT).until(() -> own.value(TransportTelemetry.REFUSED_REQUESTS, "otlp/quiet", "http",
          "tls_handshake") >= 1);
      assertThat(own.value(TransportTelemetry.REFUSED_REQUESTS, "otlp/quiet", "http", "unauthenticated")).isEqualTo(3);
      List<ILoggingEvent> events = new ArrayList<>(logs.list);
      assertThat(events).extracting(ILoggingEvent::getFormattedMessage)
          .anySatisfy(m -> assertThat(m).contains("unauthenticated").contains("invalid Bearer token"))
          .anySatisfy(m -> assertThat(m).contains("tls_handshake").contains("not a TLS record"));
      String hex = HexFormat.of().formatHex(secret.getBytes(StandardCharsets.US_ASCII));
      String prefix = secret.substring(0, 10);
      for (ILoggingEvent e : events) {
        String text = e.getFormattedMessage() + throwableText(e.getThrowableProxy());
        assertThat(text).as("log event %s", e).doesNotContain(prefix).doesNotContainIgnoringCase(hex);
      }
      assertThat(r.toString() + ext.toString()).doesNotContain(prefix);
    } finally {
      root.detachAppender(logs);
      r.shutdown();
      ext.shutdown();
    }
  }

  @Test
  void service_wiresBuiltInAuthExtensionsToTheReceiver() throws Exception {
    String yaml = String.join("\n",
        "receivers:",
        "  otlp:",
        "    protocols:",
        "      http:",
        "        endpoint: 127.0.0.1:0",
        "        auth: {authenticator: bearertokenauth/ingest}",
        "exporters:",
        "  nop: {}",
        "extensions:",
        "  bearertokenauth/ingest:",
        "    token: " + TOKEN,
        "service:",
        "  extensions: [bearertokenauth/ingest]",
        "  pipelines:",
        "    traces: {receivers: [otlp], exporters: [nop]}",
        "");
    ExporterFactory<Boolean> nop = new ExporterFactory<>() {
      @Override
      public String type() {
        return "nop";
      }

      @Override
      public Boolean parseConfig(ConfigNode node) {
        return Boolean.TRUE;
      }

      @Override
      public java.util.Set<Signal> signals() {
        return EnumSet.allOf(Signal.class);
      }

      @Override
      public Exporter create(ComponentSettings settings, Boolean config) {
        return batch -> ConsumeResult.success();
      }
    };
    ServiceConfig config = ServiceConfig.parse(new ConfigLoader(k -> null).loadString("test", yaml),
        Components.builtInBuilder().exporter(nop).build());
    Service service = Service.create(config, SelfTelemetry.forTesting());
    service.start();
    try {
      int port = service.receiver(ComponentId.of("otlp")).boundAddresses().get("http").getPort();
      HttpClient client = HttpClient.newHttpClient();
      HttpRequest.Builder post = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/traces"))
          .header("Content-Type", "application/json").timeout(TIMEOUT).POST(HttpRequest.BodyPublishers.ofString("{}"));
      assertThat(client.send(post.build(), HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(401);
      assertThat(client.send(post.header("Authorization", "Bearer " + TOKEN).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
    } finally {
      service.shutdown(Duration.ofSeconds(10));
    }
  }

  @Test
  void missingAuthenticatorExtension_failsTheStartNamingThePath() {
    String yaml = "protocols:\n  http:\n    endpoint: 127.0.0.1:0\n    auth: {authenticator: bearertokenauth/ingest}\n";

    assertThatThrownBy(() -> TestReceivers.start(yaml, EnumSet.allOf(Signal.class), telemetry,
        OtlpReceiverAuthIT::consume, host))
        .hasMessage("receivers.otlp.protocols.http.auth.authenticator: extension 'bearertokenauth/ingest' is not "
            + "running: define it under extensions and list it in service.extensions");
  }

  @Test
  void extensionThatCannotAuthenticate_failsTheStartNamingThePath() {
    String yaml = "protocols:\n  grpc:\n    endpoint: 127.0.0.1:0\n    auth: {authenticator: health_check}\n";

    assertThatThrownBy(() -> TestReceivers.start(yaml, EnumSet.allOf(Signal.class), telemetry,
        OtlpReceiverAuthIT::consume, host))
        .hasMessageStartingWith("receivers.otlp.protocols.grpc.auth.authenticator: extension 'health_check' cannot "
            + "authenticate incoming requests");
  }

  private static String throwableText(IThrowableProxy t) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; t != null && i < 10; i++, t = t.getCause()) {
      sb.append(' ').append(t.getClassName()).append(": ").append(t.getMessage());
    }
    return sb.toString();
  }

  private static Status catchStatus(Runnable call) {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    }
    throw new AssertionError("expected a gRPC error");
  }
}
