package dev.traceyard.collector.processor.tailsampling;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.traceyard.collector.processor.tailsampling.policy.SpanStats;
import dev.traceyard.collector.processor.tailsampling.policy.TraceData;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import java.util.ArrayList;
import java.util.List;

/**
 * One undecided trace: its encoded fragments, its stats and its deadlines. Fields are guarded by the
 * processor's lock, except while {@link State#DECIDING}: then only the deciding thread reads
 * {@link #fragments} (arrivals go to {@link #lateFragments}), so policies run without the lock.
 */
final class TraceBuffer implements TraceData {
  /**
   * Heap per trace beyond its fragments: this object, its key, stats, list and map entry. An
   * estimate, checked against measured heap in the benchmark.
   */
  static final int OVERHEAD_BYTES = 256;

  enum State { BUFFERED, DECIDING, DONE }

  final TraceKey key;
  final long firstArrivalNanos;
  final long deadlineNanos;
  long rootDeadlineNanos = Long.MAX_VALUE;
  State state = State.BUFFERED;
  List<Fragment> fragments = new ArrayList<>(2);
  final SpanStats stats = new SpanStats();
  /** Memory held: fragments plus {@link #OVERHEAD_BYTES}. */
  long memoryBytes = OVERHEAD_BYTES;
  long encodedBytes;
  /** Spans that arrived while the decision was being made; they follow it. */
  List<Fragment> lateFragments;
  long lateMemoryBytes;
  int lateSpans;
  /** Gateway mode: the data partition's assignment, the trace's first and highest Kafka offsets; else null / -1. */
  PartitionLedger.Part part;
  long firstOffset = -1;
  long lastOffset = -1;
  /** The fragments decoded, one ResourceSpans each, once a policy asked for them. */
  private List<ResourceSpans> decoded;

  TraceBuffer(TraceKey key, long nowNanos, long waitNanos) {
    this.key = key;
    this.firstArrivalNanos = nowNanos;
    this.deadlineNanos = nowNanos + waitNanos;
  }

  void append(SpanGrouper.Group g) {
    fragments.addAll(g.fragments);
    stats.addAll(g.stats);
    memoryBytes += g.memoryBytes;
    encodedBytes += g.encodedBytes;
  }

  void appendLate(SpanGrouper.Group g) {
    if (lateFragments == null) {
      lateFragments = new ArrayList<>(2);
    }
    lateFragments.addAll(g.fragments);
    lateMemoryBytes += g.memoryBytes;
    lateSpans += g.spanCount();
  }

  /** The decoded fragments if a policy decoded them; aligned with the first fragments. */
  List<ResourceSpans> decodedIfAny() {
    return decoded;
  }

  /** Drops the data once the trace is decided (the object may linger in a deadline queue). */
  void release() {
    fragments = null;
    lateFragments = null;
    decoded = null;
  }

  @Override
  public long traceIdHigh() {
    return key.high();
  }

  @Override
  public long traceIdLow() {
    return key.low();
  }

  @Override
  public SpanStats stats() {
    return stats;
  }

  @Override
  public long encodedSize() {
    return encodedBytes;
  }

  @Override
  public List<ResourceSpans> resourceSpans() {
    if (decoded == null) {
      List<ResourceSpans> out = new ArrayList<>(fragments.size());
      for (Fragment f : fragments) {
        out.add(decode(f));
      }
      decoded = out;
    }
    return decoded;
  }

  static ResourceSpans decode(Fragment f) {
    Origin o = f.origin();
    try {
      ScopeSpans ss = ScopeSpans.newBuilder().setScope(o.scope()).setSchemaUrl(o.scopeSchemaUrl())
          .mergeFrom(f.spans()).build();
      return ResourceSpans.newBuilder().setResource(o.resource()).setSchemaUrl(o.resourceSchemaUrl())
          .addScopeSpans(ss).build();
    } catch (InvalidProtocolBufferException e) {
      // The bytes were written by SpanGrouper from valid messages.
      throw new IllegalStateException("buffered spans could not be decoded", e);
    }
  }
}
