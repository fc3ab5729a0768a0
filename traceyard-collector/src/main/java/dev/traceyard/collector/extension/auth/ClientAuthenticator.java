package dev.traceyard.collector.extension.auth;

import java.util.Map;

/**
 * Adds credentials to outgoing requests; implemented by authenticator extensions and used by
 * exporters through {@code auth.authenticator}. Called for every request: must not block (cache what
 * is read from files) and must not throw.
 */
public interface ClientAuthenticator {

  /** Headers to add to each request (HTTP headers or gRPC metadata), e.g. {@code Authorization}. */
  Map<String, String> headers();
}
