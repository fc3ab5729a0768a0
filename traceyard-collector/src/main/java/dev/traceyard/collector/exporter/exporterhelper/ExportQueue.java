package dev.traceyard.collector.exporter.exporterhelper;

import dev.traceyard.collector.data.Batch;
import java.util.List;

/**
 * The bounded queue between an exporter's {@code consume} and its consumer threads. The in-memory
 * queue is the default; a persistent queue (e.g. backed by {@code file_storage}) implements the same
 * contract through {@link ExportQueueFactory}. Implementations are thread-safe.
 */
public interface ExportQueue {

  /** Outcome of an offer. */
  enum Offer {
    ACCEPTED,
    /** No room now; the batch may fit later. */
    FULL,
    /** The batch is larger than the whole queue and can never fit. */
    TOO_LARGE,
    /** The queue no longer takes data (shutting down). */
    CLOSED
  }

  /** Adds the batch if there is room now; never blocks. */
  Offer offer(Batch batch);

  /** Adds the batch, waiting for room as long as the queue is open. */
  Offer offerWaiting(Batch batch) throws InterruptedException;

  /**
   * The next entry, waiting until one is there; null once the queue is closed and empty, or
   * stopped. Remaining entries are still handed out after {@link #close()}, so they can drain; a
   * {@link #durable()} queue may return null at once instead, since its entries wait on disk.
   */
  Entry take() throws InterruptedException;

  /** Current size, in the unit of the configured sizer. */
  long size();

  long capacity();

  /**
   * Whether queued batches survive a restart. A durable queue keeps a batch whose delivery was cut
   * short by shutdown ({@link Entry#release()}) for the next start instead of losing it.
   */
  default boolean durable() {
    return false;
  }

  /** Stops taking new batches; queued ones can still be taken. Idempotent. */
  void close();

  /**
   * Ends the queue: {@link #take()} returns null from now on. Returns the batches that were still
   * queued and are lost with it; a persistent queue keeps them for the next start and returns none.
   */
  List<Batch> stop();

  /** A taken batch; {@link #done()} is called once its delivery ended (sent or given up). */
  interface Entry {
    Batch batch();

    /** A persistent queue deletes the batch here; the in-memory queue has nothing to do. */
    default void done() {}

    /**
     * Delivery did not end (shutdown came first): a durable queue keeps the batch on disk and
     * delivers it again after the next start; the in-memory queue has nothing to do (the batch is lost).
     * Called instead of {@link #done()}.
     */
    default void release() {}
  }
}
