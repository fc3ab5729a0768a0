package dev.traceyard.collector.connector.internal;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.Base64;
import java.util.List;

/** Reading OTLP attribute lists: lookups by key and the string forms otelcol gives values. */
public final class Attributes {
  /** The OpenTelemetry metrics SDK's attribute for the series that takes what is over a cardinality limit. */
  public static final String OVERFLOW_KEY = "otel.metric.overflow";

  private Attributes() {}

  /** The value of {@code key} in {@code attributes}, or null. Attribute lists are short: a scan beats a map. */
  public static AnyValue find(List<KeyValue> attributes, String key) {
    for (int i = 0, n = attributes.size(); i < n; i++) {
      KeyValue kv = attributes.get(i);
      if (kv.getKey().equals(key)) {
        return kv.getValue();
      }
    }
    return null;
  }

  /** The string form of a value, as otelcol's {@code AsString}: scalars as text, bytes as base64, lists as JSON. */
  public static String asString(AnyValue v) {
    switch (v.getValueCase()) {
      case STRING_VALUE:
        return v.getStringValue();
      case INT_VALUE:
        return Long.toString(v.getIntValue());
      case DOUBLE_VALUE:
        double d = v.getDoubleValue();
        return d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
      case BOOL_VALUE:
        return Boolean.toString(v.getBoolValue());
      case BYTES_VALUE:
        return Base64.getEncoder().encodeToString(v.getBytesValue().toByteArray());
      case ARRAY_VALUE: {
        StringBuilder sb = new StringBuilder("[");
        List<AnyValue> values = v.getArrayValue().getValuesList();
        for (int i = 0; i < values.size(); i++) {
          sb.append(i == 0 ? "" : ",").append(json(values.get(i)));
        }
        return sb.append(']').toString();
      }
      case KVLIST_VALUE: {
        StringBuilder sb = new StringBuilder("{");
        List<KeyValue> kvs = v.getKvlistValue().getValuesList();
        for (int i = 0; i < kvs.size(); i++) {
          sb.append(i == 0 ? "" : ",").append(quote(kvs.get(i).getKey())).append(':').append(json(kvs.get(i).getValue()));
        }
        return sb.append('}').toString();
      }
      default:
        return "";
    }
  }

  private static String json(AnyValue v) {
    switch (v.getValueCase()) {
      case STRING_VALUE:
      case BYTES_VALUE:
        return quote(asString(v));
      case VALUE_NOT_SET:
        return "null";
      default:
        return asString(v);
    }
  }

  private static String quote(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c < 0x20) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.append('"').toString();
  }

  /**
   * Appends a form of {@code v} to a series key that differs for values of different types (a string
   * "1" and an integer 1 make two series, as they do in otelcol).
   */
  public static void appendKey(StringBuilder key, AnyValue v) {
    key.append((char) ('a' + v.getValueCase().getNumber())).append(asString(v));
  }

  public static KeyValue string(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }

  public static KeyValue bool(String key, boolean value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setBoolValue(value)).build();
  }

  public static KeyValue of(String key, AnyValue value) {
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }
}
