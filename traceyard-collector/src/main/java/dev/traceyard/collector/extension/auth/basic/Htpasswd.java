package dev.traceyard.collector.extension.auth.basic;

import dev.traceyard.collector.extension.auth.Secrets;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Users and passwords in htpasswd format: one {@code user:password} per line, blank lines and
 * {@code #} comments skipped. The password is plain text or {@code {SHA}base64(sha1)} (as written by
 * {@code htpasswd -s}); bcrypt, MD5-crypt ({@code $apr1$}) and SHA-crypt hashes are refused with a
 * clear message rather than silently never matching.
 */
final class Htpasswd {
  private Htpasswd() {}

  /** One user's stored password. {@link #toString()} never shows it. */
  static final class Entry {
    private final byte[] plainDigest;
    private final byte[] sha1;

    private Entry(byte[] plainDigest, byte[] sha1) {
      this.plainDigest = plainDigest;
      this.sha1 = sha1;
    }

    /** Constant-time check of a password given by a client. */
    boolean matches(String password) {
      byte[] given = password.getBytes(StandardCharsets.UTF_8);
      if (sha1 != null) {
        return MessageDigest.isEqual(sha1(given), sha1);
      }
      return MessageDigest.isEqual(Secrets.sha256(given), plainDigest);
    }

    @Override
    public String toString() {
      return Secrets.REDACTED;
    }
  }

  /** Compared against when the user is unknown, so that unknown users take as long as wrong passwords. */
  static final Entry NOBODY = new Entry(Secrets.sha256(new byte[] {0}), null);

  /**
   * Parses htpasswd content.
   *
   * @throws IllegalArgumentException naming the line and user (never the password) of the first problem
   */
  static Map<String, Entry> parse(String content) {
    Map<String, Entry> out = new LinkedHashMap<>();
    String[] lines = content.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String where = "line " + (i + 1);
      int colon = line.indexOf(':');
      if (colon <= 0) {
        throw new IllegalArgumentException(where + ": expected user:password");
      }
      String user = line.substring(0, colon);
      String stored = line.substring(colon + 1);
      where += " (user '" + user + "')";
      if (stored.isEmpty()) {
        throw new IllegalArgumentException(where + ": the password is empty");
      }
      if (out.containsKey(user)) {
        throw new IllegalArgumentException(where + ": the user is listed twice");
      }
      out.put(user, entry(where, stored));
    }
    return Collections.unmodifiableMap(out);
  }

  private static Entry entry(String where, String stored) {
    if (stored.startsWith("{SHA}")) {
      byte[] digest;
      try {
        digest = Base64.getDecoder().decode(stored.substring(5));
      } catch (IllegalArgumentException e) {
        digest = null;
      }
      if (digest == null || digest.length != 20) {
        throw new IllegalArgumentException(where + ": invalid {SHA} hash (expected base64 of 20 bytes)");
      }
      return new Entry(null, digest);
    }
    String scheme = stored.startsWith("$2y$") || stored.startsWith("$2a$") || stored.startsWith("$2b$") ? "bcrypt"
        : stored.startsWith("$apr1$") || stored.startsWith("$1$") ? "MD5-crypt"
        : stored.startsWith("$5$") || stored.startsWith("$6$") ? "SHA-crypt" : null;
    if (scheme != null) {
      throw new IllegalArgumentException(where + ": " + scheme + " hashes are not supported; use a plain-text "
          + "password or a {SHA} hash (htpasswd -s)");
    }
    return new Entry(Secrets.sha256(stored.getBytes(StandardCharsets.UTF_8)), null);
  }

  private static byte[] sha1(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-1").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is required of every JVM", e);
    }
  }
}
