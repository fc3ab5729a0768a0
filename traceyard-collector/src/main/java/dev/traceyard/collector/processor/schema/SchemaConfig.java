package dev.traceyard.collector.processor.schema;

import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Settings of the {@code schema} processor: the rules a gateway enforces on incoming spans and the
 * action each takes on a violation. A rule that is not configured is off.
 */
public record SchemaConfig(RefuseMode refuseMode, String tagAttribute, KeyRule required, KeyRule allowed,
    KeyRule denied, LimitRule maxValueLength, LimitRule maxAttributes) {

  public SchemaConfig {
    Objects.requireNonNull(refuseMode, "refuseMode");
    Objects.requireNonNull(tagAttribute, "tagAttribute");
  }

  /** What a rule does with violating data. */
  public enum Action {
    /** Repair it: drop the offending key, truncate the value, drop attributes beyond the limit. */
    FIX,
    /** Pass it on with the rule's name added to the tag attribute of each affected span. */
    TAG,
    /** Refuse the affected spans (see {@link RefuseMode}). */
    REFUSE
  }

  /** How refusals reach the client. */
  public enum RefuseMode {
    /** Drop the offending spans, pass the rest on, and report the drop as an OTLP partial success. */
    DROP_SPANS,
    /** Refuse the whole request as a permanent error (gRPC INVALID_ARGUMENT / HTTP 400 family) when any span is refused. */
    REJECT_REQUEST
  }

  /** Rule names, as written in config and as the {@code rule} label of the metrics. */
  static final String REQUIRED = "required_resource_attributes";
  static final String ALLOWED = "allowed_attribute_keys";
  static final String DENIED = "denied_attribute_keys";
  static final String MAX_VALUE_LENGTH = "max_attribute_value_length";
  static final String MAX_ATTRIBUTES = "max_attributes_per_span";

  /** A rule over attribute keys: literal keys in a set, globs and regexes as patterns. */
  public record KeyRule(String name, Action action, Set<String> exact, List<Pattern> patterns) {
    public KeyRule {
      exact = Set.copyOf(exact);
      patterns = List.copyOf(patterns);
    }

    boolean matches(String key) {
      if (exact.contains(key)) {
        return true;
      }
      for (Pattern p : patterns) {
        if (p.matcher(key).matches()) {
          return true;
        }
      }
      return false;
    }
  }

  /** A numeric limit rule. */
  public record LimitRule(String name, Action action, int limit) {}
}
