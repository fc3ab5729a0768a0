package dev.traceyard.sdk;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.opentelemetry.instrumentation.api.instrumenter.Instrumenter;
import io.opentelemetry.instrumentation.api.semconv.http.HttpClientAttributesExtractor;
import io.opentelemetry.instrumentation.api.semconv.http.HttpClientAttributesGetter;
import io.opentelemetry.instrumentation.api.semconv.http.HttpSpanNameExtractor;
import io.opentelemetry.instrumentation.api.semconv.http.HttpSpanStatusExtractor;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * CLIENT spans for the JDK {@link HttpClient}, with the trace context written into each request.
 *
 * <p>OpenTelemetry's {@code opentelemetry-java-http-client} library is the first choice where it can be
 * had; this is the same thing built on OpenTelemetry's instrumentation API ({@link Instrumenter} with the
 * HTTP semantic-convention extractors, so span names, attributes, status and the HTTP client duration
 * metric follow the conventions), because that library was not available to this build. A JDK
 * {@link HttpRequest} is immutable, so the request is copied with the propagation headers added.
 */
public final class HttpClientTracing {

  private final Instrumenter<Outgoing, HttpResponse<?>> instrumenter;

  private HttpClientTracing(OpenTelemetry openTelemetry) {
    Getter getter = new Getter();
    this.instrumenter =
        Instrumenter.<Outgoing, HttpResponse<?>>builder(
                openTelemetry, TraceyardBuilder.INSTRUMENTATION_NAME, HttpSpanNameExtractor.create(getter))
            .setSpanStatusExtractor(HttpSpanStatusExtractor.create(getter))
            .addAttributesExtractor(HttpClientAttributesExtractor.create(getter))
            .addOperationMetrics(io.opentelemetry.instrumentation.api.semconv.http.HttpClientMetrics.get())
            .buildClientInstrumenter(Outgoing.SETTER);
  }

  public static HttpClientTracing create(OpenTelemetry openTelemetry) {
    return new HttpClientTracing(openTelemetry);
  }

  /** {@link HttpClient#send} inside a CLIENT span that is a child of the current context. */
  public <T> HttpResponse<T> send(HttpClient client, HttpRequest request, HttpResponse.BodyHandler<T> handler)
      throws IOException, InterruptedException {
    Context parent = Context.current();
    Outgoing outgoing = new Outgoing(request);
    if (!instrumenter.shouldStart(parent, outgoing)) {
      return client.send(request, handler);
    }
    Context context = instrumenter.start(parent, outgoing);
    HttpResponse<T> response = null;
    Throwable error = null;
    try {
      response = client.send(outgoing.propagated.build(), handler);
      return response;
    } catch (IOException | InterruptedException | RuntimeException e) {
      error = e;
      throw e;
    } finally {
      instrumenter.end(context, outgoing, response, error);
    }
  }

  /** {@link HttpClient#sendAsync}; the returned future's later stages run in the caller's context. */
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(
      HttpClient client, HttpRequest request, HttpResponse.BodyHandler<T> handler) {
    Context parent = Context.current();
    Outgoing outgoing = new Outgoing(request);
    if (!instrumenter.shouldStart(parent, outgoing)) {
      return ContextFutures.propagating(client.sendAsync(request, handler));
    }
    Context context = instrumenter.start(parent, outgoing);
    CompletableFuture<HttpResponse<T>> sent = client.sendAsync(outgoing.propagated.build(), handler);
    return ContextFutures.propagating(
        sent.whenComplete((response, error) -> instrumenter.end(context, outgoing, response, error)));
  }

  /** The request as sent, and the copy the propagation headers are written into. */
  static final class Outgoing {
    static final TextMapSetter<Outgoing> SETTER =
        (carrier, key, value) -> {
          if (carrier != null) {
            carrier.propagated.setHeader(key, value);
          }
        };

    final HttpRequest request;
    final HttpRequest.Builder propagated;

    Outgoing(HttpRequest request) {
      this.request = request;
      this.propagated = HttpRequest.newBuilder(request, (name, value) -> true);
    }
  }

  private static final class Getter implements HttpClientAttributesGetter<Outgoing, HttpResponse<?>> {
    @Override
    public String getHttpRequestMethod(Outgoing outgoing) {
      return outgoing.request.method();
    }

    @Override
    public List<String> getHttpRequestHeader(Outgoing outgoing, String name) {
      return outgoing.request.headers().allValues(name);
    }

    @Override
    public Integer getHttpResponseStatusCode(Outgoing outgoing, HttpResponse<?> response, Throwable error) {
      return response == null ? null : response.statusCode();
    }

    @Override
    public List<String> getHttpResponseHeader(Outgoing outgoing, HttpResponse<?> response, String name) {
      return response == null ? List.of() : response.headers().allValues(name);
    }

    @Override
    public String getNetworkProtocolName(Outgoing outgoing, HttpResponse<?> response) {
      return "http";
    }

    @Override
    public String getNetworkProtocolVersion(Outgoing outgoing, HttpResponse<?> response) {
      if (response == null) {
        return null;
      }
      return response.version() == HttpClient.Version.HTTP_2 ? "2" : "1.1";
    }

    @Override
    public String getUrlFull(Outgoing outgoing) {
      return outgoing.request.uri().toString();
    }

    @Override
    public String getServerAddress(Outgoing outgoing) {
      return outgoing.request.uri().getHost();
    }

    @Override
    public Integer getServerPort(Outgoing outgoing) {
      URI uri = outgoing.request.uri();
      if (uri.getPort() > 0) {
        return uri.getPort();
      }
      return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }
  }
}
