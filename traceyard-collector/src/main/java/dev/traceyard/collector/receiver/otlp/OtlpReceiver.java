package dev.traceyard.collector.receiver.otlp;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.grpc.GrpcSerializationFormats;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.cors.CorsService;
import com.linecorp.armeria.server.cors.CorsServiceBuilder;
import com.linecorp.armeria.server.grpc.GrpcService;
import com.linecorp.armeria.server.grpc.GrpcServiceBuilder;
import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Host;
import dev.traceyard.collector.component.Receiver;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.HostPort;
import dev.traceyard.collector.config.tls.ServerTls;
import dev.traceyard.collector.config.tls.TlsServerSettings;
import dev.traceyard.collector.consumer.Consumer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import dev.traceyard.collector.extension.auth.AuthSettings;
import dev.traceyard.collector.extension.auth.ServerAuthenticator;
import dev.traceyard.collector.receiver.admission.AdmissionDecorator;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/** The {@code otlp} receiver: one Armeria server per configured protocol. */
final class OtlpReceiver implements Receiver {
  static final String GRPC = "grpc";
  static final String HTTP = "http";
  /** In-flight requests get this long to finish on shutdown; new ones are refused at once. */
  private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(5);
  /** Bounds a request whose consume() blocks (e.g. a memory limiter waiting); the client then retries. */
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
  /** Room for gRPC framing around one message, so that the message limit is what refuses big requests. */
  private static final long GRPC_FRAMING_SLACK = 64 * 1024;
  private static final List<String> DEFAULT_CORS_HEADERS =
      List.of("Accept", "Content-Type", "Content-Encoding", "X-Requested-With");

  private final ComponentSettings settings;
  private final OtlpReceiverConfig config;
  private final Consumer next;
  private final Set<Signal> wired;
  private final Map<String, Server> servers = new LinkedHashMap<>();

  OtlpReceiver(ComponentSettings settings, OtlpReceiverConfig config, Consumer next, Set<Signal> wired) {
    this.settings = settings;
    this.config = config;
    this.next = next;
    this.wired = wired.isEmpty() ? EnumSet.noneOf(Signal.class) : EnumSet.copyOf(wired);
  }

  @Override
  public synchronized void start(Host host) {
    try {
      // Everything that can be wrong with files or extensions is checked before any port is bound.
      ServerTls grpcTls = null;
      ServerTls httpTls = null;
      ServerAuthenticator grpcAuth = null;
      ServerAuthenticator httpAuth = null;
      if (config.grpc() != null) {
        grpcTls = loadTls(config.grpc().tls());
        grpcAuth = authenticator(config.grpc().auth(), host);
      }
      if (config.http() != null) {
        httpTls = loadTls(config.http().tls());
        httpAuth = authenticator(config.http().auth(), host);
      }
      if (config.grpc() != null) {
        start(GRPC, config.grpc().endpoint(), grpcServer(config.grpc(), grpcTls, grpcAuth));
      }
      if (config.http() != null) {
        start(HTTP, config.http().endpoint(), httpServer(config.http(), httpTls, httpAuth));
      }
    } catch (RuntimeException e) {
      shutdown();
      throw e;
    }
  }

  private ServerTls loadTls(TlsServerSettings tls) {
    return tls == null ? null : ServerTls.load(tls, settings.logger());
  }

  private static ServerAuthenticator authenticator(AuthSettings auth, Host host) {
    return auth == null ? null : auth.server(host);
  }

  private void start(String transport, HostPort endpoint, ServerBuilder builder) {
    Server server = builder.build();
    try {
      server.start().join();
    } catch (RuntimeException e) {
      server.closeAsync();
      Throwable root = e;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      throw new IllegalStateException("protocols." + transport + ": cannot listen on " + endpoint + ": "
          + (root.getMessage() == null ? root.toString() : root.getMessage()), e);
    }
    servers.put(transport, server);
  }

