package dev.traceyard.store.query;

import com.google.protobuf.ByteString;
import dev.traceyard.collector.otlp.Hex;

/** A 128-bit trace id, stored as two BIGINT columns ({@code trace_hi}, {@code trace_lo}). */
public record TraceId(long hi, long lo) {

  /** Parses 32 hex characters; null when {@code hex} is not that. */
  public static TraceId parseHex(String hex) {
    if (hex == null || hex.length() != 32) {
      return null;
    }
    byte[] raw = Hex.decode(hex);
    return raw == null ? null : new TraceId(Ids.readLong(raw, 0), Ids.readLong(raw, 8));
  }

  /** From OTLP bytes; null unless exactly 16 bytes. */
  public static TraceId fromBytes(ByteString bytes) {
    if (bytes.size() != 16) {
      return null;
    }
    return new TraceId(Ids.readLong(bytes, 0), Ids.readLong(bytes, 8));
  }

  public boolean isValid() {
    return hi != 0 || lo != 0;
  }

  public ByteString toBytes() {
    byte[] out = new byte[16];
    Ids.writeLong(out, 0, hi);
    Ids.writeLong(out, 8, lo);
    return ByteString.copyFrom(out);
  }

  public String toHex() {
    return Ids.hex(hi) + Ids.hex(lo);
  }

  // equals and hashCode written out: the store writer compares and hashes a trace id several times per
  // span (grouping a write group's spans by trace), and the record's generated versions, which go
  // through ObjectMethods' method handles, showed up as ~9% of the writer thread's samples.
  @Override
  public boolean equals(Object o) {
    return o instanceof TraceId t && t.hi == hi && t.lo == lo;
  }

  @Override
  public int hashCode() {
    long h = hi * 0x9E3779B97F4A7C15L + lo;
    return (int) (h ^ (h >>> 32));
  }

  @Override
  public String toString() {
    return toHex();
  }
}
