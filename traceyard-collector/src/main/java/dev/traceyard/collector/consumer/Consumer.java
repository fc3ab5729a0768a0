package dev.traceyard.collector.consumer;

import dev.traceyard.collector.data.Batch;

/**
 * Takes a batch of telemetry. Implementations must not throw: every failure is reported through the
 * returned {@link ConsumeResult} so that backpressure reaches the receiver and from there the client.
 * Batches are immutable and may be shared between consumers of a fan-out.
 */
@FunctionalInterface
public interface Consumer {
  ConsumeResult consume(Batch batch);
}
