package dev.traceyard.collector.extension.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Handling of secrets shared by the authenticators. */
public final class Secrets {
  /** What {@code toString()} shows instead of a secret. */
  public static final String REDACTED = "<redacted>";

  private Secrets() {}

  /**
   * Compares two secrets in constant time. Both are hashed first so that neither the position of the
   * first difference nor the length of the expected secret shows in the timing.
   */
  public static boolean constantTimeEquals(String given, String expected) {
    if (given == null || expected == null) {
      return false;
    }
    return MessageDigest.isEqual(sha256(given), sha256(expected));
  }

  static byte[] sha256(String s) {
    return sha256(s.getBytes(StandardCharsets.UTF_8));
  }

  public static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }
}
