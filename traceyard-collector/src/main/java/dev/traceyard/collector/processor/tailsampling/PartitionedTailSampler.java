package dev.traceyard.collector.processor.tailsampling;

import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Host;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.consumer.Consumer;
import dev.traceyard.collector.data.TraceBatch;
import java.util.Collection;

/**
 * Tail sampling for the Kafka gateway mode ({@code tail_sampling} inside the {@code kafka}
 * receiver). It is the {@code tail_sampling} processor, told the Kafka partition and offset of every
 * batch, so that:
 * <ul>
 *   <li>the receiver commits a partition only up to the first offset of its oldest trace that is not
 *       durably decided ({@link #committable}); a crash or a move replays from there;
 *   <li>every decision is stored through a {@link DecisionLog} (the decisions topic, same partition
 *       number as the data) and loaded by the partition's next owner ({@link #assigned}) before it
 *       reads the data, so late spans follow the original decision;
 *   <li>replayed spans at or below a kept trace's stored exported offset are dropped as duplicates.
 * </ul>
 * Callers: the receiver's consumer thread calls {@link #consume}, {@link #assigned},
 * {@link #revoked} and {@link #committable}.
 */
public final class PartitionedTailSampler {
  private final TailSamplingProcessor processor;

  public PartitionedTailSampler(ComponentSettings settings, TailSamplingConfig config, Consumer next,
      DecisionLog decisionLog) {
    this.processor = new TailSamplingProcessor(settings, config, next, System::nanoTime,
        java.util.Objects.requireNonNull(decisionLog, "decisionLog"));
  }

  public void start(Host host) {
    processor.start(host);
  }

  /** Decides what is still buffered (normally nothing: revocation hands it over first) and stops. */
  public void shutdown() {
    processor.shutdown();
  }

  public ConsumeResult consume(TraceBatch batch, int partition, long offset) {
    return processor.consume(batch, partition, offset);
  }

  /** Before the partition's data is read: its stored decisions, oldest first (later ones win). */
  public void assigned(int partition, Iterable<DecisionRecord> decisions) {
    processor.assigned(partition, decisions);
  }

  /** Before the receiver's last commit of these partitions. */
  public void revoked(Collection<Integer> partitions) {
    processor.revoked(partitions);
  }

  /** The offset the receiver may commit for the partition: at most {@code delivered}. */
  public long committable(int partition, long delivered) {
    return processor.committable(partition, delivered);
  }

  /** Offsets of the partition still held (undecided traces, kept spans not yet durable). */
  public int heldOffsets(int partition) {
    return processor.heldOffsetsForTest(partition);
  }

  /** Stops like a crashed process: nothing more is decided, sent or stored. For recovery tests. */
  public void halt() {
    processor.halt();
  }
}
