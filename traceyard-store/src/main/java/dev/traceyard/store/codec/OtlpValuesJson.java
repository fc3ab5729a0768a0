package dev.traceyard.store.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.traceyard.collector.otlp.Hex;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.EntityRef;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The JSON stored in the attribute, event and link columns: exactly the OTLP/JSON shape of those
 * fields ({@code [{"key":"k","value":{"intValue":"7"}}]}, hex ids in links), so a row can be read with
 * any OTLP/JSON tool. Written with a streaming generator because it runs for every stored span;
 * {@code OtlpJson} goes through protobuf's JsonFormat and a tree rewrite, which is several times slower.
 */
public final class OtlpValuesJson {
  private static final JsonFactory FACTORY = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(512).build())
      .build();
  private static final ObjectMapper MAPPER = new ObjectMapper(FACTORY);

  private OtlpValuesJson() {}

  // ---------------------------------------------------------------- encoding

  /** The attributes as an OTLP/JSON KeyValue array, or null when there are none (stored as NULL). */
  public static String attributes(List<KeyValue> attributes) {
    if (attributes.isEmpty()) {
      return null;
    }
    return write(g -> writeKeyValues(g, attributes));
  }

  /** One AnyValue as OTLP/JSON ({@code {"stringValue":"x"}}); {@code {}} for an empty value. */
  public static String anyValue(AnyValue value) {
    return write(g -> writeAnyValue(g, value));
  }

  /** Span events as an OTLP/JSON array, or null when there are none. */
  public static String events(List<Span.Event> events) {
    if (events.isEmpty()) {
      return null;
    }
    return write(g -> writeEvents(g, events));
  }

  private static void writeEvents(JsonGenerator g, List<Span.Event> events) throws IOException {
    g.writeStartArray();
    for (Span.Event e : events) {
      g.writeStartObject();
      g.writeStringField("timeUnixNano", Long.toUnsignedString(e.getTimeUnixNano()));
      g.writeStringField("name", e.getName());
      if (e.getAttributesCount() > 0) {
        g.writeFieldName("attributes");
        writeKeyValues(g, e.getAttributesList());
      }
      if (e.getDroppedAttributesCount() != 0) {
        g.writeNumberField("droppedAttributesCount", Integer.toUnsignedLong(e.getDroppedAttributesCount()));
      }
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  /** Span links as an OTLP/JSON array (hex ids), or null when there are none. */
  public static String links(List<Span.Link> links) {
    if (links.isEmpty()) {
      return null;
    }
    return write(g -> writeLinks(g, links));
  }

  private static void writeLinks(JsonGenerator g, List<Span.Link> links) throws IOException {
    g.writeStartArray();
    for (Span.Link l : links) {
      g.writeStartObject();
      g.writeStringField("traceId", Hex.encode(l.getTraceId()));
      g.writeStringField("spanId", Hex.encode(l.getSpanId()));
      if (!l.getTraceState().isEmpty()) {
        g.writeStringField("traceState", l.getTraceState());
      }
      if (l.getAttributesCount() > 0) {
        g.writeFieldName("attributes");
        writeKeyValues(g, l.getAttributesList());
      }
      if (l.getDroppedAttributesCount() != 0) {
        g.writeNumberField("droppedAttributesCount", Integer.toUnsignedLong(l.getDroppedAttributesCount()));
      }
      if (l.getFlags() != 0) {
        g.writeNumberField("flags", Integer.toUnsignedLong(l.getFlags()));
      }
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  /**
   * A span's rarely set fields (trace state, status message, events, links) as one object with the
   * OTLP/JSON names of those that are set ({@code {"traceState":"..","statusMessage":"..","events":[..],
   * "links":[..]}}), or null when none is: the {@code span_extras} table's column, which holds a row
   * only for spans that have one (DuckDB stores a dictionary index for every row of a string column,
   * NULL or not: four such columns in the span row cost about 1.7 bytes per span).
   */
  public static String spanExtras(Span s) {
    return spanExtras(s.getTraceState(), s.getStatus().getMessage(), events(s.getEventsList()),
        links(s.getLinksList()));
  }

  /**
   * {@link #spanExtras(Span)} from the fields as the write queue holds them: events and links
   * already as the OTLP/JSON arrays {@link #events} and {@link #links} write (null or empty: none).
   */
  public static String spanExtras(String traceState, String statusMessage, String eventsJson, String linksJson) {
    boolean hasEvents = eventsJson != null && !eventsJson.isEmpty();
    boolean hasLinks = linksJson != null && !linksJson.isEmpty();
    if ((traceState == null || traceState.isEmpty()) && (statusMessage == null || statusMessage.isEmpty())
        && !hasEvents && !hasLinks) {
      return null;
    }
    return write(g -> {
      g.writeStartObject();
      if (traceState != null && !traceState.isEmpty()) {
        g.writeStringField("traceState", traceState);
      }
      if (statusMessage != null && !statusMessage.isEmpty()) {
        g.writeStringField("statusMessage", statusMessage);
      }
      if (hasEvents) {
        g.writeFieldName("events");
        g.writeRawValue(eventsJson);
      }
      if (hasLinks) {
        g.writeFieldName("links");
        g.writeRawValue(linksJson);
      }
      g.writeEndObject();
    });
  }

  /** Resource entity references as an OTLP/JSON array, or null when there are none. */
  public static String entityRefs(List<EntityRef> refs) {
    if (refs.isEmpty()) {
      return null;
    }
    return write(g -> {
      g.writeStartArray();
      for (EntityRef r : refs) {
        g.writeStartObject();
        if (!r.getSchemaUrl().isEmpty()) {
          g.writeStringField("schemaUrl", r.getSchemaUrl());
        }
        g.writeStringField("type", r.getType());
        g.writeArrayFieldStart("idKeys");
        for (String k : r.getIdKeysList()) {
          g.writeString(k);
        }
        g.writeEndArray();
        g.writeArrayFieldStart("descriptionKeys");
        for (String k : r.getDescriptionKeysList()) {
          g.writeString(k);
        }
        g.writeEndArray();
        g.writeEndObject();
      }
      g.writeEndArray();
    });
  }

  private static void writeKeyValues(JsonGenerator g, List<KeyValue> kvs) throws IOException {
    g.writeStartArray();
    for (KeyValue kv : kvs) {
      g.writeStartObject();
      g.writeStringField("key", kv.getKey());
      g.writeFieldName("value");
      writeAnyValue(g, kv.getValue());
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  private static void writeAnyValue(JsonGenerator g, AnyValue v) throws IOException {
    g.writeStartObject();
    switch (v.getValueCase()) {
      case STRING_VALUE:
        g.writeStringField("stringValue", v.getStringValue());
        break;
      case BOOL_VALUE:
        g.writeBooleanField("boolValue", v.getBoolValue());
        break;
      case INT_VALUE:
        // int64 is a decimal string in OTLP/JSON (protobuf's JSON mapping), so no precision is lost in JavaScript.
        g.writeStringField("intValue", Long.toString(v.getIntValue()));
        break;
      case DOUBLE_VALUE:
        double d = v.getDoubleValue();
        if (Double.isNaN(d) || Double.isInfinite(d)) {
          g.writeStringField("doubleValue", Double.isNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
        } else {
          g.writeNumberField("doubleValue", d);
        }
        break;
      case BYTES_VALUE:
        g.writeStringField("bytesValue", Base64.getEncoder().encodeToString(v.getBytesValue().toByteArray()));
        break;
      case ARRAY_VALUE:
        g.writeObjectFieldStart("arrayValue");
        g.writeArrayFieldStart("values");
        for (AnyValue e : v.getArrayValue().getValuesList()) {
          writeAnyValue(g, e);
        }
        g.writeEndArray();
        g.writeEndObject();
        break;
      case KVLIST_VALUE:
        g.writeObjectFieldStart("kvlistValue");
        g.writeFieldName("values");
        writeKeyValues(g, v.getKvlistValue().getValuesList());
        g.writeEndObject();
        break;
      case STRING_VALUE_STRINDEX:
        g.writeNumberField("stringValueStrindex", v.getStringValueStrindex());
        break;
      default:
        break;
    }
    g.writeEndObject();
  }

  @FunctionalInterface
  private interface Writer {
    void write(JsonGenerator g) throws IOException;
  }

  private static String write(Writer w) {
    StringWriter out = new StringWriter(128);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      w.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write JSON to memory", e);
    }
    return out.toString();
  }

  // ---------------------------------------------------------------- decoding

  /** Parses a column written by {@link #attributes}; null or empty reads as no attributes. */
  public static List<KeyValue> parseAttributes(String json) {
    if (json == null || json.isEmpty()) {
      return List.of();
    }
    return keyValues(tree(json));
  }

  public static AnyValue parseAnyValue(String json) {
    if (json == null || json.isEmpty()) {
      return AnyValue.getDefaultInstance();
    }
    return anyValue(tree(json));
  }

  /** The fields {@link #spanExtras} stores; empty strings and lists for those not set. */
  public record SpanExtras(String traceState, String statusMessage, List<Span.Event> events, List<Span.Link> links) {
    static final SpanExtras NONE = new SpanExtras("", "", List.of(), List.of());
  }

  /** Parses a column written by {@link #spanExtras}; null reads as no such field set. */
  public static SpanExtras parseSpanExtras(String json) {
    if (json == null || json.isEmpty()) {
      return SpanExtras.NONE;
    }
    JsonNode n = tree(json);
    return new SpanExtras(n.path("traceState").asText(""), n.path("statusMessage").asText(""),
        events(n.path("events")), links(n.path("links")));
  }

  public static List<Span.Event> parseEvents(String json) {
    if (json == null || json.isEmpty()) {
      return List.of();
    }
    return events(tree(json));
  }

  private static List<Span.Event> events(JsonNode array) {
    if (!array.isArray() || array.isEmpty()) {
      return List.of();
    }
    List<Span.Event> out = new ArrayList<>();
    for (JsonNode n : array) {
      Span.Event.Builder b = Span.Event.newBuilder()
          .setTimeUnixNano(Long.parseUnsignedLong(n.path("timeUnixNano").asText("0")))
          .setName(n.path("name").asText(""))
          .setDroppedAttributesCount((int) n.path("droppedAttributesCount").asLong(0));
      b.addAllAttributes(keyValues(n.path("attributes")));
      out.add(b.build());
    }
    return out;
  }

  public static List<Span.Link> parseLinks(String json) {
    if (json == null || json.isEmpty()) {
      return List.of();
    }
    return links(tree(json));
  }

  private static List<Span.Link> links(JsonNode array) {
    if (!array.isArray() || array.isEmpty()) {
      return List.of();
    }
    List<Span.Link> out = new ArrayList<>();
    for (JsonNode n : array) {
      Span.Link.Builder b = Span.Link.newBuilder()
          .setTraceId(hexBytes(n.path("traceId").asText("")))
          .setSpanId(hexBytes(n.path("spanId").asText("")))
          .setTraceState(n.path("traceState").asText(""))
          .setDroppedAttributesCount((int) n.path("droppedAttributesCount").asLong(0))
          .setFlags((int) n.path("flags").asLong(0));
      b.addAllAttributes(keyValues(n.path("attributes")));
      out.add(b.build());
    }
    return out;
  }

  public static List<EntityRef> parseEntityRefs(String json) {
    if (json == null || json.isEmpty()) {
      return List.of();
    }
    List<EntityRef> out = new ArrayList<>();
    for (JsonNode n : tree(json)) {
      EntityRef.Builder b = EntityRef.newBuilder()
          .setSchemaUrl(n.path("schemaUrl").asText(""))
          .setType(n.path("type").asText(""));
      n.path("idKeys").forEach(k -> b.addIdKeys(k.asText()));
      n.path("descriptionKeys").forEach(k -> b.addDescriptionKeys(k.asText()));
      out.add(b.build());
    }
    return out;
  }

  private static ByteString hexBytes(String hex) {
    byte[] raw = Hex.decode(hex);
    return raw == null ? ByteString.EMPTY : ByteString.copyFrom(raw);
  }

  private static JsonNode tree(String json) {
    try {
      return MAPPER.readTree(json);
    } catch (IOException e) {
      // Only this class writes these columns; a parse failure means a corrupted row, not user input.
      throw new IllegalStateException("corrupted attribute JSON in the store: " + e.getMessage(), e);
    }
  }

  private static List<KeyValue> keyValues(JsonNode array) {
    if (!array.isArray() || array.isEmpty()) {
      return List.of();
    }
    List<KeyValue> out = new ArrayList<>(array.size());
    for (JsonNode n : array) {
      out.add(KeyValue.newBuilder().setKey(n.path("key").asText("")).setValue(anyValue(n.path("value"))).build());
    }
    return out;
  }

  private static AnyValue anyValue(JsonNode n) {
    AnyValue.Builder b = AnyValue.newBuilder();
    JsonNode v;
    if ((v = n.get("stringValue")) != null) {
      b.setStringValue(v.asText());
    } else if ((v = n.get("boolValue")) != null) {
      b.setBoolValue(v.asBoolean());
    } else if ((v = n.get("intValue")) != null) {
      b.setIntValue(v.isNumber() ? v.asLong() : Long.parseLong(v.asText()));
    } else if ((v = n.get("doubleValue")) != null) {
      b.setDoubleValue(v.isNumber() ? v.asDouble() : Double.parseDouble(v.asText()));
    } else if ((v = n.get("bytesValue")) != null) {
      b.setBytesValue(ByteString.copyFrom(Base64.getDecoder().decode(v.asText())));
    } else if ((v = n.get("arrayValue")) != null) {
      ArrayValue.Builder a = ArrayValue.newBuilder();
      v.path("values").forEach(e -> a.addValues(anyValue(e)));
      b.setArrayValue(a);
    } else if ((v = n.get("kvlistValue")) != null) {
      b.setKvlistValue(KeyValueList.newBuilder().addAllValues(keyValues(v.path("values"))));
    } else if ((v = n.get("stringValueStrindex")) != null) {
      b.setStringValueStrindex(v.asInt());
    }
    return b.build();
  }
}
