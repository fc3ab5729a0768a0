package dev.traceyard.collector.processor.tailsampling.policy;

import com.google.protobuf.ByteString;

/** Trace ids as two longs: the 16 bytes of a valid id, big-endian; other lengths zero-padded or cut. */
public final class TraceIds {
  private TraceIds() {}

  public static long high(ByteString id) {
    return read(id, 0);
  }

  public static long low(ByteString id) {
    return read(id, 8);
  }

  static long[] halves(ByteString id) {
    return new long[] {high(id), low(id)};
  }

  private static long read(ByteString id, int from) {
    int n = id.size();
    long v = 0;
    for (int i = from; i < from + 8; i++) {
      v = (v << 8) | (i < n ? id.byteAt(i) & 0xffL : 0);
    }
    return v;
  }
}
