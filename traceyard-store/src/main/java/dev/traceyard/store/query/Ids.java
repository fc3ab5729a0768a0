package dev.traceyard.store.query;

import com.google.protobuf.ByteString;
import dev.traceyard.collector.otlp.Hex;

/** Big-endian conversions between OTLP id bytes and the BIGINT columns they are stored in. */
public final class Ids {
  private Ids() {}

  static long readLong(byte[] b, int off) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b[off + i] & 0xffL);
    }
    return v;
  }

  static long readLong(ByteString b, int off) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b.byteAt(off + i) & 0xffL);
    }
    return v;
  }

  static void writeLong(byte[] b, int off, long v) {
    for (int i = 7; i >= 0; i--) {
      b[off + i] = (byte) v;
      v >>>= 8;
    }
  }

  /** A span id from OTLP bytes (exactly 8). */
  public static long spanId(ByteString bytes) {
    return readLong(bytes, 0);
  }

  public static ByteString spanIdBytes(long id) {
    byte[] out = new byte[8];
    writeLong(out, 0, id);
    return ByteString.copyFrom(out);
  }

  /** 16 lower-case hex characters. */
  public static String hex(long id) {
    byte[] out = new byte[8];
    writeLong(out, 0, id);
    return Hex.encode(out);
  }

  /** Parses 16 hex characters; null when {@code hex} is not that. */
  public static Long parseSpanId(String hex) {
    if (hex == null || hex.length() != 16) {
      return null;
    }
    byte[] raw = Hex.decode(hex);
    return raw == null ? null : readLong(raw, 0);
  }
}
