package dev.traceyard.store.db;

import dev.traceyard.store.codec.OtlpValuesJson;
import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import java.util.Base64;

/**
 * How one attribute value is written into the narrow attribute tables: {@code str} holds a string
 * form for equality and regex filters, {@code num} a number for range filters (ints and doubles
 * only), {@code type} the AnyValue case; together they give the value back exactly ({@link #value}).
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

  /** The AnyValue case number (0 for an empty value). */
  public static int type(AnyValue v) {
    return v.getValueCase() == AnyValue.ValueCase.VALUE_NOT_SET ? 0 : v.getValueCase().getNumber();
  }

  /** The value written as {@code type}, {@code str}, {@code num}. */
  public static AnyValue value(int type, String str, double num) {
    AnyValue.ValueCase c = AnyValue.ValueCase.forNumber(type);
    if (c == null) {
      throw new IllegalStateException("unknown attribute value type " + type + " in the store");
    }
    switch (c) {
      case STRING_VALUE:
        return AnyValue.newBuilder().setStringValue(str == null ? "" : str).build();
      case BOOL_VALUE:
        return AnyValue.newBuilder().setBoolValue("true".equals(str)).build();
      case INT_VALUE:
        return AnyValue.newBuilder().setIntValue(Long.parseLong(str)).build();
      case DOUBLE_VALUE:
        // From num, not str: str prints 2.0 as 2 and loses the sign of -0.0.
        return AnyValue.newBuilder().setDoubleValue(num).build();
      case BYTES_VALUE:
        return AnyValue.newBuilder().setBytesValue(ByteString.copyFrom(Base64.getDecoder().decode(str))).build();
      case ARRAY_VALUE:
      case KVLIST_VALUE:
        return OtlpValuesJson.parseAnyValue(str);
      default:
        return AnyValue.getDefaultInstance();
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
