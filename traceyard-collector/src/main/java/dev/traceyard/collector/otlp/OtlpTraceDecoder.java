package dev.traceyard.collector.otlp;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.ExtensionRegistryLite;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;

/**
 * Parses OTLP trace export requests into exactly the messages protobuf's own parser gives, with less
 * work for what repeats from span to span: a span attribute (key and value) or span name whose bytes
 * were seen recently is taken from a cache instead of being decoded again.
 *
 * <p>Why: at full speed, parsing was the largest cost of the receiving threads, and most of it was
 * span attributes (per attribute a KeyValue builder, an AnyValue builder, both messages and two
 * decoded Strings). Instrumentation repeats the same attributes on span after span
 * ({@code http.request.method=GET}, {@code http.route=/api/cart}), so the cached, shared message is
 * also cheaper for everything after the parse: its hash code and serialized size are computed once
 * (protobuf memoizes both per instance), not once per span.
 *
 * <p>Exactness: the fast path handles the fields of the OTLP trace schema it knows, with the wire
 * types protobuf writes for them. Anything else in a request (an unknown field, another wire type, a
 * singular message field given twice, which protobuf would merge, or a malformed byte) makes it parse
 * the whole request again with protobuf's parser, which then gives its usual result or its usual
 * error. Nested messages (resources, scopes, events, links, status, attributes not cached) are parsed
 * by protobuf's own parsers on the same stream, so its UTF-8 checks apply as always, and its nesting
 * limit too (counted from the levels this reader reads itself). A cached attribute is the message protobuf parsed from exactly the same bytes.
 *
 * <p>Thread-safe: the caches are direct-mapped tables of immutable entries, written without locks
 * (a lost write only costs a later miss); all fields of an entry are final, so a reader that sees an
 * entry sees it whole.
 */
