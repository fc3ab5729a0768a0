package dev.traceyard.sdk;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.DecoratingHttpClientFunction;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.RequestContext;
import com.linecorp.armeria.common.logging.RequestLog;
import com.linecorp.armeria.common.logging.RequestLogProperty;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.opentelemetry.instrumentation.api.instrumenter.Instrumenter;
import io.opentelemetry.instrumentation.api.semconv.http.HttpClientAttributesExtractor;
import io.opentelemetry.instrumentation.api.semconv.http.HttpClientAttributesGetter;
import io.opentelemetry.instrumentation.api.semconv.http.HttpClientMetrics;
import io.opentelemetry.instrumentation.api.semconv.http.HttpServerAttributesExtractor;
import io.opentelemetry.instrumentation.api.semconv.http.HttpServerAttributesGetter;
import io.opentelemetry.instrumentation.api.semconv.http.HttpServerMetrics;
import io.opentelemetry.instrumentation.api.semconv.http.HttpSpanNameExtractor;
import io.opentelemetry.instrumentation.api.semconv.http.HttpSpanStatusExtractor;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * SERVER and CLIENT spans for Armeria HTTP services and clients (gRPC over Armeria: use
 * {@link GrpcTracing}'s interceptors).
 *
 * <p>OpenTelemetry's {@code opentelemetry-armeria-1.3} library is the first choice where it can be had;
 * this is the same on OpenTelemetry's instrumentation API ({@link Instrumenter} with the HTTP semantic
 * convention extractors and metrics), since that library was not available to this build and Armeria
 * ships Brave, not OpenTelemetry, tracing. The span is current while the service's {@code serve} (or the
 * client's {@code execute}) runs and ends when Armeria's request log completes. Work the service moves to
 * other threads keeps the trace through {@link ContextExecutors} / {@link ContextFutures}.
 */
public final class ArmeriaTracing {

  private final Instrumenter<ServiceRequestContext, RequestLog> server;
  private final Instrumenter<ClientRequestContext, RequestLog> client;

  private ArmeriaTracing(OpenTelemetry openTelemetry) {
    ServerGetter serverGetter = new ServerGetter();
    this.server =
        Instrumenter.<ServiceRequestContext, RequestLog>builder(
                openTelemetry, TraceyardBuilder.INSTRUMENTATION_NAME, HttpSpanNameExtractor.create(serverGetter))
            .setSpanStatusExtractor(HttpSpanStatusExtractor.create(serverGetter))
            .addAttributesExtractor(HttpServerAttributesExtractor.create(serverGetter))
            .addOperationMetrics(HttpServerMetrics.get())
            .buildServerInstrumenter(ServerGetter.HEADERS);
    ClientGetter clientGetter = new ClientGetter();
    this.client =
        Instrumenter.<ClientRequestContext, RequestLog>builder(
                openTelemetry, TraceyardBuilder.INSTRUMENTATION_NAME, HttpSpanNameExtractor.create(clientGetter))
            .setSpanStatusExtractor(HttpSpanStatusExtractor.create(clientGetter))
            .addAttributesExtractor(HttpClientAttributesExtractor.create(clientGetter))
            .addOperationMetrics(HttpClientMetrics.get())
            .buildClientInstrumenter(ClientGetter.HEADERS);
  }

  public static ArmeriaTracing create(OpenTelemetry openTelemetry) {
    return new ArmeriaTracing(openTelemetry);
  }

  /** {@code Server.builder().decorator(tracing.serverDecorator())}: a SERVER span per request. */
  public DecoratingHttpServiceFunction serverDecorator() {
    return (delegate, ctx, req) -> traced(server, ctx, () -> delegate.serve(ctx, req));
  }

  /** {@code WebClient.builder(...).decorator(tracing.clientDecorator())}: a CLIENT span per request. */
  public DecoratingHttpClientFunction clientDecorator() {
    return (delegate, ctx, req) -> traced(client, ctx, () -> delegate.execute(ctx, req));
  }

  /**
   * Runs {@code call} with the request's span current; the span ends when Armeria's request log
   * completes, since the response usually streams on after {@code call} returns.
   */
  private static <C extends RequestContext, R> R traced(
      Instrumenter<C, RequestLog> instrumenter, C ctx, Callable<R> call) throws Exception {
    Context parent = Context.current();
    if (!instrumenter.shouldStart(parent, ctx)) {
      return call.call();
    }
    Context context = instrumenter.start(parent, ctx);
    ctx.log().whenComplete().thenAccept(log -> instrumenter.end(context, ctx, log, log.responseCause()));
    try (Scope ignored = context.makeCurrent()) {
      return call.call();
    }
  }

  private static List<String> all(HttpHeaders headers, String name) {
    List<String> values = headers.getAll(name);
    return values == null ? List.of() : values;
  }

