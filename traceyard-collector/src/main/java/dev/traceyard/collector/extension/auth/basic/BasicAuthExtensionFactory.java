package dev.traceyard.collector.extension.auth.basic;

import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Extension;
import dev.traceyard.collector.component.ExtensionFactory;
import dev.traceyard.collector.config.ConfigNode;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The {@code basicauth} extension, configured as in the OpenTelemetry Collector contrib, either as a
 * server authenticator (for receivers) or as a client authenticator (for exporters), not both:
 *
 * <pre>
 * extensions:
 *   basicauth/server:
 *     htpasswd:
 *       file: /etc/traceyard/.htpasswd    # re-read when it changes
 *       inline: |                         # takes precedence over the file for the same user
 *         alice:s3cret
 *         bob:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=
 *   basicauth/client:
 *     client_auth:
 *       username: alice                   # or username_file (re-read when it changes)
 *       password: ${env:PASSWORD}         # or password_file (re-read when it changes)
 * </pre>
 *
 * htpasswd passwords are plain text or {@code {SHA}} hashes ({@code htpasswd -s}); bcrypt and other
 * crypt hashes, which otelcol accepts, are refused with a clear error. Passwords are compared in
 * constant time; a wrong password and an unknown user get the same answer.
 * {@code client_auth.aws_secrets_manager} is not supported.
 */
public final class BasicAuthExtensionFactory implements ExtensionFactory<BasicAuthConfig> {

  @Override
  public String type() {
    return "basicauth";
  }

  @Override
  public BasicAuthConfig parseConfig(ConfigNode node) {
    boolean isServer = node.isSet("htpasswd");
    boolean isClient = node.isSet("client_auth");
    BasicAuthConfig.Server server = isServer ? server(node.child("htpasswd")) : null;
    BasicAuthConfig.Client client = isClient ? client(node.child("client_auth")) : null;
    if (isServer && isClient) {
      node.error(null, "set either htpasswd (to authenticate incoming requests) or client_auth (to send "
          + "credentials), not both: define two basicauth extensions, e.g. basicauth/server and basicauth/client");
      return null;
    }
    if (!isServer && !isClient) {
      node.error(null, "set htpasswd (to authenticate incoming requests) or client_auth (to send credentials)");
      return null;
    }
    return server == null && client == null ? null : new BasicAuthConfig(server, client);
  }

  private static BasicAuthConfig.Server server(ConfigNode n) {
    Path file = path(n, "file");
    String inline = n.string("inline", null);
    Map<String, Htpasswd.Entry> users = Map.of();
    if (inline != null && !inline.isBlank()) {
      try {
        users = Htpasswd.parse(inline);
      } catch (IllegalArgumentException e) {
        n.error("inline", e.getMessage());
        return null;
      }
    }
    if (file == null && users.isEmpty()) {
      n.error(null, "set file or inline (user:password lines)");
      return null;
    }
    return new BasicAuthConfig.Server(users, file, n.pathOf("file"));
  }

  private static BasicAuthConfig.Client client(ConfigNode n) {
    String username = n.string("username", null);
    Path usernameFile = path(n, "username_file");
    String password = n.string("password", null);
    Path passwordFile = path(n, "password_file");
    if (n.isSet("aws_secrets_manager")) {
      n.error("aws_secrets_manager", "is not supported: use password_file (re-read when it changes)");
    }
    boolean ok = true;
    if (usernameFile == null && (username == null || username.isEmpty())) {
      n.error("username", "is required (or username_file)");
      ok = false;
    } else if (usernameFile == null && username.indexOf(':') >= 0) {
      n.error("username", "must not contain ':' (Basic authentication separates user and password with it)");
      ok = false;
    }
    if (passwordFile == null && password == null) {
      n.error("password", "is required (or password_file)");
      ok = false;
    }
    return ok ? new BasicAuthConfig.Client(n.path(), username, usernameFile, password, passwordFile) : null;
  }

  private static Path path(ConfigNode n, String key) {
    String s = n.string(key, null);
    if (s == null) {
      return null;
    }
    if (s.isBlank()) {
      n.error(key, "must not be empty");
      return null;
    }
    try {
      return Path.of(s.trim());
    } catch (InvalidPathException e) {
      n.error(key, "invalid path '" + s + "': " + e.getReason());
      return null;
    }
  }

  @Override
  public Extension create(ComponentSettings settings, BasicAuthConfig config) {
    return config.server() != null ? new BasicAuthServerExtension(settings, config.server())
        : new BasicAuthClientExtension(settings, config.client());
  }
}
