package dev.traceyard.collector.extension.auth.basic;

import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Extension;
import dev.traceyard.collector.component.Host;
import dev.traceyard.collector.extension.auth.ClientAuthenticator;
import dev.traceyard.collector.extension.auth.WatchedSecretFile;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

/** {@code basicauth} with {@code client_auth}: adds {@code Authorization: Basic ...} to outgoing requests. */
final class BasicAuthClientExtension implements Extension, ClientAuthenticator {
  static final Duration FILE_POLL_INTERVAL = Duration.ofSeconds(1);

  private final ComponentSettings settings;
  private final BasicAuthConfig.Client config;
  private final WatchedSecretFile<String> usernameFile;
  private final WatchedSecretFile<String> passwordFile;

  BasicAuthClientExtension(ComponentSettings settings, BasicAuthConfig.Client config) {
    this.settings = settings;
    this.config = config;
    this.usernameFile = config.usernameFile() == null ? null : new WatchedSecretFile<>(config.usernameFile(),
        config.path() + ".username_file", BasicAuthClientExtension::username, settings.logger());
    this.passwordFile = config.passwordFile() == null ? null : new WatchedSecretFile<>(config.passwordFile(),
        config.path() + ".password_file", BasicAuthClientExtension::password, settings.logger());
  }

  private static String username(String content) {
    String u = content.strip();
    if (u.isEmpty()) {
      throw new IllegalArgumentException("the username is empty");
    }
    if (u.indexOf(':') >= 0 || u.indexOf('\n') >= 0) {
      throw new IllegalArgumentException("the username must be one line without ':'");
    }
    return u;
  }

  /** A password file's content without the trailing newline editors add. */
  private static String password(String content) {
    String p = content.endsWith("\r\n") ? content.substring(0, content.length() - 2)
        : content.endsWith("\n") ? content.substring(0, content.length() - 1) : content;
    if (p.indexOf('\n') >= 0) {
      throw new IllegalArgumentException("the password must be a single line");
    }
    return p;
  }

  @Override
  public void start(Host host) {
    if (usernameFile != null) {
      usernameFile.start(FILE_POLL_INTERVAL);
    }
    if (passwordFile != null) {
      passwordFile.start(FILE_POLL_INTERVAL);
    }
  }

  @Override
  public void shutdown() {
    if (usernameFile != null) {
      usernameFile.close();
    }
    if (passwordFile != null) {
      passwordFile.close();
    }
  }

  @Override
  public Map<String, String> headers() {
    String user = usernameFile != null ? usernameFile.get() : config.username();
    String password = passwordFile != null ? passwordFile.get() : config.password();
    if (user == null || password == null) {
      return Map.of();
    }
    String credentials = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    return Map.of("Authorization", "Basic " + credentials);
  }

  @Override
  public String toString() {
    return "basicauth{" + settings.id() + ", " + config + "}";
  }
}
