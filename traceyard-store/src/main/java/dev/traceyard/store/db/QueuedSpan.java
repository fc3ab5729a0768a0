package dev.traceyard.store.db;

import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.store.codec.OtlpValuesJson;
import dev.traceyard.store.query.Ids;
import dev.traceyard.store.query.TraceId;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A span as the write queue holds it: the values its row needs, taken from the parsed request when
 * the batch is queued, so the parsed protobuf (span, id ByteStrings, builders' lists, a KeyValue and
 * AnyValue with two Strings per attribute: ~2 KB a span) is garbage at once instead of waiting in the
 * queue. Queued spans live long enough to survive young collections; copying 2 KB per queued span
 * from one survivor space to the next, then into the old generation, was the largest part of the
 * server's GC time. Attributes are shared through {@link Interner}: equal key/value pairs of
 * different spans become one object, so a span keeps an array of references, and the writer's
 * dictionary lookup hits a memoized hash and an identity comparison. Events and links are encoded to
 * their stored JSON here, on the receiving thread, instead of on the writer's.
 */
final class QueuedSpan {
  final TraceId traceId;
  final long spanId;
  /** Valid when {@link #hasParent}. */
  final long parentSpanId;
  final boolean hasParent;
  final String traceState;
  final int flags;
  final String name;
  final int kind;
  final long start;
  final long end;
  final int statusCode;
  final String statusMessage;
  final int droppedAttributes;
  final KeyValue[] attributes;
  final String eventsJson;
  final int droppedEvents;
  final String linksJson;
  final int droppedLinks;
  final ResourceInfo resource;
  final ScopeInfo scope;

  private QueuedSpan(Span s, ResourceInfo resource, ScopeInfo scope, Interner interner) {
    this.traceId = TraceId.fromBytes(s.getTraceId());
    this.spanId = Ids.spanId(s.getSpanId());
    this.hasParent = !s.getParentSpanId().isEmpty();
    this.parentSpanId = hasParent ? Ids.spanId(s.getParentSpanId()) : 0;
    this.traceState = s.getTraceState();
    this.flags = s.getFlags();
    this.name = s.getName();
    this.kind = s.getKindValue();
    this.start = s.getStartTimeUnixNano();
    this.end = s.getEndTimeUnixNano();
    this.statusCode = s.getStatus().getCodeValue();
    this.statusMessage = s.getStatus().getMessage();
    this.droppedAttributes = s.getDroppedAttributesCount();
    KeyValue[] attrs = new KeyValue[s.getAttributesCount()];
    for (int i = 0; i < attrs.length; i++) {
      attrs[i] = interner.intern(s.getAttributes(i));
    }
    this.attributes = attrs;
    this.eventsJson = OtlpValuesJson.events(s.getEventsList());
    this.droppedEvents = s.getDroppedEventsCount();
    this.linksJson = OtlpValuesJson.links(s.getLinksList());
    this.droppedLinks = s.getDroppedLinksCount();
    this.resource = resource;
    this.scope = scope;
  }

  /** The storable spans of a batch (those {@link BatchValidator} refuses were counted when it was offered). */
  static QueuedSpan[] of(TraceBatch b, Interner interner) {
    List<QueuedSpan> out = new ArrayList<>(b.itemCount());
    for (ResourceSpans rs : b.request().getResourceSpansList()) {
      ResourceInfo ri = null;
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        ScopeInfo si = null;
        for (Span s : ss.getSpansList()) {
          if (BatchValidator.spanProblem(s) != null) {
            continue;
          }
          if (ri == null) {
            ri = ResourceInfo.of(rs.getResource(), rs.getSchemaUrl());
          }
          if (si == null) {
            si = ScopeInfo.of(ss.getScope(), ss.getSchemaUrl());
          }
          out.add(new QueuedSpan(s, ri, si, interner));
        }
      }
    }
    return out.toArray(new QueuedSpan[0]);
  }

  /**
   * Shares equal span attributes between the queued spans of all batches (any thread). Bounded: past
   * {@link #MAX_ENTRIES} it starts over, and long or composite values are not shared (a map full of
   * unique URLs or SQL statements would hold more than it saves).
   */
  static final class Interner {
    static final int MAX_ENTRIES = 1 << 16;
    /** Longest key + string value shared; longer ones are kept as parsed. */
    static final int MAX_SHARED_CHARS = 256;
    private final ConcurrentHashMap<KeyValue, KeyValue> shared = new ConcurrentHashMap<>();

    KeyValue intern(KeyValue kv) {
      AnyValue v = kv.getValue();
      switch (v.getValueCase()) {
        case STRING_VALUE:
          if (kv.getKey().length() + v.getStringValue().length() > MAX_SHARED_CHARS) {
            return kv;
          }
          break;
        case BOOL_VALUE:
        case INT_VALUE:
        case DOUBLE_VALUE:
          if (kv.getKey().length() > MAX_SHARED_CHARS) {
            return kv;
          }
          break;
        default:
          return kv; // arrays, maps, bytes, empty: rarer and larger
      }
      KeyValue known = shared.get(kv);
      if (known != null) {
        return known;
      }
      if (shared.size() >= MAX_ENTRIES) {
        shared.clear();
      }
      known = shared.putIfAbsent(kv, kv);
      return known != null ? known : kv;
    }

    int size() {
      return shared.size();
    }
  }
}
