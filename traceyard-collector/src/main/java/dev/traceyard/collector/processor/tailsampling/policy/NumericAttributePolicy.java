package dev.traceyard.collector.processor.tailsampling.policy;

import io.opentelemetry.proto.common.v1.AnyValue;
import java.util.function.Predicate;

/**
 * Matches integer attributes within {@code [min_value, max_value]} (an absent bound is open). Double
 * attributes are compared by value too, where otelcol would read them as 0.
 */
final class NumericAttributePolicy implements Policy {
  private final AttributeMatcher matcher;
  private final Predicate<AnyValue> accepts;

  NumericAttributePolicy(String key, Long min, Long max, boolean invert) {
    this.matcher = new AttributeMatcher(key, invert);
    long lo = min == null ? Long.MIN_VALUE : min;
    long hi = max == null ? Long.MAX_VALUE : max;
    this.accepts = v -> {
      switch (v.getValueCase()) {
        case INT_VALUE:
          return v.getIntValue() >= lo && v.getIntValue() <= hi;
        case DOUBLE_VALUE:
          return v.getDoubleValue() >= lo && v.getDoubleValue() <= hi;
        default:
          return false;
      }
    };
  }

  @Override
  public Decision evaluate(TraceData trace) {
    return matcher.evaluate(trace, accepts);
  }
}
