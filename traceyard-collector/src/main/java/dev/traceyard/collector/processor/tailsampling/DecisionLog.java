package dev.traceyard.collector.processor.tailsampling;

/**
 * Where the Kafka gateway mode stores decisions so that they travel with the data partition: the
 * receiver implements it with a compacted topic written to the same partition number as the data.
 */
public interface DecisionLog {

  /**
   * Stores a decision without blocking; {@code onDurable} runs (on any thread) once it is stored. A
   * write that fails never calls it: the offsets it covers stay uncommitted and are replayed.
   */
  void write(int partition, DecisionRecord record, Runnable onDurable);

  /** Blocks until every write made so far is stored or has failed. */
  void flush();
}
