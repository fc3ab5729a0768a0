package dev.traceyard.store.db;

import dev.traceyard.store.codec.OtlpValuesJson;
import io.opentelemetry.proto.common.v1.AnyValue;
import java.util.Base64;

/**
 * How one attribute value is written into the narrow filter tables: {@code str} holds a string form
 * for equality and regex filters, {@code num} a number for range filters (ints and doubles only).
 */
public final class AttrValues {
  private AttrValues() {}

  public static String str(AnyValue v) {
    switch (v.getValueCase()) {
      case STRING_VALUE:
        return v.getStringValue();
      case BOOL_VALUE:
        return v.getBoolValue() ? "true" : "false";
      case INT_VALUE:
        return Long.toString(v.getIntValue());
      case DOUBLE_VALUE:
        return formatDouble(v.getDoubleValue());
      case BYTES_VALUE:
        return Base64.getEncoder().encodeToString(v.getBytesValue().toByteArray());
      case ARRAY_VALUE:
      case KVLIST_VALUE:
        return OtlpValuesJson.anyValue(v);
      default:
        return "";
    }
  }

  /** Null for non-numeric values. */
  public static Double num(AnyValue v) {
    switch (v.getValueCase()) {
      case INT_VALUE:
        return (double) v.getIntValue();
      case DOUBLE_VALUE:
        return v.getDoubleValue();
      default:
        return null;
    }
  }

  /** {@code 2.0} prints as {@code 2}, so {@code attr=2} matches a double attribute written as 2. */
  static String formatDouble(double d) {
    if (d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e15) {
      return Long.toString((long) d);
    }
    return Double.toString(d);
  }
}
