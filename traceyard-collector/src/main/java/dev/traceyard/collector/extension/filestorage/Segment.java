package dev.traceyard.collector.extension.filestorage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;

/**
 * One segment file and which of its records are done. Records are appended and never rewritten;
 * the file is deleted once every record in it is done and no more will be appended.
 * Guarded by the queue's lock (the channel's positional reads are thread-safe on their own).
 */
final class Segment {
  final Path path;
  final long firstSeq;
  final FileChannel channel;
  long size;
  private long[] seqs = new long[16];
  private int records;
  private final BitSet done = new BitSet();
  private int doneCount;
  boolean sealed;

  Segment(Path path, long firstSeq, FileChannel channel, long size) {
    this.path = path;
    this.firstSeq = firstSeq;
    this.channel = channel;
    this.size = size;
  }

  /** Registers a record; returns its index in this segment. */
  int add(long seq) {
    if (records == seqs.length) {
      seqs = Arrays.copyOf(seqs, records * 2);
    }
    seqs[records] = seq;
    return records++;
  }

  /** Returns false if the record was already done. */
  boolean markDone(int index) {
    if (done.get(index)) {
      return false;
    }
    done.set(index);
    doneCount++;
    return true;
  }

  int records() {
    return records;
  }

  boolean allDone() {
    return doneCount == records;
  }

  /** Sequences of the records that are done, for rewriting the acknowledgement log. */
  void doneSeqs(java.util.function.LongConsumer out) {
    for (int i = done.nextSetBit(0); i >= 0; i = done.nextSetBit(i + 1)) {
      out.accept(seqs[i]);
    }
  }

  int doneCount() {
    return doneCount;
  }

  void closeQuietly() {
    try {
      channel.close();
    } catch (IOException e) {
      // Nothing left to lose: the segment is being dropped.
    }
  }
}