  private ServerBuilder grpcServer(OtlpReceiverConfig.Grpc grpc, ServerTls tls, ServerAuthenticator auth) {
    TransportTelemetry telemetry = new TransportTelemetry(settings, GRPC, next);
    ServerBuilder sb = base(grpc.endpoint(), tls, telemetry)
        .maxRequestLength(grpc.maxRecvMsgSizeBytes() + GRPC_FRAMING_SLACK)
        .errorHandler(new GrpcTooLargeHandler(telemetry, grpc.maxRecvMsgSizeBytes()));
    if (grpc.maxConcurrentStreams() > 0) {
      sb.http2MaxStreamsPerConnection(grpc.maxConcurrentStreams());
    }
    if (grpc.maxConnectionIdle() != null) {
      sb.idleTimeout(grpc.maxConnectionIdle());
    }
    if (grpc.maxConnectionAge() != null) {
      sb.maxConnectionAge(grpc.maxConnectionAge());
    }
    if (grpc.keepaliveTime() != null) {
      sb.pingInterval(grpc.keepaliveTime());
      if (grpc.maxConnectionIdle() == null) {
        // As in gRPC, idle connections stay open unless max_connection_idle says otherwise; Armeria's
        // default idle timeout would otherwise close them before any keepalive ping is due.
        sb.idleTimeout(Duration.ZERO);
      }
    }
    if (!wired.isEmpty()) {
      GrpcExport export = new GrpcExport(telemetry);
      GrpcServiceBuilder gb = GrpcService.builder()
          // Only binary gRPC, as otelcol: Armeria's gRPC-JSON would not speak OTLP/JSON (hex ids).
          .supportedSerializationFormats(GrpcSerializationFormats.PROTO)
          .maxRequestMessageLength(grpc.maxRecvMsgSizeBytes())
          .useBlockingTaskExecutor(true)
          .exceptionHandler(new GrpcRefusals(telemetry, grpc.maxRecvMsgSizeBytes()));
      for (Signal s : wired) {
        gb.addService(export.service(s));
      }
      sb.service(gb.build());
    }
    // Signals without a pipeline and any other path: UNIMPLEMENTED for gRPC clients, counted.
    sb.serviceUnder("/", (ctx, req) -> {
      telemetry.refused(RefusalReason.NOT_FOUND, null, 0, "no gRPC service at " + ctx.path());
      MediaType ct = req.contentType();
      if (ct != null && ct.subtype().startsWith("grpc")) {
        return HttpResponse.of(GrpcResponses.trailersOnly(ct, io.grpc.Status.Code.UNIMPLEMENTED,
            "unknown service or method (or no pipeline for its signal): " + ctx.path()));
      }
      return HttpResponse.of(HttpStatus.NOT_FOUND);
    });
    AdmissionDecorator admission = OtlpAdmission.decorator(grpc.admission(), settings, GRPC,
        grpc.maxRecvMsgSizeBytes() + GRPC_FRAMING_SLACK, telemetry);
    if (admission != null) {
      sb.decorator(admission);
    }
    if (auth != null) {
      // Server-wide, like otelcol's gRPC interceptor: unknown services are not revealed to strangers.
      // Added last, so it runs first: strangers' bodies are never read, nor counted against admission.
      sb.decorator(new AuthDecorator(auth, telemetry));
    }
    return sb;
  }

  private ServerBuilder httpServer(OtlpReceiverConfig.Http http, ServerTls tls, ServerAuthenticator auth) {
    TransportTelemetry telemetry = new TransportTelemetry(settings, HTTP, next);
    ServerBuilder sb = base(http.endpoint(), tls, telemetry);
    // Inside CORS, so that browsers' preflight requests (which carry no credentials) still get answered.
    AuthDecorator authDecorator = auth == null ? null : new AuthDecorator(auth, telemetry);
    AdmissionDecorator admission = OtlpAdmission.decorator(http.admission(), settings, HTTP,
        http.maxRequestBodySize(), telemetry);
    // Authentication first (outermost), then admission, so that strangers' bodies are never read.
    Function<HttpService, HttpService> authenticated = s -> {
      HttpService admitted = admission == null ? s : s.decorate(admission);
      return authDecorator == null ? admitted : admitted.decorate(authDecorator);
    };
    CorsServiceBuilder cors = http.cors().enabled() ? cors(http.cors()) : null;
    for (Signal s : wired) {
      String path = s == Signal.TRACES ? http.tracesUrlPath() : s == Signal.METRICS ? http.metricsUrlPath()
          : http.logsUrlPath();
      HttpService service = new OtlpHttpService(SignalCodec.of(s), http.maxRequestBodySize(), telemetry,
          settings.logger());
      // The service enforces max_request_body_size itself so that oversized requests are counted and
      // answered with an OTLP error body.
      HttpService guarded = authenticated.apply(service);
      sb.route().path(path).maxRequestLength(0).build(cors == null ? guarded : cors.build(guarded));
    }
    HttpService notFound = (ctx, req) -> {
      telemetry.refused(RefusalReason.NOT_FOUND, null, 0, req.method() + " " + ctx.path());
      return HttpResponse.of(HttpStatus.NOT_FOUND, MediaType.PLAIN_TEXT_UTF_8,
          "404 not found: OTLP/HTTP is served at the configured *_url_path of the signals that have a pipeline");
    };
    HttpService guardedNotFound = authenticated.apply(notFound);
    sb.serviceUnder("/", cors == null ? guardedNotFound : cors.build(guardedNotFound));
    return sb;
  }

