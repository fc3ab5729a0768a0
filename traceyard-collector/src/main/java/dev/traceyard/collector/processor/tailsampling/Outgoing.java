package dev.traceyard.collector.processor.tailsampling;

import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.util.List;

/**
 * Spans of a kept trace waiting to be sent downstream.
 *
 * @param decoded the first fragments already decoded by a policy, or null
 * @param policy the name recorded in the {@code sampling.policy} attribute
 * @param memoryBytes the memory they hold until sent
 */
record Outgoing(List<Fragment> fragments, List<ResourceSpans> decoded, String policy, int spanCount, long memoryBytes) {}
