package dev.traceyard.collector.processor.tracequality;

import com.google.protobuf.ByteString;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** Span ids as longs (0 = none), and back. */
final class SpanIds {
  private SpanIds() {}

  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  static long toLong(ByteString id) {
    return read(id, 0);
  }

  /** The 8 bytes at {@code from}, big-endian; missing bytes read as 0. */
  static long read(ByteString id, int from) {
    int n = id.size();
    if (n >= from + 8) {
      // One bulk copy and one load: far cheaper than eight virtual byteAt calls.
      byte[] scratch = SCRATCH.get();
      id.copyTo(scratch, from, 0, 8);
      return (long) LONGS.get(scratch, 0);
    }
    long v = 0;
    for (int i = from; i < from + 8; i++) {
      v = (v << 8) | (i < n ? id.byteAt(i) & 0xffL : 0);
    }
    return v;
  }

  private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[8]);

  static ByteString toBytes(long id) {
    byte[] b = new byte[8];
    for (int i = 7; i >= 0; i--) {
      b[i] = (byte) id;
      id >>>= 8;
    }
    return ByteString.copyFrom(b);
  }
}
