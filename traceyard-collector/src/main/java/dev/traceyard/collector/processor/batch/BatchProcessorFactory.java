package dev.traceyard.collector.processor.batch;

import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Processor;
import dev.traceyard.collector.component.ProcessorFactory;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.consumer.Consumer;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code batch} processor, configured as in otelcol: {@code send_batch_size} (default 8192),
 * {@code timeout} (default 200ms), {@code send_batch_max_size} (default 0 = no limit, else at least
 * {@code send_batch_size}). {@code metadata_keys} is refused when non-empty (this build keeps one
 * batcher per pipeline); {@code metadata_cardinality_limit} is accepted and has no effect without it.
 */
public final class BatchProcessorFactory implements ProcessorFactory<BatchProcessorConfig> {

  @Override
  public String type() {
    return "batch";
  }

  @Override
  public Set<Signal> signals() {
    return EnumSet.allOf(Signal.class);
  }

  @Override
  public BatchProcessorConfig parseConfig(ConfigNode node) {
    int size = (int) node.longInRange("send_batch_size", BatchProcessorConfig.DEFAULT_SEND_BATCH_SIZE, 0, Integer.MAX_VALUE);
    Duration timeout = node.nonNegativeDuration("timeout", BatchProcessorConfig.DEFAULT_TIMEOUT);
    int max = (int) node.longInRange("send_batch_max_size", 0, 0, Integer.MAX_VALUE);
    if (max > 0 && max < size) {
      node.error("send_batch_max_size", "must be greater than or equal to send_batch_size (" + size + "), got " + max
          + " (0 means no limit)");
      max = 0;
    }
    List<String> metadataKeys = node.stringList("metadata_keys");
    if (!metadataKeys.isEmpty()) {
      node.error("metadata_keys", "is not supported: this build batches each pipeline's data together, "
          + "without a batcher per metadata value; remove the key");
    }
    // Limits the number of metadata batchers; with a single batcher there is nothing to limit.
    node.longInRange("metadata_cardinality_limit", 1000, 0, Integer.MAX_VALUE);
    return new BatchProcessorConfig(size, timeout, max);
  }

  @Override
  public Processor create(ComponentSettings settings, BatchProcessorConfig config, Signal signal, Consumer next) {
    return new BatchProcessor(settings, config, signal, next);
  }
}
