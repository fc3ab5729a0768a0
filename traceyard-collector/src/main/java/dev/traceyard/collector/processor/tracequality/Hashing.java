package dev.traceyard.collector.processor.tracequality;

import com.google.protobuf.ByteString;

/**
 * 64-bit hashes for the cardinality sketches: the bytes' or string's own 32-bit hash (computed in one tight loop and
 * cached by protobuf), spread over 64 bits by MurmurHash3's finalizer. 2^32 distinct hashes keep
 * collisions negligible far beyond the cardinalities a sketch is asked about (0.01% at a million values).
 */
final class Hashing {
  private Hashing() {}

  static long ofBytes(ByteString bytes) {
    return mix(((long) bytes.size() << 32) ^ (bytes.hashCode() & 0xffffffffL));
  }

  /** As {@link #ofBytes}, from a string's own 32-bit hash (cached in the String) and its length. */
  static long ofString(String s) {
    return mix(((long) s.length() << 32) ^ (s.hashCode() & 0xffffffffL));
  }

  static long ofLong(long v) {
    return mix(v ^ 0x5851F42D4C957F2DL);
  }

  /** MurmurHash3's 64-bit finalizer: a bijection that spreads every input bit over the output. */
  static long mix(long k) {
    k ^= k >>> 33;
    k *= 0xff51afd7ed558ccdL;
    k ^= k >>> 33;
    k *= 0xc4ceb9fe1a85ec53L;
    k ^= k >>> 33;
    return k;
  }
}
