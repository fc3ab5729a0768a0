package dev.traceyard.collector.processor.tailsampling;

import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.util.List;

/**
 * Spans of a kept trace waiting to be sent downstream.
 *
 * @param decoded the first fragments already decoded by a policy, or null
 * @param policy the name recorded in the {@code sampling.policy} attribute
 * @param memoryBytes the memory they hold until sent
 * @param durable in the Kafka gateway mode, what to record once sent; else null
 */
record Outgoing(List<Fragment> fragments, List<ResourceSpans> decoded, String policy, int spanCount, long memoryBytes,
    Durable durable) {

  Outgoing(List<Fragment> fragments, List<ResourceSpans> decoded, String policy, int spanCount, long memoryBytes) {
    this(fragments, decoded, policy, spanCount, memoryBytes, null);
  }

  /**
   * The Kafka offsets behind kept spans: {@code holdOffset} stays held in {@code part} until the
   * spans are exported and the decision with {@code lastOffset} as exported offset is stored.
   */
  record Durable(TraceKey key, PartitionLedger.Part part, long holdOffset, long lastOffset) {}
}
