package dev.traceyard.collector.extension.auth;

/**
 * The outcome of {@link ServerAuthenticator#authenticate}.
 *
 * @param authenticated whether the request may pass
 * @param reason why it may not (for logs and the client), never containing a secret; null when authenticated
 */
public record AuthResult(boolean authenticated, String reason) {
  private static final AuthResult OK = new AuthResult(true, null);

  public static AuthResult ok() {
    return OK;
  }

  public static AuthResult denied(String reason) {
    return new AuthResult(false, reason);
  }
}
