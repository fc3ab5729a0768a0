package dev.traceyard.collector.processor.tailsampling.policy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/**
 * Samples a fixed share of traces by hashing the trace id with a salt: FNV-1a (64 bit) over the
 * salt's bytes then the 16 id bytes, sampled when the hash is at most {@code percentage/100} of the
 * 64-bit range. That is what otelcol's policy computes, so collectors of either kind that share the
 * salt keep the same traces, and the decision does not depend on which spans have arrived.
 */
final class ProbabilisticPolicy implements Policy {
  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;
  private static final BigDecimal MAX_UNSIGNED = new BigDecimal(BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE));

  /** The hash state after the salt, so each trace only hashes its 16 id bytes. */
  private final long saltedSeed;
  private final long threshold;

  ProbabilisticPolicy(double percentage, String salt) {
    this.saltedSeed = fnv1a(FNV_OFFSET, salt.getBytes(StandardCharsets.UTF_8));
    this.threshold = threshold(percentage);
  }

  @Override
  public Decision evaluate(TraceData trace) {
    long h = hashLong(hashLong(saltedSeed, trace.traceIdHigh()), trace.traceIdLow());
    return Long.compareUnsigned(h, threshold) <= 0 ? Decision.SAMPLED : Decision.NOT_SAMPLED;
  }

  /** The unsigned 64-bit threshold for a percentage in [0, 100]. */
  static long threshold(double percentage) {
    double ratio = Math.min(1.0, Math.max(0.0, percentage / 100));
    return MAX_UNSIGNED.multiply(new BigDecimal(ratio)).toBigInteger().longValue();
  }

  static long fnv1a(long seed, byte[] bytes) {
    long h = seed;
    for (byte b : bytes) {
      h ^= b & 0xff;
      h *= FNV_PRIME;
    }
    return h;
  }

  /** FNV-1a over the 8 bytes of {@code v}, big-endian. */
  private static long hashLong(long h, long v) {
    for (int shift = 56; shift >= 0; shift -= 8) {
      h ^= (v >>> shift) & 0xff;
      h *= FNV_PRIME;
    }
    return h;
  }

  static long hash(String salt, long traceIdHigh, long traceIdLow) {
    return hashLong(hashLong(fnv1a(FNV_OFFSET, salt.getBytes(StandardCharsets.UTF_8)), traceIdHigh), traceIdLow);
  }
}
