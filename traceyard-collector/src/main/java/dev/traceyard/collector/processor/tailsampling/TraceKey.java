package dev.traceyard.collector.processor.tailsampling;

import com.google.protobuf.ByteString;
import dev.traceyard.collector.processor.tailsampling.policy.TraceIds;

/** A trace id as a map key: two longs hash and compare faster than the id's ByteString. */
record TraceKey(long high, long low) {

  static TraceKey of(ByteString traceId) {
    return new TraceKey(TraceIds.high(traceId), TraceIds.low(traceId));
  }
}
