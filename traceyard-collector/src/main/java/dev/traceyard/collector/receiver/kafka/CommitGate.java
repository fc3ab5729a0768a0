package dev.traceyard.collector.receiver.kafka;

import org.apache.kafka.common.TopicPartition;

/**
 * Decides how far the receiver may commit a partition. The receiver calls it with the offset up to
 * which every message was handed on (the next offset to read); the gate answers the offset to commit,
 * never more than that. The default commits everything delivered; a stage that still holds delivered
 * data and would lose it in a crash (e.g. tail sampling waiting for a trace to complete) answers the
 * offset of the oldest message it still needs, so that a restart or the next owner of the partition
 * replays from there.
 *
 * <p>Called on the receiver's consumer thread; must be fast and must not throw.
 */
@FunctionalInterface
public interface CommitGate {

  /** Commits every delivered message. */
  CommitGate ALL_DELIVERED = (partition, delivered) -> delivered;

  /**
   * @param delivered the offset after the last message handed on (or skipped as malformed or refused)
   * @return the offset to commit, at most {@code delivered}; a negative value commits nothing
   */
  long committable(TopicPartition partition, long delivered);
}
