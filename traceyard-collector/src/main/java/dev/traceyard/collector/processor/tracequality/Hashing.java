package dev.traceyard.collector.processor.tracequality;

import com.google.protobuf.ByteString;

/** 64-bit hashes for the cardinality sketches: a multiplicative pass over the bytes, then MurmurHash3's finalizer. */
final class Hashing {
  private Hashing() {}

  static long ofBytes(ByteString bytes) {
    long h = 0x9E3779B97F4A7C15L ^ bytes.size();
    int n = bytes.size();
    for (int i = 0; i < n; i++) {
      h = (h ^ (bytes.byteAt(i) & 0xff)) * 0x9E3779B97F4A7C15L;
    }
    return mix(h);
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
