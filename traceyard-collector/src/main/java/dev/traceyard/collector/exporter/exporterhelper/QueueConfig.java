package dev.traceyard.collector.exporter.exporterhelper;

import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.config.ConfigNode;
import java.util.Objects;

/**
 * {@code sending_queue}: where batches wait for the exporter's consumers.
 *
 * @param storage id of an extension providing a persistent queue ({@link ExportQueueFactory}), or
 *     null for the in-memory queue
 */
public record QueueConfig(boolean enabled, int numConsumers, long queueSize, Sizer sizer, boolean blockOnOverflow,
    ComponentId storage) {

  /** What {@code queue_size} counts. */
  public enum Sizer {
    /** Batches, whatever their size. */
    REQUESTS,
    /** Spans, metric data points or log records. */
    ITEMS
  }

  static final int DEFAULT_NUM_CONSUMERS = 10;
  static final long DEFAULT_QUEUE_SIZE = 1000;

  public QueueConfig {
    Objects.requireNonNull(sizer, "sizer");
    if (enabled && (numConsumers < 1 || queueSize < 1)) {
      throw new IllegalArgumentException("num_consumers and queue_size must be positive");
    }
  }

  /** otelcol's defaults: enabled, 10 consumers, 1000 requests, refuse when full. */
  public static QueueConfig defaults() {
    return new QueueConfig(true, DEFAULT_NUM_CONSUMERS, DEFAULT_QUEUE_SIZE, Sizer.REQUESTS, false, null);
  }

  public static QueueConfig disabled() {
    return new QueueConfig(false, DEFAULT_NUM_CONSUMERS, DEFAULT_QUEUE_SIZE, Sizer.REQUESTS, false, null);
  }

  /** Reads a {@code sending_queue} mapping; errors are recorded in the node. */
  public static QueueConfig parse(ConfigNode node) {
    boolean enabled = node.bool("enabled", true);
    // Range checks only apply when the queue is on, as in otelcol: a disabled queue's numbers are moot.
    long numConsumers = node.longValue("num_consumers", DEFAULT_NUM_CONSUMERS);
    if (enabled && (numConsumers < 1 || numConsumers > 10_000)) {
      node.error("num_consumers", "must be between 1 and 10000, got " + numConsumers);
      numConsumers = DEFAULT_NUM_CONSUMERS;
    }
    long queueSize = node.longValue("queue_size", DEFAULT_QUEUE_SIZE);
    if (enabled && queueSize < 1) {
      node.error("queue_size", "must be positive, got " + queueSize);
      queueSize = DEFAULT_QUEUE_SIZE;
    }
    Sizer sizer = Sizer.REQUESTS;
    String sizerName = node.oneOf("sizer", "requests", "requests", "items", "bytes");
    if ("items".equals(sizerName)) {
      sizer = Sizer.ITEMS;
    } else if ("bytes".equals(sizerName)) {
      node.error("sizer", "'bytes' is not supported yet (use requests or items)");
    }
    // 'blocking' is otelcol's older name for block_on_overflow; accepted so older configs still load.
    boolean block = node.bool("block_on_overflow", false) | node.bool("blocking", false);
    if (node.bool("wait_for_result", false)) {
      node.error("wait_for_result", "true is not supported yet: the queue acknowledges a batch once it is queued");
    }
    if (node.has("batch")) {
      node.error("batch", "batching in the sending queue is not supported yet; use the batch processor");
    }
    ComponentId storage = null;
    String storageText = node.string("storage", null);
    if (storageText != null) {
      try {
        storage = ComponentId.parse(storageText);
      } catch (IllegalArgumentException e) {
        node.error("storage", e.getMessage());
      }
    }
    return new QueueConfig(enabled, (int) numConsumers, queueSize, sizer, block, storage);
  }
}
