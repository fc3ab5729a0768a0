package dev.traceyard.collector.processor.tailsampling;

/**
 * Spans of one trace that arrived together with one resource and scope, kept encoded: {@code spans}
 * is the wire form of a {@code ScopeSpans} message holding only its {@code spans} field, so memory
 * per buffered span stays close to its OTLP size and decoding it back is one parse.
 */
record Fragment(Origin origin, byte[] spans, int spanCount) {
  /** Heap beyond the encoded bytes: this record, the array header, the list slot that holds it. */
  static final int OVERHEAD_BYTES = 64;

  long memoryBytes() {
    return spans.length + OVERHEAD_BYTES;
  }
}
