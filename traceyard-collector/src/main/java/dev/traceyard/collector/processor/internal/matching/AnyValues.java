package dev.traceyard.collector.processor.internal.matching;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Conversions between OTLP {@link AnyValue}s, plain Java values and strings. */
public final class AnyValues {
  private AnyValues() {}

  public static AnyValue of(String s) {
    return AnyValue.newBuilder().setStringValue(s).build();
  }

  public static AnyValue of(long v) {
    return AnyValue.newBuilder().setIntValue(v).build();
  }

  public static AnyValue of(double v) {
    return AnyValue.newBuilder().setDoubleValue(v).build();
  }

  public static AnyValue of(boolean v) {
    return AnyValue.newBuilder().setBoolValue(v).build();
  }

  /**
   * A value from a Java object: String, Boolean, Integer/Long, Float/Double, ByteString, List or Map
   * (recursively); null gives the empty value.
   */
  public static AnyValue fromJava(Object o) {
    if (o == null) {
      return AnyValue.getDefaultInstance();
    }
    if (o instanceof String s) {
      return of(s);
    }
    if (o instanceof Boolean b) {
      return of(b);
    }
    if (o instanceof Long || o instanceof Integer || o instanceof Short || o instanceof Byte) {
      return of(((Number) o).longValue());
    }
    if (o instanceof Number n) {
      return of(n.doubleValue());
    }
    if (o instanceof ByteString bs) {
      return AnyValue.newBuilder().setBytesValue(bs).build();
    }
    if (o instanceof List<?> list) {
      ArrayValue.Builder a = ArrayValue.newBuilder();
      list.forEach(e -> a.addValues(fromJava(e)));
      return AnyValue.newBuilder().setArrayValue(a).build();
    }
    if (o instanceof Map<?, ?> map) {
      KeyValueList.Builder kvs = KeyValueList.newBuilder();
      map.forEach((k, v) -> kvs.addValues(KeyValue.newBuilder().setKey(String.valueOf(k)).setValue(fromJava(v))));
      return AnyValue.newBuilder().setKvlistValue(kvs).build();
    }
    return of(String.valueOf(o));
  }

  /**
   * The value as a Java object: String, Boolean, Long, Double, ByteString, List&lt;Object&gt; or
   * Map&lt;String, Object&gt;; null for the empty value.
   */
  public static Object toJava(AnyValue v) {
    switch (v.getValueCase()) {
      case STRING_VALUE:
        return v.getStringValue();
      case BOOL_VALUE:
        return v.getBoolValue();
      case INT_VALUE:
        return v.getIntValue();
      case DOUBLE_VALUE:
        return v.getDoubleValue();
      case BYTES_VALUE:
        return v.getBytesValue();
      case ARRAY_VALUE: {
        List<Object> out = new ArrayList<>();
        v.getArrayValue().getValuesList().forEach(e -> out.add(toJava(e)));
        return out;
      }
      case KVLIST_VALUE: {
        Map<String, Object> out = new LinkedHashMap<>();
        v.getKvlistValue().getValuesList().forEach(kv -> out.put(kv.getKey(), toJava(kv.getValue())));
        return out;
      }
      default:
        return null;
    }
  }

  /**
   * The value as a string, as otelcol's {@code AsString}: strings as they are, numbers and booleans
   * in their usual form, bytes in base64, lists and maps as JSON, the empty value as "".
   */
  public static String asString(AnyValue v) {
    switch (v.getValueCase()) {
      case STRING_VALUE:
        return v.getStringValue();
      case BOOL_VALUE:
        return Boolean.toString(v.getBoolValue());
      case INT_VALUE:
        return Long.toString(v.getIntValue());
      case DOUBLE_VALUE:
        return formatDouble(v.getDoubleValue());
      case BYTES_VALUE:
        return Base64.getEncoder().encodeToString(v.getBytesValue().toByteArray());
      case ARRAY_VALUE:
      case KVLIST_VALUE: {
        StringBuilder sb = new StringBuilder();
        appendJson(sb, v);
        return sb.toString();
      }
      default:
        return "";
    }
  }

  /** Doubles without a needless ".0" exponent form for ordinary magnitudes, as Go's 'f' -1 formatting does. */
  static String formatDouble(double d) {
    if (d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e15) {
      return Long.toString((long) d);
    }
    return Double.toString(d);
  }

  private static void appendJson(StringBuilder sb, AnyValue v) {
    switch (v.getValueCase()) {
      case STRING_VALUE:
        appendJsonString(sb, v.getStringValue());
        break;
      case BYTES_VALUE:
        appendJsonString(sb, asString(v));
        break;
      case BOOL_VALUE:
      case INT_VALUE:
      case DOUBLE_VALUE:
        sb.append(asString(v));
        break;
      case ARRAY_VALUE: {
        sb.append('[');
        List<AnyValue> values = v.getArrayValue().getValuesList();
        for (int i = 0; i < values.size(); i++) {
          if (i > 0) {
            sb.append(',');
          }
          appendJson(sb, values.get(i));
        }
        sb.append(']');
        break;
      }
      case KVLIST_VALUE: {
        sb.append('{');
        List<KeyValue> kvs = v.getKvlistValue().getValuesList();
        for (int i = 0; i < kvs.size(); i++) {
          if (i > 0) {
            sb.append(',');
          }
          appendJsonString(sb, kvs.get(i).getKey());
          sb.append(':');
          appendJson(sb, kvs.get(i).getValue());
        }
        sb.append('}');
        break;
      }
      default:
        sb.append("null");
    }
  }

  private static void appendJsonString(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }

  /** The string value of {@code key} in the attributes, or null when absent or not a string. */
  public static String stringAttribute(List<KeyValue> attributes, String key) {
    for (int i = 0, n = attributes.size(); i < n; i++) {
      KeyValue kv = attributes.get(i);
      if (kv.getKey().equals(key)) {
        return kv.getValue().hasStringValue() ? kv.getValue().getStringValue() : null;
      }
    }
    return null;
  }

  /** The value of {@code key} in the attributes, or null when absent. */
  public static AnyValue attribute(List<KeyValue> attributes, String key) {
    for (int i = 0, n = attributes.size(); i < n; i++) {
      KeyValue kv = attributes.get(i);
      if (kv.getKey().equals(key)) {
        return kv.getValue();
      }
    }
    return null;
  }
}
