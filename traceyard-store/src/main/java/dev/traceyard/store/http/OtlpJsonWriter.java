package dev.traceyard.store.http;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.MessageOrBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Writes an OTLP message as OTLP/JSON in one pass, straight from its fields: the same document as
 * {@code OtlpJson.encode} (protobuf's JSON mapping with enums as integers, then trace and span ids
 * turned from base64 into hex), without printing protobuf JSON text, parsing it back into a tree
 * and writing that again, which was a third of the CPU of a trace-by-id answer beside the
 * database. Generic over the descriptors, so fields added to OTLP later are written too.
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

  private static void message(JsonGenerator g, MessageOrBuilder m) throws IOException {
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
