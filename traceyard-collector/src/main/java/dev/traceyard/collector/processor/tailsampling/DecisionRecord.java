package dev.traceyard.collector.processor.tailsampling;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One trace's sampling decision as stored in the decisions topic of the Kafka gateway mode: keyed by
 * the 16-byte trace id, so a compacted topic keeps the latest record of each trace.
 *
 * @param policy the policy that kept the trace; empty when dropped
 * @param decidedAtMillis wall-clock time of the record
 * @param exportedOffset the highest offset of the trace's data partition whose spans were handed
 *     downstream (for a dropped trace: the highest offset the decision covered); replayed spans at or
 *     below it are duplicates
 */
public record DecisionRecord(long traceIdHigh, long traceIdLow, boolean sampled, String policy, long decidedAtMillis,
    long exportedOffset) {
  private static final byte VERSION = 1;

  public DecisionRecord {
    policy = policy == null ? "" : policy;
  }

  TraceKey traceKey() {
    return new TraceKey(traceIdHigh, traceIdLow);
  }

  public byte[] key() {
    return ByteBuffer.allocate(16).putLong(traceIdHigh).putLong(traceIdLow).array();
  }

  public byte[] value() {
    byte[] p = policy.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(1 + 1 + 8 + 8 + 4 + p.length).put(VERSION).put((byte) (sampled ? 1 : 0))
        .putLong(decidedAtMillis).putLong(exportedOffset).putInt(p.length).put(p).array();
  }

  /** Reads a stored record; throws {@link IllegalArgumentException} for anything this version did not write. */
  public static DecisionRecord decode(byte[] key, byte[] value) {
    if (key == null || key.length != 16 || value == null || value.length < 22) {
      throw new IllegalArgumentException("not a decision record (key " + (key == null ? "null" : key.length + " bytes")
          + ", value " + (value == null ? "null" : value.length + " bytes") + ")");
    }
    ByteBuffer k = ByteBuffer.wrap(key);
    ByteBuffer v = ByteBuffer.wrap(value);
    byte version = v.get();
    if (version != VERSION) {
      throw new IllegalArgumentException("unknown decision record version " + version);
    }
    boolean sampled = v.get() != 0;
    long at = v.getLong();
    long offset = v.getLong();
    int len = v.getInt();
    if (len < 0 || len != v.remaining()) {
      throw new IllegalArgumentException("decision record policy length " + len + " does not match the value");
    }
    byte[] p = new byte[len];
    v.get(p);
    return new DecisionRecord(k.getLong(), k.getLong(), sampled, new String(p, StandardCharsets.UTF_8), at, offset);
  }
}
