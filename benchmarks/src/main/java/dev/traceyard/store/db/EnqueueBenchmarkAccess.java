package dev.traceyard.store.db;

import dev.traceyard.collector.data.TraceBatch;

/**
 * Lets the benchmarks run what the {@code traceyard} exporter does on the receiving thread when it
 * queues a span batch ({@link Store#offer}: {@link BatchValidator#check}, then the writer's conversion
 * to {@link QueuedSpan}s through its attribute interner) without a store, a writer thread or DuckDB.
 * Lives in the store's package so the store needs no public hooks.
 */
public final class EnqueueBenchmarkAccess {
  private final QueuedSpan.Interner interner = new QueuedSpan.Interner();

  /** Validates and converts the batch as the store's offer does; returns a value to keep it live. */
  public long enqueue(TraceBatch batch) {
    BatchValidator.Result r = BatchValidator.check(batch);
    QueuedSpan[] spans = QueuedSpan.of(batch, interner);
    return r.invalid() + spans.length + spans[spans.length - 1].attributes.length;
  }
}
