package dev.traceyard.collector.extension.auth.bearertoken;

import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Extension;
import dev.traceyard.collector.component.ExtensionFactory;
import dev.traceyard.collector.config.ConfigNode;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The {@code bearertokenauth} extension, configured as in the OpenTelemetry Collector contrib:
 *
 * <pre>
 * extensions:
 *   bearertokenauth:
 *     scheme: Bearer            # default; "" sends and expects the bare token
 *     header: Authorization     # default; the header (gRPC metadata) carrying the token
 *     token: ${env:OTLP_TOKEN}  # or tokens: [a, b] (servers accept any, clients send the first)
 *     # filename: /run/secrets/otlp-token   # instead of token(s): one token per line, re-read on change
 * </pre>
 *
 * As a server authenticator ({@code receivers.*.protocols.*.auth.authenticator}) it accepts requests
 * whose header is {@code <scheme> <token>} with a configured token (scheme case-insensitive, tokens
 * compared in constant time); as a client authenticator it adds that header. Unlike otelcol, setting
 * both {@code token} and {@code filename} is an error rather than {@code token} being ignored.
 */
public final class BearerTokenAuthExtensionFactory implements ExtensionFactory<BearerTokenAuthConfig> {
  private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

  @Override
  public String type() {
    return "bearertokenauth";
  }

  @Override
  public BearerTokenAuthConfig parseConfig(ConfigNode node) {
    String scheme = node.string("scheme", "Bearer").trim();
    if (!scheme.isEmpty() && !HEADER_NAME.matcher(scheme).matches()) {
      node.error("scheme", "must be a single word such as Bearer, got '" + scheme + "'");
      scheme = "Bearer";
    }
    String header = node.string("header", "Authorization").trim();
    if (!HEADER_NAME.matcher(header).matches()) {
      node.error("header", "is not a valid header name: '" + header + "'");
      header = "Authorization";
    }
    List<String> tokens = new ArrayList<>();
    boolean hasToken = node.isSet("token");
    String token = node.string("token", null);
    if (hasToken) {
      checkToken(node, "token", token == null ? "" : token, tokens);
    }
    List<String> listed = node.stringList("tokens");
    for (int i = 0; i < listed.size(); i++) {
      checkToken(node, "tokens[" + i + "]", listed.get(i), tokens);
    }
    boolean hasTokens = node.isSet("tokens");
    if (hasTokens && listed.isEmpty()) {
      node.error("tokens", "must not be empty");
    }
    String file = node.string("filename", null);
    Path filename = null;
    if (file != null && !file.isBlank()) {
      try {
        filename = Path.of(file.trim());
      } catch (InvalidPathException e) {
        node.error("filename", "invalid path '" + file + "': " + e.getReason());
      }
    }
    if (hasToken && hasTokens) {
      node.error("tokens", "set either token or tokens, not both");
    }
    if (filename != null && (hasToken || hasTokens)) {
      node.error("filename", "set either filename or token(s), not both");
      return null;
    }
    if (filename == null && tokens.isEmpty()) {
      if (file != null && file.isBlank()) {
        node.error("filename", "must not be empty");
      } else if (file == null && !hasToken && !hasTokens) {
        node.error(null, "set token, tokens or filename");
      }
      return null;
    }
    return new BearerTokenAuthConfig(scheme, header, filename == null ? tokens : List.of(), filename,
        node.pathOf("filename"));
  }

  private static void checkToken(ConfigNode node, String key, String token, List<String> out) {
    String t = token.strip();
    if (t.isEmpty()) {
      node.error(key, "must not be empty");
      return;
    }
    String problem = BearerTokenAuthConfig.problem(t);
    if (problem != null) {
      node.error(key, "the token " + problem);
      return;
    }
    out.add(t);
  }

  @Override
  public Extension create(ComponentSettings settings, BearerTokenAuthConfig config) {
    return new BearerTokenAuthExtension(settings, config);
  }
}
