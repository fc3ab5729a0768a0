package dev.traceyard.collector.processor.tailsampling;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Kafka offsets the tail sampler still needs, per data partition: the first offset of every
 * trace not yet durably decided (undecided, or kept and not yet exported with its decision stored),
 * and of every late kept span not yet exported. The receiver commits a partition only up to the
 * oldest of them, so whatever a crash loses is replayed by the next owner. Thread-safe: holds are
 * taken under the processor's lock and released from the decision log's callback thread.
 */
final class PartitionLedger {
  private final Map<Integer, Part> parts = new ConcurrentHashMap<>();

  /** One assignment of a partition; a new assignment starts a new part, so stale releases do nothing. */
  static final class Part {
    final int partition;
    private final TreeMap<Long, Integer> holds = new TreeMap<>();
    private volatile boolean owned = true;

    Part(int partition) {
      this.partition = partition;
    }

    boolean owned() {
      return owned;
    }

    synchronized void hold(long offset) {
      holds.merge(offset, 1, Integer::sum);
    }

    synchronized void release(long offset) {
      holds.computeIfPresent(offset, (k, n) -> n == 1 ? null : n - 1);
    }

    synchronized long committable(long delivered) {
      return holds.isEmpty() ? delivered : Math.min(delivered, holds.firstKey());
    }

    synchronized int holdCount() {
      int n = 0;
      for (int c : holds.values()) {
        n += c;
      }
      return n;
    }
  }

  /** A new, owned part for a freshly assigned partition (replacing any earlier one). */
  Part assign(int partition) {
    Part p = new Part(partition);
    Part old = parts.put(partition, p);
    if (old != null) {
      old.owned = false;
    }
    return p;
  }

  /** The current part, assigning one if the partition was never announced (direct use without a receiver). */
  Part current(int partition) {
    Part p = parts.get(partition);
    return p != null && p.owned ? p : assign(partition);
  }

  /** Marks the partition's part not owned; its holds still count until the receiver's last commit of it. */
  Part revoke(int partition) {
    Part p = parts.get(partition);
    if (p != null) {
      p.owned = false;
    }
    return p;
  }

  long committable(int partition, long delivered) {
    Part p = parts.get(partition);
    return p == null ? delivered : p.committable(delivered);
  }

  int holdCount(int partition) {
    Part p = parts.get(partition);
    return p == null ? 0 : p.holdCount();
  }
}
