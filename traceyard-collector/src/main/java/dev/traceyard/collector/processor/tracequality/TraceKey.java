package dev.traceyard.collector.processor.tracequality;

import com.google.protobuf.ByteString;

/** A trace id as a map key: two longs hash and compare faster than the id's ByteString. */
record TraceKey(long high, long low) {

  static TraceKey of(ByteString id) {
    return new TraceKey(read(id, 0), read(id, 8));
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
