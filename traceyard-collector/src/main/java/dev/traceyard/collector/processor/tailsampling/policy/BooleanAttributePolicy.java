package dev.traceyard.collector.processor.tailsampling.policy;

import io.opentelemetry.proto.common.v1.AnyValue;
import java.util.function.Predicate;

/** Matches boolean attributes equal to {@code value}. */
final class BooleanAttributePolicy implements Policy {
  private final AttributeMatcher matcher;
  private final Predicate<AnyValue> accepts;

  BooleanAttributePolicy(String key, boolean value, boolean invert) {
    this.matcher = new AttributeMatcher(key, invert);
    this.accepts = v -> v.getValueCase() == AnyValue.ValueCase.BOOL_VALUE && v.getBoolValue() == value;
  }

  @Override
  public Decision evaluate(TraceData trace) {
    return matcher.evaluate(trace, accepts);
  }
}