  private static ServerBuilder base(HostPort endpoint, ServerTls tls, TransportTelemetry telemetry) {
    InetSocketAddress address = new InetSocketAddress(endpoint.host(), endpoint.port());
    ServerBuilder sb = Server.builder();
    if (tls == null) {
      sb.http(address);
    } else {
      // TLS only: a plain-text client fails its handshake (counted) instead of being served in clear.
      sb.https(address);
      tls.applyTo(sb);
      TlsHandshakeFailures failures = new TlsHandshakeFailures(telemetry);
      sb.childChannelPipelineCustomizer(failures::addTo);
    }
    return sb
        // Armeria's own meters (executor counters, certificate validity per host name) would clash between
        // the gRPC and HTTP servers in its shared global registry, with a warning at start. Nothing reads
        // them: self-telemetry has its own registry.
        .meterRegistry(new SimpleMeterRegistry())
        .requestTimeout(REQUEST_TIMEOUT)
        // Refusals are counted and logged (rate-limited) by the receiver itself.
        .unloggedExceptionsReportInterval(Duration.ZERO)
        .gracefulShutdownTimeout(Duration.ZERO, SHUTDOWN_TIMEOUT);
  }

  /** otelcol's CORS: origins may hold {@code *} wildcards, a lone {@code *} allows any origin. */
  private static CorsServiceBuilder cors(OtlpReceiverConfig.Cors c) {
    CorsServiceBuilder b;
    if (c.allowedOrigins().contains("*")) {
      b = CorsService.builderForAnyOrigin();
    } else {
      List<Pattern> patterns = new ArrayList<>();
      for (String o : c.allowedOrigins()) {
        patterns.add(Pattern.compile(wildcardRegex(o), Pattern.CASE_INSENSITIVE));
      }
      Predicate<String> allowed = origin -> patterns.stream().anyMatch(p -> p.matcher(origin).matches());
      b = CorsService.builder(allowed);
    }
    b.allowRequestMethods(HttpMethod.POST);
    if (c.allowedHeaders().contains("*")) {
      b.allowAllRequestHeaders(true);
    } else {
      List<String> headers = new ArrayList<>(DEFAULT_CORS_HEADERS);
      headers.addAll(c.allowedHeaders());
      b.allowRequestHeaders(headers);
    }
    if (c.maxAgeSeconds() > 0) {
      b.maxAge(c.maxAgeSeconds());
    }
    return b;
  }

  private static String wildcardRegex(String origin) {
    List<String> quoted = new ArrayList<>();
    for (String part : origin.split("\\*", -1)) {
      quoted.add(Pattern.quote(part));
    }
    return String.join(".*", quoted);
  }

  @Override
  public synchronized Map<String, InetSocketAddress> boundAddresses() {
    Map<String, InetSocketAddress> out = new LinkedHashMap<>();
    servers.forEach((transport, server) -> out.put(transport, server.activePort().localAddress()));
    return out;
  }

  /** Refuses new requests at once and gives in-flight ones up to {@link #SHUTDOWN_TIMEOUT} to finish. */
  @Override
  public synchronized void shutdown() {
    List<CompletableFuture<Void>> stopping = new ArrayList<>();
    servers.values().forEach(s -> stopping.add(s.stop()));
    for (CompletableFuture<Void> f : stopping) {
      try {
        f.get(SHUTDOWN_TIMEOUT.toMillis() + 5_000, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (Exception e) {
        settings.logger().warn("OTLP receiver did not stop cleanly: {}", e.toString());
      }
    }
    servers.clear();
  }
}
