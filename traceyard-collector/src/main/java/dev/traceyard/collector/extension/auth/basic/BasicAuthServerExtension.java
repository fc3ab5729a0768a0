package dev.traceyard.collector.extension.auth.basic;

import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Extension;
import dev.traceyard.collector.component.Host;
import dev.traceyard.collector.extension.auth.AuthResult;
import dev.traceyard.collector.extension.auth.ServerAuthenticator;
import dev.traceyard.collector.extension.auth.WatchedSecretFile;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

/** {@code basicauth} with {@code htpasswd}: checks {@code Authorization: Basic ...} of incoming requests. */
final class BasicAuthServerExtension implements Extension, ServerAuthenticator {
  static final Duration FILE_POLL_INTERVAL = Duration.ofSeconds(1);
  private static final String PREFIX = "Basic ";
  private static final AuthResult INVALID = AuthResult.denied("invalid username or password");

  private final ComponentSettings settings;
  private final BasicAuthConfig.Server config;
  private final WatchedSecretFile<Map<String, Htpasswd.Entry>> file;

  BasicAuthServerExtension(ComponentSettings settings, BasicAuthConfig.Server config) {
    this.settings = settings;
    this.config = config;
    this.file = config.file() == null ? null
        : new WatchedSecretFile<>(config.file(), config.fileKey(), Htpasswd::parse, settings.logger());
  }

  @Override
  public void start(Host host) {
    if (file != null) {
      file.start(FILE_POLL_INTERVAL);
    }
  }

  @Override
  public void shutdown() {
    if (file != null) {
      file.close();
    }
  }

  @Override
  public AuthResult authenticate(Map<String, String> headers) {
    String value = headers.get("authorization");
    if (value == null || value.isEmpty()) {
      return AuthResult.denied("missing Authorization header");
    }
    if (!value.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
      return AuthResult.denied("the Authorization header does not use the Basic scheme");
    }
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(value.substring(PREFIX.length()).strip()),
          StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return AuthResult.denied("malformed Basic credentials (not base64)");
    }
    int colon = decoded.indexOf(':');
    if (colon < 0) {
      return AuthResult.denied("malformed Basic credentials (no ':' between user and password)");
    }
    String user = decoded.substring(0, colon);
    String password = decoded.substring(colon + 1);
    Htpasswd.Entry entry = config.inline().get(user);
    if (entry == null && file != null) {
      entry = file.get().get(user);
    }
    // An unknown user costs the same comparison as a wrong password, so timing does not reveal users.
    boolean ok = (entry == null ? Htpasswd.NOBODY : entry).matches(password) && entry != null;
    return ok ? AuthResult.ok() : INVALID;
  }

  @Override
  public String challenge() {
    return "Basic realm=\"traceyard\", charset=\"UTF-8\"";
  }

  @Override
  public String toString() {
    return "basicauth{" + settings.id() + ", " + config + "}";
  }
}
