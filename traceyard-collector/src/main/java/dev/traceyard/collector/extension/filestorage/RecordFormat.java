package dev.traceyard.collector.extension.filestorage;

import dev.traceyard.collector.component.Signal;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * One queued batch in a segment file:
 *
 * <pre>
 * offset size
 *  0      4   magic 'TYQ1' (lets recovery find the next record after a damaged one)
 *  4      4   payload length
 *  8      4   CRC32C of bytes 12 .. end of payload (sequence, signal, items, payload)
 * 12      8   sequence number (unique in the queue, never reused; acknowledgements name it)
 * 20      1   signal (0 traces, 1 metrics, 2 logs)
 * 21      4   item count (for the items sizer, without decoding the payload)
 * 25      n   payload: the OTLP protobuf export request
 * </pre>
 *
 * Big-endian. The checksum covers the header fields after it, so a damaged length or sequence is
 * caught as well as a damaged payload.
 */
final class RecordFormat {
  static final int MAGIC = 0x54595131;
  static final int HEADER_SIZE = 25;
  private static final Signal[] SIGNALS = {Signal.TRACES, Signal.METRICS, Signal.LOGS};

  private RecordFormat() {}

  /** What the header of a valid record says, and where it is. */
  record Header(long offset, long seq, Signal signal, int items, int payloadLength) {
    long end() {
      return offset + HEADER_SIZE + payloadLength;
    }

    int size() {
      return HEADER_SIZE + payloadLength;
    }
  }

  static ByteBuffer encode(long seq, Signal signal, int items, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE + payload.length);
    b.putInt(MAGIC).putInt(payload.length).putInt(0).putLong(seq).put(code(signal)).putInt(items).put(payload);
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 12, b.capacity() - 12);
    b.putInt(8, (int) crc.getValue());
    b.flip();
    return b;
  }

  private static byte code(Signal s) {
    for (int i = 0; i < SIGNALS.length; i++) {
      if (SIGNALS[i] == s) {
        return (byte) i;
      }
    }
    throw new IllegalArgumentException(s.toString());
  }

  /** The record starting at {@code pos} of {@code data[0, limit)}, or null if there is no valid one there. */
  static Header parse(byte[] data, int pos, int limit) {
    if (limit - pos < HEADER_SIZE) {
      return null;
    }
    ByteBuffer b = ByteBuffer.wrap(data, 0, limit);
    if (b.getInt(pos) != MAGIC) {
      return null;
    }
    int length = b.getInt(pos + 4);
    if (length < 0 || length > limit - pos - HEADER_SIZE) {
      return null;
    }
    CRC32C crc = new CRC32C();
    crc.update(data, pos + 12, HEADER_SIZE - 12 + length);
    if ((int) crc.getValue() != b.getInt(pos + 8)) {
      return null;
    }
    int signal = b.get(pos + 20);
    int items = b.getInt(pos + 21);
    if (signal < 0 || signal >= SIGNALS.length || items < 0) {
      return null;
    }
    return new Header(pos, b.getLong(pos + 12), SIGNALS[signal], items, length);
  }

  /**
   * What a segment holds: its valid records, the damaged ranges between them, and possibly a torn
   * tail: the start of a record whose write a crash cut short (or zeros a power loss left behind).
   *
   * @param tornFrom where the torn tail starts, or -1
   */
  record Scan(List<Header> records, List<long[]> damaged, long tornFrom, long length) {
    boolean isDamaged() {
      return !damaged.isEmpty();
    }

    long damagedBytes() {
      long n = 0;
      for (long[] r : damaged) {
        n += r[1] - r[0];
      }
      return n;
    }

    long tornBytes() {
      return tornFrom < 0 ? 0 : length - tornFrom;
    }

    /** Where the file may be cut so that only whole records remain. */
    long validEnd() {
      return tornFrom < 0 ? length : tornFrom;
    }
  }

  /**
   * Reads a whole segment. Where a record does not check out, looks for the next one that does
   * (magic and checksum): the bytes in between are damage. When no valid record follows, the rest is
   * a torn tail if it looks like one (zeros, or a record header whose length reaches the end of the
   * file: a write cut short), and damage otherwise.
   */
  static Scan scan(byte[] data) {
    List<Header> records = new ArrayList<>();
    List<long[]> damaged = new ArrayList<>();
    int pos = 0;
    int n = data.length;
    long tornFrom = -1;
    while (pos < n) {
      Header h = parse(data, pos, n);
      if (h != null) {
        records.add(h);
        pos = (int) h.end();
        continue;
      }
      int next = -1;
      for (int q = pos + 1; q <= n - HEADER_SIZE; q++) {
        // Cheap pre-check on the magic's first byte before the full parse.
        if (data[q] == 0x54 && parse(data, q, n) != null) {
          next = q;
          break;
        }
      }
      if (next >= 0) {
        damaged.add(new long[] {pos, next});
        pos = next;
        continue;
      }
      if (looksTorn(data, pos)) {
        tornFrom = pos;
      } else {
        damaged.add(new long[] {pos, n});
      }
      break;
    }
    return new Scan(List.copyOf(records), List.copyOf(damaged), tornFrom, n);
  }

  private static boolean looksTorn(byte[] data, int pos) {
    int n = data.length;
    boolean zeros = true;
    for (int i = pos; i < n && zeros; i++) {
      zeros = data[i] == 0;
    }
    if (zeros) {
      return true;
    }
    ByteBuffer b = ByteBuffer.wrap(data);
    if (n - pos < 4) {
      byte[] magic = ByteBuffer.allocate(4).putInt(MAGIC).array();
      for (int i = pos; i < n; i++) {
        if (data[i] != magic[i - pos]) {
          return false;
        }
      }
      return true;
    }
    if (b.getInt(pos) != MAGIC) {
      return false;
    }
    if (n - pos < 8) {
      return true;
    }
    int length = b.getInt(pos + 4);
    return length >= 0 && (long) pos + HEADER_SIZE + length >= n;
  }
}
