package dev.traceyard.collector.extension.filestorage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * The queue's acknowledgements, kept apart from the segments so a segment is written only once.
 * Fixed-size entries {@code [kind][value: 8][CRC32C of kind and value: 4]}: {@code ACK seq} says a
 * record's delivery ended; {@code NEXT seq} says every sequence below it has been used, so a queue
 * whose segments are all gone never hands out a sequence number that an old acknowledgement names.
 *
 * <p>A damaged or torn entry is skipped: at worst a delivered batch is delivered again, never the
 * reverse. Not thread-safe: the queue calls it under its lock.
 */
final class AckLog {
  static final String FILE_NAME = "acks.log";
  static final int ENTRY_SIZE = 13;
  private static final byte ACK = 1;
  private static final byte NEXT = 2;

  private final Path path;
  private FileChannel channel;
  private long entries;

  /** What a previous run left. */
  record State(Set<Long> acked, long next, int damagedEntries) {}

  private AckLog(Path path, FileChannel channel, long entries) {
    this.path = path;
    this.channel = channel;
    this.entries = entries;
  }

  static State read(Path dir) throws IOException {
    byte[] data;
    try {
      data = Files.readAllBytes(dir.resolve(FILE_NAME));
    } catch (NoSuchFileException e) {
      return new State(Set.of(), 0, 0);
    }
    Set<Long> acked = new HashSet<>();
    long next = 0;
    int damaged = 0;
    ByteBuffer b = ByteBuffer.wrap(data);
    for (int pos = 0; pos + ENTRY_SIZE <= data.length; pos += ENTRY_SIZE) {
      CRC32C crc = new CRC32C();
      crc.update(data, pos, 9);
      byte kind = b.get(pos);
      long value = b.getLong(pos + 1);
      if ((int) crc.getValue() != b.getInt(pos + 9) || (kind != ACK && kind != NEXT)) {
        damaged++;
        continue;
      }
      if (kind == ACK) {
        acked.add(value);
        next = Math.max(next, value + 1);
      } else {
        next = Math.max(next, value);
      }
    }
    return new State(acked, next, damaged);
  }

  /**
   * Replaces the log with one holding only {@code next} and {@code acked} (the acknowledgements of
   * records still on disk), atomically: written beside it, forced, then renamed over it.
   */
  static AckLog rewrite(Path dir, long next, Iterable<Long> acked) throws IOException {
    Path tmp = dir.resolve(FILE_NAME + ".tmp");
    long n = 0;
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer buf = ByteBuffer.allocate(ENTRY_SIZE * 1024);
      put(buf, NEXT, next);
      n++;
      for (long seq : acked) {
        if (buf.remaining() < ENTRY_SIZE) {
          writeFully(ch, buf.flip());
          buf.clear();
        }
        put(buf, ACK, seq);
        n++;
      }
      writeFully(ch, buf.flip());
      ch.force(true);
    }
    Path file = dir.resolve(FILE_NAME);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    Segments.forceDirectory(dir);
    FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    return new AckLog(file, ch, n);
  }

  /** Opens the existing log for appending, after a failed rewrite. */
  static AckLog reopen(Path dir) throws IOException {
    Path file = dir.resolve(FILE_NAME);
    FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    return new AckLog(file, ch, ch.size() / ENTRY_SIZE);
  }

  void append(long seq) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(ENTRY_SIZE);
    put(buf, ACK, seq);
    writeFully(channel, buf.flip());
    entries++;
  }

  long entries() {
    return entries;
  }

  void force() throws IOException {
    channel.force(false);
  }

  void close() throws IOException {
    channel.close();
  }

  Path path() {
    return path;
  }

  private static void put(ByteBuffer buf, byte kind, long value) {
    int start = buf.position();
    buf.put(kind).putLong(value);
    CRC32C crc = new CRC32C();
    crc.update(buf.array(), start, 9);
    buf.putInt((int) crc.getValue());
  }

  static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
  }
}
