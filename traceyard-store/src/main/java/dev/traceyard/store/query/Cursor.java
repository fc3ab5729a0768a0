package dev.traceyard.store.query;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Where the next page starts: the snapshot ({@code seq}) and time window of the first page, the sort
 * key of the last trace returned, and a hash of the filters so a cursor cannot be replayed against a
 * different search. Opaque to clients.
 */
record Cursor(long seq, long startNanos, long endNanos, long lastStart, long lastHi, long lastLo, long filterHash) {
  private static final String VERSION = "c1";

  String encode() {
    String s = VERSION + ":" + seq + ":" + startNanos + ":" + endNanos + ":" + lastStart + ":" + lastHi + ":" + lastLo
        + ":" + filterHash;
    return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.US_ASCII));
  }

  static Cursor decode(String text) {
    String[] parts;
    try {
      parts = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.US_ASCII).split(":");
    } catch (IllegalArgumentException e) {
      throw new BadQueryException("invalid cursor: not one returned by this API");
    }
    if (parts.length != 8 || !parts[0].equals(VERSION)) {
      throw new BadQueryException("invalid cursor: not one returned by this API");
    }
    try {
      return new Cursor(Long.parseLong(parts[1]), Long.parseLong(parts[2]), Long.parseLong(parts[3]),
          Long.parseLong(parts[4]), Long.parseLong(parts[5]), Long.parseLong(parts[6]), Long.parseLong(parts[7]));
    } catch (NumberFormatException e) {
      throw new BadQueryException("invalid cursor: not one returned by this API");
    }
  }

  static long hash(String s) {
    long h = 0xcbf29ce484222325L;
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return h;
  }
}
