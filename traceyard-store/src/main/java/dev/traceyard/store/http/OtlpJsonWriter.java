package dev.traceyard.store.http;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.MessageOrBuilder;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Writes an OTLP message as OTLP/JSON in one pass, straight from its fields: the same document as
 * {@code OtlpJson.encode} (protobuf's JSON mapping with enums as integers, then trace and span ids
 * turned from base64 into hex), without printing protobuf JSON text, parsing it back into a tree
 * and writing that again, which was a third of the CPU of a trace-by-id answer beside the
 * database. Generic over the descriptors, so fields added to OTLP later are written too; spans,
 * attributes and attribute values, most of any answer, are written by hand-written code instead
 * (the reflective field access was 15% of a trace-by-id request's CPU on the query thread), as long
 * as their descriptors have exactly the fields that code knows (checked once, else generic).
 */
final class OtlpJsonWriter {
  private static final JsonFactory FACTORY = new JsonFactory();
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private OtlpJsonWriter() {}

  static byte[] encode(MessageOrBuilder message) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
    try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
      message(g, message);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write OTLP/JSON", e); // to memory: not expected
    }
    return out.toByteArray();
  }

  /** True when {@code type} has exactly these fields (number:json name), so a hand-written writer covers it. */
  private static boolean hasExactly(com.google.protobuf.Descriptors.Descriptor type, String... fields) {
    List<String> actual = new ArrayList<>();
    for (FieldDescriptor f : type.getFields()) {
      actual.add(f.getNumber() + ":" + f.getJsonName());
    }
    return actual.equals(List.of(fields));
  }

  private static final boolean FAST_SPAN = hasExactly(Span.getDescriptor(), "1:traceId", "2:spanId", "3:traceState",
      "4:parentSpanId", "16:flags", "5:name", "6:kind", "7:startTimeUnixNano", "8:endTimeUnixNano", "9:attributes",
      "10:droppedAttributesCount", "11:events", "12:droppedEventsCount", "13:links", "14:droppedLinksCount",
      "15:status");
  private static final boolean FAST_KEY_VALUE = hasExactly(KeyValue.getDescriptor(), "1:key", "2:value",
      "3:keyStrindex");
  private static final boolean FAST_ANY_VALUE = hasExactly(AnyValue.getDescriptor(), "1:stringValue", "2:boolValue",
      "3:intValue", "4:doubleValue", "5:arrayValue", "6:kvlistValue", "7:bytesValue", "8:stringValueStrindex");

  /** Whether the hand-written writers cover the OTLP classes on the class path (tests pin it). */
  static boolean fastPathsActive() {
    return FAST_SPAN && FAST_KEY_VALUE && FAST_ANY_VALUE;
  }

  private static void message(JsonGenerator g, MessageOrBuilder m) throws IOException {
    if (m instanceof Span && FAST_SPAN) {
      span(g, (Span) m);
      return;
    }
    if (m instanceof KeyValue && FAST_KEY_VALUE) {
      keyValue(g, (KeyValue) m);
      return;
    }
    if (m instanceof AnyValue && FAST_ANY_VALUE) {
      anyValue(g, (AnyValue) m);
      return;
    }
    g.writeStartObject();
    // Only present fields, as protobuf's JSON printer writes them: proto3 scalars that are not
    // zero/empty, set messages, set oneof members (even when zero), non-empty repeated fields.
    for (Map.Entry<FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
      FieldDescriptor f = e.getKey();
      g.writeFieldName(f.getJsonName());
      if (f.isRepeated()) {
        g.writeStartArray();
        for (Object v : (List<?>) e.getValue()) {
          value(g, f, v);
        }
        g.writeEndArray();
      } else {
        value(g, f, e.getValue());
      }
    }
    g.writeEndObject();
  }

  /** A span as {@link #message} writes it generically: fields in number order, only those present. */
  private static void span(JsonGenerator g, Span s) throws IOException {
    g.writeStartObject();
    if (!s.getTraceId().isEmpty()) {
      g.writeStringField("traceId", hex(s.getTraceId()));
    }
    if (!s.getSpanId().isEmpty()) {
      g.writeStringField("spanId", hex(s.getSpanId()));
    }
    if (!s.getTraceState().isEmpty()) {
      g.writeStringField("traceState", s.getTraceState());
    }
    if (!s.getParentSpanId().isEmpty()) {
      g.writeStringField("parentSpanId", hex(s.getParentSpanId()));
    }
    if (!s.getName().isEmpty()) {
      g.writeStringField("name", s.getName());
    }
    if (s.getKindValue() != 0) {
      g.writeNumberField("kind", s.getKindValue());
    }
    if (s.getStartTimeUnixNano() != 0) {
      g.writeStringField("startTimeUnixNano", Long.toUnsignedString(s.getStartTimeUnixNano()));
    }
    if (s.getEndTimeUnixNano() != 0) {
      g.writeStringField("endTimeUnixNano", Long.toUnsignedString(s.getEndTimeUnixNano()));
    }
    if (s.getAttributesCount() > 0) {
      g.writeFieldName("attributes");
      g.writeStartArray();
      for (KeyValue kv : s.getAttributesList()) {
        message(g, kv);
      }
      g.writeEndArray();
    }
    if (s.getDroppedAttributesCount() != 0) {
      g.writeNumberField("droppedAttributesCount", Integer.toUnsignedLong(s.getDroppedAttributesCount()));
    }
    if (s.getEventsCount() > 0) {
      g.writeFieldName("events");
      g.writeStartArray();
      for (Span.Event e : s.getEventsList()) {
        message(g, e);
      }
      g.writeEndArray();
    }
    if (s.getDroppedEventsCount() != 0) {
      g.writeNumberField("droppedEventsCount", Integer.toUnsignedLong(s.getDroppedEventsCount()));
    }
    if (s.getLinksCount() > 0) {
      g.writeFieldName("links");
      g.writeStartArray();
      for (Span.Link l : s.getLinksList()) {
        message(g, l);
      }
      g.writeEndArray();
    }
    if (s.getDroppedLinksCount() != 0) {
      g.writeNumberField("droppedLinksCount", Integer.toUnsignedLong(s.getDroppedLinksCount()));
    }
    if (s.hasStatus()) {
      g.writeFieldName("status");
      message(g, s.getStatus());
    }
    if (s.getFlags() != 0) {
      g.writeNumberField("flags", Integer.toUnsignedLong(s.getFlags()));
    }
    g.writeEndObject();
  }

  private static void keyValue(JsonGenerator g, KeyValue kv) throws IOException {
    g.writeStartObject();
    if (!kv.getKey().isEmpty()) {
      g.writeStringField("key", kv.getKey());
    }
    if (kv.hasValue()) {
      g.writeFieldName("value");
      message(g, kv.getValue());
    }
    if (kv.getKeyStrindex() != 0) {
      g.writeNumberField("keyStrindex", kv.getKeyStrindex());
    }
    g.writeEndObject();
  }

  /** The set member of the oneof, written even when zero (as protobuf's printer does). */
  private static void anyValue(JsonGenerator g, AnyValue v) throws IOException {
    g.writeStartObject();
    switch (v.getValueCase()) {
      case STRING_VALUE:
        g.writeStringField("stringValue", v.getStringValue());
        break;
      case BOOL_VALUE:
        g.writeBooleanField("boolValue", v.getBoolValue());
        break;
      case INT_VALUE:
        g.writeStringField("intValue", Long.toString(v.getIntValue()));
        break;
      case DOUBLE_VALUE:
        g.writeFieldName("doubleValue");
        number(g, v.getDoubleValue());
        break;
      case ARRAY_VALUE:
        g.writeFieldName("arrayValue");
        message(g, v.getArrayValue());
        break;
      case KVLIST_VALUE:
        g.writeFieldName("kvlistValue");
        message(g, v.getKvlistValue());
        break;
      case BYTES_VALUE:
        g.writeStringField("bytesValue", Base64.getEncoder().encodeToString(v.getBytesValue().toByteArray()));
        break;
      case STRING_VALUE_STRINDEX:
        g.writeNumberField("stringValueStrindex", v.getStringValueStrindex());
        break;
      default: // VALUE_NOT_SET: an empty object
        break;
    }
    g.writeEndObject();
  }

  private static void value(JsonGenerator g, FieldDescriptor f, Object v) throws IOException {
    switch (f.getType()) {
      case INT32:
      case SINT32:
      case SFIXED32:
        g.writeNumber((Integer) v);
        break;
      case UINT32:
      case FIXED32:
        g.writeNumber(Integer.toUnsignedLong((Integer) v));
        break;
      case INT64:
      case SINT64:
      case SFIXED64:
        g.writeString(Long.toString((Long) v));
        break;
      case UINT64:
      case FIXED64:
        g.writeString(Long.toUnsignedString((Long) v));
        break;
      case DOUBLE:
        number(g, (Double) v);
        break;
      case FLOAT:
        float fl = (Float) v;
        if (Float.isNaN(fl) || Float.isInfinite(fl)) {
          g.writeString(Float.toString(fl));
        } else {
          g.writeNumber(fl);
        }
        break;
      case BOOL:
        g.writeBoolean((Boolean) v);
        break;
      case STRING:
        g.writeString((String) v);
        break;
      case BYTES:
        ByteString b = (ByteString) v;
        if (isId(f.getJsonName())) {
          g.writeString(hex(b));
        } else {
          g.writeString(Base64.getEncoder().encodeToString(b.toByteArray()));
        }
        break;
      case ENUM:
        g.writeNumber(((EnumValueDescriptor) v).getNumber());
        break;
      case MESSAGE:
      case GROUP:
        message(g, (MessageOrBuilder) v);
        break;
      default:
        throw new IllegalStateException("unexpected field type " + f.getType() + " of " + f.getFullName());
    }
  }

  private static void number(JsonGenerator g, double d) throws IOException {
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      g.writeString(Double.toString(d)); // "NaN", "Infinity", "-Infinity", as protobuf's JSON mapping
    } else {
      g.writeNumber(d);
    }
  }

  /** The fields OTLP/JSON writes in hex, as {@code OtlpJson} does (by name, wherever they are). */
  private static boolean isId(String jsonName) {
    return jsonName.equals("traceId") || jsonName.equals("spanId") || jsonName.equals("parentSpanId");
  }

  private static String hex(ByteString b) {
    char[] out = new char[b.size() * 2];
    for (int i = 0; i < b.size(); i++) {
      int v = b.byteAt(i) & 0xff;
      out[2 * i] = HEX[v >>> 4];
      out[2 * i + 1] = HEX[v & 0xf];
    }
    return new String(out);
  }
}
