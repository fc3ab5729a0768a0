package dev.traceyard.collector.processor.tracequality;

import com.google.protobuf.ByteString;

/** A trace id as a map key: two longs hash and compare faster than the id's ByteString. */
record TraceKey(long high, long low) {

  static TraceKey of(ByteString id) {
    return new TraceKey(SpanIds.read(id, 0), SpanIds.read(id, 8));
  }
}
