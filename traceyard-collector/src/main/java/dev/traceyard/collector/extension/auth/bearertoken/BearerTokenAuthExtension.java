package dev.traceyard.collector.extension.auth.bearertoken;

import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Extension;
import dev.traceyard.collector.component.Host;
import dev.traceyard.collector.extension.auth.AuthResult;
import dev.traceyard.collector.extension.auth.ClientAuthenticator;
import dev.traceyard.collector.extension.auth.Secrets;
import dev.traceyard.collector.extension.auth.ServerAuthenticator;
import dev.traceyard.collector.extension.auth.WatchedSecretFile;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Checks or sends {@code <scheme> <token>} in one header; see {@link BearerTokenAuthExtensionFactory}. */
final class BearerTokenAuthExtension implements Extension, ServerAuthenticator, ClientAuthenticator {
  /** How often a token file is checked for changes. */
  static final Duration FILE_POLL_INTERVAL = Duration.ofSeconds(1);

  private final ComponentSettings settings;
  private final BearerTokenAuthConfig config;
  private final String headerLower;
  private final String prefix;
  private final WatchedSecretFile<List<String>> file;

  BearerTokenAuthExtension(ComponentSettings settings, BearerTokenAuthConfig config) {
    this.settings = settings;
    this.config = config;
    this.headerLower = config.header().toLowerCase(Locale.ROOT);
    this.prefix = config.scheme().isEmpty() ? "" : config.scheme() + " ";
    this.file = config.filename() == null ? null : new WatchedSecretFile<>(config.filename(), config.filenameKey(),
        BearerTokenAuthConfig::parseTokenFile, settings.logger());
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

  private List<String> tokens() {
    return file == null ? config.tokens() : file.get();
  }

  @Override
  public AuthResult authenticate(Map<String, String> headers) {
    String value = headers.get(headerLower);
    if (value == null || value.isEmpty()) {
      return AuthResult.denied("missing " + config.header() + " header");
    }
    if (!prefix.isEmpty() && !value.regionMatches(true, 0, prefix, 0, prefix.length())) {
      return AuthResult.denied("the " + config.header() + " header does not use the " + config.scheme() + " scheme");
    }
    String given = value.substring(prefix.length()).strip();
    List<String> accepted = tokens();
    boolean ok = false;
    // Every token is compared, so the timing does not tell which one (if any) matched.
    for (String t : accepted) {
      ok |= Secrets.constantTimeEquals(given, t);
    }
    return ok ? AuthResult.ok() : AuthResult.denied("invalid " + (prefix.isEmpty() ? "" : config.scheme() + " ")
        + "token in the " + config.header() + " header");
  }

  @Override
  public String challenge() {
    return headerLower.equals("authorization") && !prefix.isEmpty() ? config.scheme() + " realm=\"traceyard\"" : null;
  }

  @Override
  public Map<String, String> headers() {
    List<String> t = tokens();
    return t == null || t.isEmpty() ? Map.of() : Map.of(config.header(), prefix + t.get(0));
  }

  @Override
  public String toString() {
    return "bearertokenauth{" + settings.id() + ", " + config + "}";
  }
}
