package dev.traceyard.collector.extension.auth;

import java.util.Map;

/**
 * Checks the credentials of an incoming request; implemented by authenticator extensions and used by
 * receivers through {@code auth.authenticator}. Called on network threads for every request, so
 * implementations must not block, must not throw, and must compare secrets in constant time.
 */
public interface ServerAuthenticator {

  /**
   * @param headers the request headers (HTTP headers or gRPC metadata); names are lower-case
   * @return whether the request is authenticated and, if not, why (never containing a secret)
   */
  AuthResult authenticate(Map<String, String> headers);

  /** The {@code WWW-Authenticate} challenge sent with HTTP 401, or null for none. */
  default String challenge() {
    return null;
  }
}
