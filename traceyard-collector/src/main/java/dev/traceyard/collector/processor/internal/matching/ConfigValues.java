package dev.traceyard.collector.processor.internal.matching;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.proto.common.v1.AnyValue;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Values written in config (YAML scalars, lists, maps) as OTLP values. */
public final class ConfigValues {
  private ConfigValues() {}

  /** The YAML value with its type: strings, integers, floats, booleans, lists and maps. */
  public static AnyValue toAnyValue(JsonNode node) {
    return AnyValues.fromJava(toJava(node));
  }

  private static Object toJava(JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (node.isBoolean()) {
      return node.booleanValue();
    }
    if (node.isIntegralNumber() && node.canConvertToLong()) {
      return node.longValue();
    }
    if (node.isNumber()) {
      return node.doubleValue();
    }
    if (node.isArray()) {
      List<Object> out = new ArrayList<>();
      node.forEach(e -> out.add(toJava(e)));
      return out;
    }
    if (node.isObject()) {
      Map<String, Object> out = new LinkedHashMap<>();
      node.fields().forEachRemaining(e -> out.put(e.getKey(), toJava(e.getValue())));
      return out;
    }
    return node.asText();
  }

  /** Equal values; an integer and a double holding the same number are equal, as in the config they look alike. */
  public static boolean sameValue(AnyValue expected, AnyValue actual) {
    if (expected.equals(actual)) {
      return true;
    }
    if (isNumber(expected) && isNumber(actual)) {
      return number(expected) == number(actual);
    }
    return false;
  }

  private static boolean isNumber(AnyValue v) {
    return v.hasIntValue() || v.hasDoubleValue();
  }

  private static double number(AnyValue v) {
    return v.hasIntValue() ? v.getIntValue() : v.getDoubleValue();
  }
}
