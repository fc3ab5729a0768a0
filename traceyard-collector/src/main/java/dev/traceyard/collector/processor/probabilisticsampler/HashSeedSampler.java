package dev.traceyard.collector.processor.probabilisticsampler;

import com.google.protobuf.ByteString;

/**
 * otelcol's hash_seed sampling: FNV-1a (32 bit) over the seed (4 bytes, little-endian) followed by
 * the trace id (or attribute bytes); the low 14 bits of the hash are compared with the percentage
 * scaled to 2^14 buckets. The same seed and percentage give the same decision for a trace id in
 * every collector, including otelcol-contrib's.
 */
final class HashSeedSampler {
  static final int BUCKETS = 0x4000;
  private static final int MASK = BUCKETS - 1;
  private static final int FNV_OFFSET = 0x811c9dc5;
  private static final int FNV_PRIME = 0x01000193;

  private final int seed;
  private final int acceptBelow;

  HashSeedSampler(int seed, float percentage) {
    this.seed = seed;
    this.acceptBelow = scaled(percentage);
  }

  /** Buckets accepted for a percentage, computed in 32-bit float and truncated, as otelcol does. */
  static int scaled(float percentage) {
    float pct = Math.min(percentage, 100f);
    if (pct <= 0f) {
      return 0;
    }
    return (int) (pct * (BUCKETS / 100f));
  }

  boolean sampled(ByteString bytes) {
    return (hash(seed, bytes) & MASK) < acceptBelow;
  }

  /** As {@link #sampled}, with a percentage of its own (logs' sampling priority). */
  boolean sampled(ByteString bytes, float percentage) {
    return (hash(seed, bytes) & MASK) < scaled(percentage);
  }

  static int hash(int seed, ByteString bytes) {
    int h = FNV_OFFSET;
    for (int i = 0; i < 4; i++) {
      h ^= (seed >>> (8 * i)) & 0xff;
      h *= FNV_PRIME;
    }
    for (int i = 0, n = bytes.size(); i < n; i++) {
      h ^= bytes.byteAt(i) & 0xff;
      h *= FNV_PRIME;
    }
    return h;
  }
}
