package dev.traceyard.collector.processor.tracequality;

import com.google.protobuf.ByteString;

/** Span ids as longs (0 = none), and back. */
final class SpanIds {
  private SpanIds() {}

  static long toLong(ByteString id) {
    int n = id.size();
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (i < n ? id.byteAt(i) & 0xffL : 0);
    }
    return v;
  }

  static ByteString toBytes(long id) {
    byte[] b = new byte[8];
    for (int i = 7; i >= 0; i--) {
      b[i] = (byte) id;
      id >>>= 8;
    }
    return ByteString.copyFrom(b);
  }
}
