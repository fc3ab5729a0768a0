package dev.traceyard.collector.extension.auth;

import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.Extension;
import dev.traceyard.collector.component.Host;
import dev.traceyard.collector.config.ConfigNode;
import java.util.Objects;

/**
 * An {@code auth} section of a receiver protocol or an exporter, as in otelcol's configauth:
 * {@code auth: {authenticator: bearertokenauth/name}}. The extension is looked up when the component
 * starts; it must be listed in {@code service.extensions}.
 *
 * @param path the config path of the {@code auth} section, for start-time errors
 * @param authenticator the extension's id
 */
public record AuthSettings(String path, ComponentId authenticator) {

  public AuthSettings {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(authenticator, "authenticator");
  }

  /** Reads an {@code auth} section; null (with an error recorded) when it names no valid id. */
  public static AuthSettings parse(ConfigNode n) {
    String id = n.requiredString("authenticator");
    if (id == null) {
      return null;
    }
    try {
      return new AuthSettings(n.path(), ComponentId.parse(id));
    } catch (IllegalArgumentException e) {
      n.error("authenticator", e.getMessage());
      return null;
    }
  }

  /**
   * The running extension as a server authenticator.
   *
   * @throws IllegalStateException naming the config path when it is missing or cannot authenticate requests
   */
  public ServerAuthenticator server(Host host) {
    Extension e = find(host);
    if (!(e instanceof ServerAuthenticator)) {
      throw new IllegalStateException(path + ".authenticator: extension '" + authenticator
          + "' cannot authenticate incoming requests" + hint(e, "htpasswd"));
    }
    return (ServerAuthenticator) e;
  }

  /**
   * The running extension as a client authenticator.
   *
   * @throws IllegalStateException naming the config path when it is missing or cannot authenticate requests
   */
  public ClientAuthenticator client(Host host) {
    Extension e = find(host);
    if (!(e instanceof ClientAuthenticator)) {
      throw new IllegalStateException(path + ".authenticator: extension '" + authenticator
          + "' cannot add credentials to outgoing requests" + hint(e, "client_auth"));
    }
    return (ClientAuthenticator) e;
  }

  private Extension find(Host host) {
    return host.extension(authenticator).orElseThrow(() -> new IllegalStateException(path
        + ".authenticator: extension '" + authenticator + "' is not running: define it under extensions and "
        + "list it in service.extensions"));
  }

  private String hint(Extension e, String basicKey) {
    return authenticator.type().equals("basicauth") ? " (a basicauth extension configured without " + basicKey
        + ")" : " (" + e.getClass().getSimpleName() + " is not an authenticator)";
  }
}
