package dev.traceyard.collector.exporter.exporterhelper;

import com.linecorp.armeria.client.DecoratingHttpClientFunction;
import dev.traceyard.collector.extension.auth.ClientAuthenticator;
import java.util.Map;

/**
 * Adds an {@code auth.authenticator}'s headers to each outgoing request. Asked per request, not once
 * at start, because the extension may reload its secret from a file.
 */
public final class AuthHeaders {
  private AuthHeaders() {}

  /** An Armeria client decorator, for HTTP and gRPC clients alike (gRPC metadata are HTTP/2 headers). */
  public static DecoratingHttpClientFunction decorator(ClientAuthenticator authenticator) {
    return (delegate, ctx, req) -> {
      Map<String, String> headers;
      try {
        headers = authenticator.headers();
      } catch (RuntimeException e) {
        // The contract says it must not throw; if it does, send without credentials and let the server refuse.
        headers = Map.of();
      }
      headers.forEach(ctx::setAdditionalRequestHeader);
      return delegate.execute(ctx, req);
    };
  }
}
