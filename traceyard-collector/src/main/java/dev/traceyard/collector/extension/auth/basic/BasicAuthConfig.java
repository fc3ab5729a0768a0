package dev.traceyard.collector.extension.auth.basic;

import dev.traceyard.collector.extension.auth.Secrets;
import java.nio.file.Path;
import java.util.Map;

/**
 * Settings of a {@code basicauth} extension: exactly one of {@code server} (from {@code htpasswd})
 * and {@code client} (from {@code client_auth}) is set. {@link #toString()} never shows a password.
 */
public record BasicAuthConfig(Server server, Client client) {

  public BasicAuthConfig {
    if ((server == null) == (client == null)) {
      throw new IllegalArgumentException("exactly one of server and client must be set");
    }
  }

  /**
   * @param inline users parsed from {@code htpasswd.inline}; they take precedence over the file's
   * @param file {@code htpasswd.file}, read at start and re-read when it changes; or null
   * @param fileKey the config path of {@code htpasswd.file}, for messages
   */
  public record Server(Map<String, Htpasswd.Entry> inline, Path file, String fileKey) {
    public Server {
      inline = Map.copyOf(inline);
    }

    @Override
    public String toString() {
      return "htpasswd{inline users=" + inline.keySet() + ", file=" + file + "}";
    }
  }

  /**
   * Credentials sent by clients: each from its value or, when set, its file (re-read when it changes).
   *
   * @param path the config path of {@code client_auth}, for messages
   */
  public record Client(String path, String username, Path usernameFile, String password, Path passwordFile) {
    @Override
    public String toString() {
      return "client_auth{username=" + (usernameFile != null ? "file " + usernameFile : username) + ", password="
          + (passwordFile != null ? "file " + passwordFile : Secrets.REDACTED) + "}";
    }
  }
}