public final class OtlpTraceDecoder {
  /** Attributes up to this many encoded bytes are cached; longer ones (stack traces, SQL) rarely repeat. */
  static final int MAX_CACHED_ATTRIBUTE_BYTES = 256;
  /** Span names up to this many bytes are cached. */
  static final int MAX_CACHED_NAME_BYTES = 128;
  private static final int ATTRIBUTE_SLOTS = 1 << 13;
  private static final int NAME_SLOTS = 1 << 11;
  /** CodedInputStream's default nesting limit, which ExportTraceServiceRequest.parseFrom applies. */
  private static final int PROTOBUF_RECURSION_LIMIT = 100;
  private static final ExtensionRegistryLite NO_EXTENSIONS = ExtensionRegistryLite.getEmptyRegistry();
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private static final int REQUEST_RESOURCE_SPANS = tag(ExportTraceServiceRequest.RESOURCE_SPANS_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
  private static final int RS_RESOURCE = tag(ResourceSpans.RESOURCE_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
  private static final int RS_SCOPE_SPANS = tag(ResourceSpans.SCOPE_SPANS_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
  private static final int RS_SCHEMA_URL = tag(ResourceSpans.SCHEMA_URL_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
  private static final int SS_SCOPE = tag(ScopeSpans.SCOPE_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
  private static final int SS_SPANS = tag(ScopeSpans.SPANS_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
  private static final int SS_SCHEMA_URL = tag(ScopeSpans.SCHEMA_URL_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
  private static final int TRACE_ID = tag(Span.TRACE_ID_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
  private static final int SPAN_ID = tag(Span.SPAN_ID_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
  private static final int TRACE_STATE = tag(Span.TRACE_STATE_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
  private static final int PARENT_SPAN_ID = tag(Span.PARENT_SPAN_ID_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
  private static final int FLAGS = tag(Span.FLAGS_FIELD_NUMBER, WireFormat.WIRETYPE_FIXED32);
  private static final int NAME = tag(Span.NAME_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
  private static final int KIND = tag(Span.KIND_FIELD_NUMBER, WireFormat.WIRETYPE_VARINT);
  private static final int START = tag(Span.START_TIME_UNIX_NANO_FIELD_NUMBER, WireFormat.WIRETYPE_FIXED64);
  private static final int END = tag(Span.END_TIME_UNIX_NANO_FIELD_NUMBER, WireFormat.WIRETYPE_FIXED64);
  private static final int ATTRIBUTES = tag(Span.ATTRIBUTES_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
  private static final int DROPPED_ATTRIBUTES = tag(Span.DROPPED_ATTRIBUTES_COUNT_FIELD_NUMBER, WireFormat.WIRETYPE_VARINT);
  private static final int EVENTS = tag(Span.EVENTS_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
  private static final int DROPPED_EVENTS = tag(Span.DROPPED_EVENTS_COUNT_FIELD_NUMBER, WireFormat.WIRETYPE_VARINT);
  private static final int LINKS = tag(Span.LINKS_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
  private static final int DROPPED_LINKS = tag(Span.DROPPED_LINKS_COUNT_FIELD_NUMBER, WireFormat.WIRETYPE_VARINT);
  private static final int STATUS = tag(Span.STATUS_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);

  private static final Entry<?>[] ATTRIBUTE_CACHE = new Entry<?>[ATTRIBUTE_SLOTS];
  private static final Entry<?>[] NAME_CACHE = new Entry<?>[NAME_SLOTS];
  /** Requests protobuf's parser parsed again, for tests. */
  static final LongAdder REPARSED = new LongAdder();

  private OtlpTraceDecoder() {}

  /** Like {@code ExportTraceServiceRequest.parseFrom(bytes)}: the same message, or the same exception. */
  public static ExportTraceServiceRequest parse(byte[] bytes) throws InvalidProtocolBufferException {
    return parse(bytes, 0, bytes.length);
  }

  /** Like {@code ExportTraceServiceRequest.parser().parseFrom(bytes, offset, length)}. */
  public static ExportTraceServiceRequest parse(byte[] bytes, int offset, int length)
      throws InvalidProtocolBufferException {
    try {
      return new Reader(bytes, offset, length).request();
    } catch (NotFast | IOException | RuntimeException e) {
      // Not in the fast path's subset, or malformed: protobuf decides, with its own result or error.
      REPARSED.increment();
      return ExportTraceServiceRequest.parser().parseFrom(bytes, offset, length);
    }
  }

  private static int tag(int field, int wireType) {
    return field << 3 | wireType;
  }

  /** Reads one length-delimited value, length prefix included, as protobuf does. */
  @FunctionalInterface
  private interface Read<V> {
    V from(CodedInputStream in) throws IOException;
  }

  private static final Read<KeyValue> READ_ATTRIBUTE = in -> in.readMessage(KeyValue.parser(), NO_EXTENSIONS);
  private static final Read<String> READ_NAME = CodedInputStream::readStringRequireUtf8;

  /** The request is outside what the fast path handles; protobuf parses it instead. */
  private static final class NotFast extends Exception {
    private static final NotFast INSTANCE = new NotFast();

    private NotFast() {
      super(null, null, false, false);
    }
  }

  private static final class Reader {
    private final byte[] buf;
    private final int offset;
    private final CodedInputStream in;

    Reader(byte[] buf, int offset, int length) {
      this.buf = buf;
      this.offset = offset;
      this.in = CodedInputStream.newInstance(buf, offset, length);
      // Protobuf's parser counts ResourceSpans, ScopeSpans and Span against its nesting limit (100);
      // this reader reads those three levels itself and uses readMessage only below them. Lowering the
      // limit by those three levels makes it as strict as protobuf for what a span holds, and stricter
      // for resources and scopes, where a deep value then fails here and protobuf decides (its parse
      // again), so nothing protobuf refuses is accepted.
      in.setRecursionLimit(PROTOBUF_RECURSION_LIMIT - 3);
    }

    ExportTraceServiceRequest request() throws IOException, NotFast {
      ExportTraceServiceRequest.Builder b = ExportTraceServiceRequest.newBuilder();
      int tag;
      while ((tag = in.readTag()) != 0) {
        if (tag != REQUEST_RESOURCE_SPANS) {
          throw NotFast.INSTANCE;
        }
        int limit = in.pushLimit(in.readRawVarint32());
        b.addResourceSpans(resourceSpans());
        in.popLimit(limit);
      }
      return b.build();
    }

    private ResourceSpans resourceSpans() throws IOException, NotFast {
      ResourceSpans.Builder b = ResourceSpans.newBuilder();
      boolean resource = false;
      int tag;
      while ((tag = in.readTag()) != 0) {
        if (tag == RS_SCOPE_SPANS) {
          int limit = in.pushLimit(in.readRawVarint32());
          b.addScopeSpans(scopeSpans());
          in.popLimit(limit);
        } else if (tag == RS_RESOURCE && !resource) {
          b.setResource(in.readMessage(Resource.parser(), NO_EXTENSIONS));
          resource = true;
        } else if (tag == RS_SCHEMA_URL) {
          b.setSchemaUrl(in.readStringRequireUtf8());
        } else {
          throw NotFast.INSTANCE;
        }
      }
      return b.build();
    }

    private ScopeSpans scopeSpans() throws IOException, NotFast {
      ScopeSpans.Builder b = ScopeSpans.newBuilder();
      boolean scope = false;
      int tag;
      while ((tag = in.readTag()) != 0) {
        if (tag == SS_SPANS) {
          int limit = in.pushLimit(in.readRawVarint32());
          b.addSpans(span());
          in.popLimit(limit);
        } else if (tag == SS_SCOPE && !scope) {
          b.setScope(in.readMessage(InstrumentationScope.parser(), NO_EXTENSIONS));
          scope = true;
        } else if (tag == SS_SCHEMA_URL) {
          b.setSchemaUrl(in.readStringRequireUtf8());
        } else {
          throw NotFast.INSTANCE;
        }
      }
      return b.build();
    }

    private Span span() throws IOException, NotFast {
      Span.Builder b = Span.newBuilder();
      boolean status = false;
      int tag;
      while ((tag = in.readTag()) != 0) {
        if (tag == ATTRIBUTES) {
          b.addAttributes(attribute());
        } else if (tag == TRACE_ID) {
          b.setTraceId(in.readBytes());
        } else if (tag == SPAN_ID) {
          b.setSpanId(in.readBytes());
        } else if (tag == PARENT_SPAN_ID) {
          b.setParentSpanId(in.readBytes());
        } else if (tag == NAME) {
          b.setName(name());
        } else if (tag == KIND) {
          b.setKindValue(in.readEnum());
        } else if (tag == START) {
          b.setStartTimeUnixNano(in.readFixed64());
        } else if (tag == END) {
          b.setEndTimeUnixNano(in.readFixed64());
        } else if (tag == FLAGS) {
          b.setFlags(in.readFixed32());
        } else if (tag == TRACE_STATE) {
          b.setTraceState(in.readStringRequireUtf8());
        } else if (tag == EVENTS) {
          b.addEvents(in.readMessage(Span.Event.parser(), NO_EXTENSIONS));
        } else if (tag == LINKS) {
          b.addLinks(in.readMessage(Span.Link.parser(), NO_EXTENSIONS));
        } else if (tag == STATUS && !status) {
          b.setStatus(in.readMessage(Status.parser(), NO_EXTENSIONS));
          status = true;
        } else if (tag == DROPPED_ATTRIBUTES) {
          b.setDroppedAttributesCount(in.readUInt32());
        } else if (tag == DROPPED_EVENTS) {
          b.setDroppedEventsCount(in.readUInt32());
        } else if (tag == DROPPED_LINKS) {
          b.setDroppedLinksCount(in.readUInt32());
        } else {
          throw NotFast.INSTANCE;
        }
      }
      return b.build();
    }

    private KeyValue attribute() throws IOException {
      return cached(ATTRIBUTE_CACHE, MAX_CACHED_ATTRIBUTE_BYTES, READ_ATTRIBUTE);
    }

    private String name() throws IOException {
      return cached(NAME_CACHE, MAX_CACHED_NAME_BYTES, READ_NAME);
    }

    /**
     * The length-delimited value at the stream's position (its length not read yet): from {@code cache}
     * when the same bytes were read before, else read by {@code read} and cached when at most
     * {@code maxBytes} long.
     */
    @SuppressWarnings("unchecked")
    private <V> V cached(Entry<?>[] cache, int maxBytes, Read<V> read) throws IOException {
      int pos = offset + in.getTotalBytesRead();
      long lengthAndSize = peekLength(pos);
      int length = (int) lengthAndSize;
      if (length < 0 || length > maxBytes) {
        return read.from(in);
      }
      int prefix = (int) (lengthAndSize >>> 32);
      int start = pos + prefix;
      int hash = hash(buf, start, length);
      int slot = hash & (cache.length - 1);
      Entry<?> e = cache[slot];
      if (e != null && e.matches(hash, buf, start, length)) {
        in.skipRawBytes(prefix + length);
        return (V) e.value;
      }
      V value = read.from(in);
      cache[slot] = new Entry<>(Arrays.copyOfRange(buf, start, start + length), hash, value);
      return value;
    }

    /**
     * The varint length prefix at {@code pos} without consuming it: the length in the low half, the
     * prefix's size in the high half; a length of -1 when it is not a plain length that fits the
     * buffer (the caller then lets protobuf read it and report the problem).
     */
    private long peekLength(int pos) {
      int value = 0;
      for (int i = 0; i < 5 && pos + i < buf.length; i++) {
        int b = buf[pos + i];
        value |= (b & 0x7f) << (7 * i);
        if (b >= 0) {
          if (value < 0 || pos + i + 1 + value > buf.length) {
            break;
          }
          return (long) (i + 1) << 32 | value;
        }
      }
      return (long) 1 << 32 | 0xFFFFFFFFL;
    }
  }

  /** A hash of a byte range, eight bytes at a time (not cryptographic: a collision only costs an equality check). */
  static int hash(byte[] b, int start, int length) {
    long h = 0x9E3779B97F4A7C15L ^ length;
    int i = start;
    int end = start + length;
    for (; i + 8 <= end; i += 8) {
      h = Long.rotateLeft(h ^ (long) LONGS.get(b, i), 27) * 0xC2B2AE3D27D4EB4FL;
    }
    for (; i < end; i++) {
      h = Long.rotateLeft(h ^ (b[i] & 0xFF), 11) * 0x165667B19E3779F9L;
    }
    h ^= h >>> 29;
    h *= 0xBF58476D1CE4E5B9L;
    return (int) (h ^ (h >>> 32));
  }

  /** A cached message or string and the bytes it was parsed from. */
  private static final class Entry<V> {
    final byte[] bytes;
    final int hash;
    final V value;

    Entry(byte[] bytes, int hash, V value) {
      this.bytes = bytes;
      this.hash = hash;
      this.value = value;
    }

    boolean matches(int h, byte[] b, int start, int length) {
      return hash == h && bytes.length == length && Arrays.equals(bytes, 0, length, b, start, start + length);
    }
  }
}
