package dev.traceyard.collector.extension.auth.bearertoken;

import dev.traceyard.collector.extension.auth.Secrets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Settings of a {@code bearertokenauth} extension. Exactly one of {@code tokens} (from {@code token}
 * or {@code tokens}) and {@code filename} is set. {@link #toString()} never shows a token.
 *
 * @param scheme the auth scheme before the token, {@code Bearer} by default; empty sends the bare token
 * @param header the header carrying the credentials, {@code Authorization} by default
 * @param tokens the accepted tokens (the first is sent by clients), or empty when read from {@code filename}
 * @param filename a file with one token per line, re-read when it changes; or null
 * @param filenameKey the config path of {@code filename}, for messages
 */
public record BearerTokenAuthConfig(String scheme, String header, List<String> tokens, Path filename,
    String filenameKey) {

  public BearerTokenAuthConfig {
    Objects.requireNonNull(scheme, "scheme");
    Objects.requireNonNull(header, "header");
    tokens = List.copyOf(tokens);
    if (tokens.isEmpty() == (filename == null)) {
      throw new IllegalArgumentException("exactly one of tokens and filename must be set");
    }
  }

  /** Tokens from a token file: one per non-empty line, surrounding whitespace trimmed. */
  static List<String> parseTokenFile(String content) {
    List<String> out = new ArrayList<>();
    String[] lines = content.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String t = lines[i].strip();
      if (t.isEmpty()) {
        continue;
      }
      String problem = problem(t);
      if (problem != null) {
        throw new IllegalArgumentException("line " + (i + 1) + ": the token " + problem);
      }
      out.add(t);
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("contains no token");
    }
    return out;
  }

  /** Why a token cannot travel in a header, or null. Never quotes the token. */
  static String problem(String token) {
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (c <= ' ' || c == 0x7f) {
        return "contains whitespace or control characters (character " + (i + 1) + ")";
      }
      if (c > 0x7e) {
        return "contains non-ASCII characters (character " + (i + 1) + ")";
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return "BearerTokenAuthConfig{scheme=" + scheme + ", header=" + header + ", tokens="
        + (tokens.isEmpty() ? "[]" : tokens.size() + " " + Secrets.REDACTED) + ", filename=" + filename + "}";
  }
}