  private static Integer status(RequestLog log) {
    if (log == null || !log.isAvailable(RequestLogProperty.RESPONSE_HEADERS)) {
      return null;
    }
    int code = log.responseHeaders().status().code();
    return code > 0 ? code : null;
  }

  private static String protocolVersion(com.linecorp.armeria.common.SessionProtocol protocol) {
    return protocol == null ? null : protocol.isMultiplex() ? "2" : "1.1";
  }

  private static final class ServerGetter implements HttpServerAttributesGetter<ServiceRequestContext, RequestLog> {
    static final TextMapGetter<ServiceRequestContext> HEADERS =
        new TextMapGetter<>() {
          @Override
          public Iterable<String> keys(ServiceRequestContext ctx) {
            List<String> names = new ArrayList<>();
            ctx.request().headers().names().forEach(name -> names.add(name.toString()));
            return names;
          }

          @Override
          public String get(ServiceRequestContext ctx, String key) {
            return ctx == null ? null : ctx.request().headers().get(key);
          }
        };

    @Override
    public String getHttpRequestMethod(ServiceRequestContext ctx) {
      return ctx.method().name();
    }

    @Override
    public List<String> getHttpRequestHeader(ServiceRequestContext ctx, String name) {
      return all(ctx.request().headers(), name);
    }

    @Override
    public Integer getHttpResponseStatusCode(ServiceRequestContext ctx, RequestLog log, Throwable error) {
      return status(log);
    }

    @Override
    public List<String> getHttpResponseHeader(ServiceRequestContext ctx, RequestLog log, String name) {
      return log == null || !log.isAvailable(RequestLogProperty.RESPONSE_HEADERS)
          ? List.of()
          : all(log.responseHeaders(), name);
    }

    @Override
    public String getUrlScheme(ServiceRequestContext ctx) {
      return ctx.sessionProtocol().isTls() ? "https" : "http";
    }

    @Override
    public String getUrlPath(ServiceRequestContext ctx) {
      return ctx.path();
    }

    @Override
    public String getUrlQuery(ServiceRequestContext ctx) {
      return ctx.query();
    }

    @Override
    public String getHttpRoute(ServiceRequestContext ctx) {
      // the route pattern as Armeria spells it (/orders/:id), never the raw path: span names stay
      // low-cardinality
      return ctx.config().route().patternString();
    }

    @Override
    public String getNetworkProtocolName(ServiceRequestContext ctx, RequestLog log) {
      return "http";
    }

    @Override
    public String getNetworkProtocolVersion(ServiceRequestContext ctx, RequestLog log) {
      return protocolVersion(ctx.sessionProtocol());
    }

    @Override
    public String getClientAddress(ServiceRequestContext ctx) {
      return ctx.clientAddress().getHostAddress();
    }

    @Override
    public InetSocketAddress getNetworkPeerInetSocketAddress(ServiceRequestContext ctx, RequestLog log) {
      return ctx.remoteAddress();
    }
  }

  private static final class ClientGetter implements HttpClientAttributesGetter<ClientRequestContext, RequestLog> {
    static final TextMapSetter<ClientRequestContext> HEADERS =
        (ctx, key, value) -> {
          if (ctx != null) {
            ctx.setAdditionalRequestHeader(key, value);
          }
        };

    @Override
    public String getHttpRequestMethod(ClientRequestContext ctx) {
      return ctx.method().name();
    }

    @Override
    public List<String> getHttpRequestHeader(ClientRequestContext ctx, String name) {
      HttpHeaders headers = ctx.request() == null ? null : ctx.request().headers();
      return headers == null ? List.of() : all(headers, name);
    }

    @Override
    public Integer getHttpResponseStatusCode(ClientRequestContext ctx, RequestLog log, Throwable error) {
      return status(log);
    }

    @Override
    public List<String> getHttpResponseHeader(ClientRequestContext ctx, RequestLog log, String name) {
      return log == null || !log.isAvailable(RequestLogProperty.RESPONSE_HEADERS)
          ? List.of()
          : all(log.responseHeaders(), name);
    }

    @Override
    public String getUrlFull(ClientRequestContext ctx) {
      return ctx.uri().toString();
    }

    @Override
    public String getServerAddress(ClientRequestContext ctx) {
      return ctx.uri().getHost();
    }

    @Override
    public Integer getServerPort(ClientRequestContext ctx) {
      int port = ctx.uri().getPort();
      return port > 0 ? port : null;
    }

    @Override
    public String getNetworkProtocolName(ClientRequestContext ctx, RequestLog log) {
      return "http";
    }

    @Override
    public String getNetworkProtocolVersion(ClientRequestContext ctx, RequestLog log) {
      return protocolVersion(ctx.sessionProtocol());
    }
  }
}
