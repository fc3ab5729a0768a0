package dev.traceyard.collector.processor.batch;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the {@code batch} processor, as in otelcol.
 *
 * @param sendBatchSize items after which a batch is sent regardless of the timeout (a trigger, not a cap); 0 sends at once
 * @param timeout time after which a non-empty batch is sent regardless of its size; 0 sends at once
 * @param sendBatchMaxSize upper bound of a sent batch, larger ones are split; 0 means no bound
 */
public record BatchProcessorConfig(int sendBatchSize, Duration timeout, int sendBatchMaxSize) {
  public static final int DEFAULT_SEND_BATCH_SIZE = 8192;
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(200);

  /**
   * How many times the larger of the two sizes the processor buffers before it refuses new data as
   * throttled. otelcol has no such bound (its consumers block instead); ours keeps a slow downstream
   * from growing the heap without limit.
   */
  static final int PENDING_BOUND_FACTOR = 10;

  private static final long MAX_PENDING_BOUND = 100_000_000;

  public BatchProcessorConfig {
    Objects.requireNonNull(timeout, "timeout");
    if (sendBatchSize < 0 || sendBatchMaxSize < 0 || timeout.isNegative()) {
      throw new IllegalArgumentException("sizes and timeout must not be negative");
    }
    if (sendBatchMaxSize > 0 && sendBatchMaxSize < sendBatchSize) {
      throw new IllegalArgumentException("send_batch_max_size must be >= send_batch_size");
    }
  }

  public static BatchProcessorConfig defaults() {
    return new BatchProcessorConfig(DEFAULT_SEND_BATCH_SIZE, DEFAULT_TIMEOUT, 0);
  }

  /**
   * Items buffered at which new data is refused: 10x the larger size setting (10x the default size
   * when both are 0), capped so that counts stay far from int overflow.
   */
  long pendingBound() {
    long base = Math.max(sendBatchSize, sendBatchMaxSize);
    return Math.min(PENDING_BOUND_FACTOR * (base == 0 ? DEFAULT_SEND_BATCH_SIZE : base), MAX_PENDING_BOUND);
  }
}
