package dev.traceyard.collector.testing;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.traceyard.collector.otlp.OtlpLimits;
import java.util.List;
import java.util.Map;

/**
 * The fuzz tests' oracle for "a decoded request respects the limits". It walks any OTLP message by
 * protobuf reflection, so it is independent of the hand-written walk in {@link OtlpLimits}: a field
 * that walk forgets (say the ids of an exemplar) is still checked here.
 */
public final class OtlpInvariants {
  private OtlpInvariants() {}

  /** Throws AssertionError naming the first field that breaks a limit. */
  public static void assertWithinLimits(Message message) {
    walk(message, message.getDescriptorForType().getName(), 0, true);
  }

  private static void walk(Message m, String path, int valueDepth, boolean limitSize) {
    String type = m.getDescriptorForType().getName();
    int depth = valueDepth;
    if (type.equals("AnyValue")) {
      depth++;
      check(depth <= OtlpLimits.MAX_VALUE_DEPTH, path, "AnyValue nested " + depth + " levels deep");
    }
    for (Map.Entry<FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
      FieldDescriptor f = e.getKey();
      String name = f.getName();
      String at = path + "." + name;
      if (f.getType() == FieldDescriptor.Type.BYTES && !f.isRepeated()) {
        int size = ((ByteString) e.getValue()).size();
        if (name.equals("trace_id")) {
          check(size == 0 || size == OtlpLimits.TRACE_ID_BYTES, at, "trace id of " + size + " bytes");
        } else if (name.equals("span_id") || name.equals("parent_span_id")) {
          check(size == 0 || size == OtlpLimits.SPAN_ID_BYTES, at, "span id of " + size + " bytes");
        } else if (type.equals("AnyValue") && limitSize) {
          check(size <= OtlpLimits.MAX_VALUE_BYTES, at, "bytes value of " + size + " bytes");
        }
      }
      if (type.equals("AnyValue") && name.equals("string_value") && limitSize) {
        int size = ByteString.copyFromUtf8((String) e.getValue()).size();
        check(size <= OtlpLimits.MAX_VALUE_BYTES, at, "string value of " + size + " bytes");
      }
      if (type.equals("KeyValue") && name.equals("key")) {
        int size = ByteString.copyFromUtf8((String) e.getValue()).size();
        check(size <= OtlpLimits.MAX_KEY_BYTES, at, "key of " + size + " bytes");
      }
      if (f.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
        continue;
      }
      // A log record's body is bounded by the request size only, but its nesting is limited too.
      boolean childLimitSize = limitSize && !(type.equals("LogRecord") && name.equals("body"));
      if (f.isRepeated()) {
        List<?> list = (List<?>) e.getValue();
        String elementType = f.getMessageType().getName();
        if (elementType.equals("KeyValue")) {
          check(list.size() <= OtlpLimits.MAX_ATTRIBUTES, at, list.size() + " attributes");
        } else if (elementType.equals("AnyValue")) {
          check(list.size() <= OtlpLimits.MAX_ARRAY_VALUES, at, list.size() + " array values");
        }
        for (int i = 0; i < list.size(); i++) {
          walk((Message) list.get(i), at + "[" + i + "]", depth, childLimitSize);
        }
      } else {
        walk((Message) e.getValue(), at, depth, childLimitSize);
      }
    }
  }

  /**
   * The message with every double -0.0 turned into 0.0. Protobuf's JsonFormat parser (which
   * OtlpJson uses) reads -0.0 as 0.0, a known and accepted loss (docs/reliability.md, "Fuzzing"),
   * so round-trip comparisons are made modulo the sign of zero.
   */
  @SuppressWarnings("unchecked")
  public static <M extends Message> M withoutNegativeZeros(M message) {
    Message.Builder b = message.toBuilder();
    for (Map.Entry<FieldDescriptor, Object> e : message.getAllFields().entrySet()) {
      FieldDescriptor f = e.getKey();
      if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        if (f.isRepeated()) {
          List<?> list = (List<?>) e.getValue();
          for (int i = 0; i < list.size(); i++) {
            b.setRepeatedField(f, i, withoutNegativeZeros((Message) list.get(i)));
          }
        } else {
          b.setField(f, withoutNegativeZeros((Message) e.getValue()));
        }
      } else if (f.getJavaType() == FieldDescriptor.JavaType.DOUBLE) {
        if (f.isRepeated()) {
          List<?> list = (List<?>) e.getValue();
          for (int i = 0; i < list.size(); i++) {
            b.setRepeatedField(f, i, positiveZero((Double) list.get(i)));
          }
        } else {
          double d = positiveZero((Double) e.getValue());
          if (d == 0.0 && !f.hasPresence()) {
            b.clearField(f); // proto3: a plain 0.0 is "not set"
          } else {
            b.setField(f, d);
          }
        }
      }
    }
    return (M) b.build();
  }

  private static double positiveZero(double d) {
    return d == 0.0 ? 0.0 : d;
  }

  private static void check(boolean ok, String path, String what) {
    if (!ok) {
      throw new AssertionError("decoded request breaks a limit at " + path + ": " + what);
    }
  }
}
