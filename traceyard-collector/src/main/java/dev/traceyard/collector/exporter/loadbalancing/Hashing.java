package dev.traceyard.collector.exporter.loadbalancing;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;

/**
 * 64-bit hashes for ring positions and routing keys. Every gateway and agent must compute the same
 * values from the same input, so these depend on nothing but the bytes (no seeds, no
 * {@code String.hashCode}).
 */
final class Hashing {
  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;

  private Hashing() {}

  /** MurmurHash3's 64-bit finalizer: a bijection that spreads every input bit over the output. */
  static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return z ^ (z >>> 33);
  }

  static long ofString(String s) {
    long h = FNV_OFFSET;
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xff)) * FNV_PRIME;
    }
    return mix(h);
  }

  /**
   * A trace id's position. Trace ids are mostly random already, but not all SDKs make all 16 bytes
   * random (W3C allows the high half to be a timestamp), so both halves are mixed in.
   */
  static long ofTraceId(ByteString id) {
    int n = id.size();
    if (n != 16) {
      long h = FNV_OFFSET;
      for (int i = 0; i < n; i++) {
        h = (h ^ (id.byteAt(i) & 0xff)) * FNV_PRIME;
      }
      return mix(h);
    }
    long hi = 0;
    long lo = 0;
    for (int i = 0; i < 8; i++) {
      hi = (hi << 8) | (id.byteAt(i) & 0xff);
      lo = (lo << 8) | (id.byteAt(i + 8) & 0xff);
    }
    return mix(hi ^ mix(lo));
  }
}
