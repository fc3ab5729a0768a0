package dev.traceyard.store.db;

import java.nio.charset.StandardCharsets;

/** 64-bit FNV-1a: a stable content hash for deduplicating resources and scopes within a partition. */
final class Fnv {
  private static final long OFFSET = 0xcbf29ce484222325L;
  private static final long PRIME = 0x100000001b3L;

  private Fnv() {}

  static long hash(byte[] bytes, String suffix) {
    long h = OFFSET;
    for (byte b : bytes) {
      h ^= b & 0xff;
      h *= PRIME;
    }
    h ^= 0xff; // separator, so (bytes, suffix) pairs cannot collide by shifting bytes across
    h *= PRIME;
    for (byte b : suffix.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= PRIME;
    }
    return h;
  }
}
