package dev.traceyard.collector.processor.tailsampling.policy;

import dev.traceyard.collector.config.ConfigNode;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads {@code policies} with otelcol's keys: each entry has {@code name}, {@code type} and a mapping
 * named after the type ({@code latency: {threshold_ms: 500}}). Every mistake is recorded in the node
 * with its path; a policy with errors is left out of the result (the config as a whole is then invalid).
 */
public final class PolicyConfigParser {
  /** The types this build evaluates, in the order the error message lists them. */
  static final String[] TYPES = {"always_sample", "latency", "status_code", "probabilistic", "rate_limiting",
      "bytes_limiting", "string_attribute", "numeric_attribute", "boolean_attribute", "span_count", "trace_state",
      "trace_flags", "and", "not", "drop", "composite"};

  /** otelcol types this build does not evaluate: named in a clearer error than "unknown value". */
  private static final Map<String, String> UNSUPPORTED = Map.of(
      "ottl_condition", "OTTL conditions are not supported by this build; use the attribute, status_code "
          + "or latency policies");

  /** Where a policy sits decides which types it may have. */
  private enum Level { TOP, COMPOSITE_SUB, NESTED }

  private PolicyConfigParser() {}

  /** Reads the required, non-empty {@code policies} list of {@code node}. */
  public static List<PolicyConfig> parsePolicies(ConfigNode node) {
    if (!node.has("policies")) {
      node.error("policies", "is required: list at least one policy (e.g. {name: errors, type: status_code, "
          + "status_code: {status_codes: [ERROR]}})");
      return List.of();
    }
    List<ConfigNode> entries = node.list("policies");
    if (entries.isEmpty() && node.errors().list().stream().noneMatch(e -> e.startsWith(node.pathOf("policies")))) {
      node.error("policies", "must list at least one policy");
    }
    List<PolicyConfig> out = new ArrayList<>();
    Map<String, String> seen = new HashMap<>();
    for (ConfigNode entry : entries) {
      PolicyConfig p = parse(entry, Level.TOP);
      String name = entry.string("name", null);
      if (name != null && !name.isEmpty()) {
        String previous = seen.putIfAbsent(name, entry.path());
        if (previous != null) {
          entry.error("name", "duplicate policy name '" + name + "' (also used by " + previous + ")");
          p = null;
        }
      }
      if (p != null) {
        out.add(p);
      }
    }
    return out;
  }

  private static PolicyConfig parse(ConfigNode node, Level level) {
    int errorsBefore = node.errors().list().size();
    String type = node.string("type", null);
    String name = node.string("name", null);
    if (name == null || name.isEmpty()) {
      if (level == Level.NESTED) {
        name = type == null ? "" : type;
      } else if (node.has("name")) {
        node.error("name", "must not be empty");
      } else {
        node.error("name", "is required");
      }
    }
    if (type == null) {
      node.error("type", node.has("type") ? "must not be empty" : "is required (one of: " + String.join(", ", TYPES) + ")");
      markTypeKeys(node, null);
      return null;
    }
    if (UNSUPPORTED.containsKey(type)) {
      node.error("type", "'" + type + "' is not supported: " + UNSUPPORTED.get(type));
      markTypeKeys(node, null);
      return null;
    }
    if (node.oneOf("type", null, TYPES) == null) {
      markTypeKeys(node, null);
      return null;
    }
    if (level != Level.TOP && (type.equals("composite") || type.equals("drop"))) {
      node.error("type", "a '" + type + "' policy is only allowed in the top-level policies list");
      markTypeKeys(node, null);
      return null;
    }
    markTypeKeys(node, type);
    ConfigNode settings = node.child(type);
    PolicyConfig p = parseSettings(name, type, settings);
    return node.errors().list().size() > errorsBefore ? null : p;
  }

  /**
   * Marks the settings mappings of other types as read, recording an error for each one present:
   * otelcol ignores them silently, which hides a policy that does not do what its author meant.
   */
  private static void markTypeKeys(ConfigNode node, String type) {
    List<String> keys = new ArrayList<>(List.of(TYPES));
    keys.addAll(UNSUPPORTED.keySet());
    for (String k : keys) {
      if (!k.equals(type) && node.has(k) && type != null) {
        node.error(k, "is the setting of a '" + k + "' policy, but this policy's type is '" + type + "'");
      }
    }
  }

  private static PolicyConfig parseSettings(String name, String type, ConfigNode s) {
    switch (type) {
      case "always_sample":
        return new PolicyConfig.AlwaysSample(name);
      case "latency":
        return latency(name, s);
      case "status_code":
        return statusCode(name, s);
      case "probabilistic":
        return probabilistic(name, s);
      case "rate_limiting":
        return new PolicyConfig.RateLimiting(name, positive(s, "spans_per_second"));
      case "bytes_limiting":
        return bytesLimiting(name, s);
      case "string_attribute":
        return stringAttribute(name, s);
      case "numeric_attribute":
        return numericAttribute(name, s);
      case "boolean_attribute":
        return booleanAttribute(name, s);
      case "span_count":
        return spanCount(name, s);
      case "trace_state":
        return traceState(name, s);
      case "trace_flags":
        return new PolicyConfig.TraceFlags(name);
      case "and":
        return new PolicyConfig.And(name, subPolicies(s, "and_sub_policy", Level.NESTED));
      case "not":
        return not(name, s);
      case "drop":
        return new PolicyConfig.Drop(name, subPolicies(s, "drop_sub_policy", Level.NESTED));
      default:
        return composite(name, s);
    }
  }

  private static PolicyConfig latency(String name, ConfigNode s) {
    long threshold = s.longInRange("threshold_ms", 0, 0, Long.MAX_VALUE);
    long upper = s.longInRange("upper_threshold_ms", 0, 0, Long.MAX_VALUE);
    if (upper != 0 && upper <= threshold) {
      s.error("upper_threshold_ms", "must be greater than threshold_ms (" + threshold + "), got " + upper
          + " (0 means no upper bound)");
    }
    return new PolicyConfig.Latency(name, threshold, upper);
  }

  private static PolicyConfig statusCode(String name, ConfigNode s) {
    List<String> codes = s.stringList("status_codes");
    Set<Status.StatusCode> out = EnumSet.noneOf(Status.StatusCode.class);
    for (int i = 0; i < codes.size(); i++) {
      switch (codes.get(i)) {
        case "OK":
          out.add(Status.StatusCode.STATUS_CODE_OK);
          break;
        case "ERROR":
          out.add(Status.StatusCode.STATUS_CODE_ERROR);
          break;
        case "UNSET":
          out.add(Status.StatusCode.STATUS_CODE_UNSET);
          break;
        default:
          s.errors().add(s.pathOf("status_codes") + "[" + i + "]",
              "unknown value '" + codes.get(i) + "' (expected one of: OK, ERROR, UNSET)");
      }
    }
    if (codes.isEmpty()) {
      s.error("status_codes", "is required: list at least one of OK, ERROR, UNSET");
    }
    return new PolicyConfig.StatusCode(name, out);
  }

  private static PolicyConfig probabilistic(String name, ConfigNode s) {
    double pct = s.doubleValue("sampling_percentage", 0);
    if (!(pct >= 0 && pct <= 100)) {
      s.error("sampling_percentage", "must be between 0 and 100, got " + pct);
    }
    String salt = s.string("hash_salt", "");
    return new PolicyConfig.Probabilistic(name, pct,
        salt.isEmpty() ? PolicyConfig.Probabilistic.DEFAULT_HASH_SALT : salt);
  }

  private static PolicyConfig bytesLimiting(String name, ConfigNode s) {
    long rate = positive(s, "bytes_per_second");
    long burst = s.longInRange("burst_capacity", 0, 0, Long.MAX_VALUE);
    return new PolicyConfig.BytesLimiting(name, rate, burst == 0 ? saturatedDouble(rate) : burst);
  }

  private static long saturatedDouble(long v) {
    return v > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : v * 2;
  }

  private static PolicyConfig stringAttribute(String name, ConfigNode s) {
    String key = s.requiredString("key");
    List<String> values = s.stringList("values");
    boolean regex = s.bool("enabled_regex_matching", false);
    int cache = s.intAtLeast("cache_max_size", PolicyConfig.StringAttribute.DEFAULT_CACHE_MAX_SIZE, 0);
    boolean invert = s.bool("invert_match", false);
    if (values.isEmpty() && s.errors().list().stream().noneMatch(e -> e.startsWith(s.pathOf("values")))) {
      s.error("values", "is required: list at least one value" + (regex ? " or regular expression" : ""));
    }
    if (regex) {
      for (int i = 0; i < values.size(); i++) {
        try {
          Pattern.compile(values.get(i));
        } catch (PatternSyntaxException e) {
          s.errors().add(s.pathOf("values") + "[" + i + "]", "invalid regular expression '" + values.get(i) + "': "
              + e.getDescription());
        }
      }
    }
    return new PolicyConfig.StringAttribute(name, key, values, regex, cache == 0 ? PolicyConfig.StringAttribute
        .DEFAULT_CACHE_MAX_SIZE : cache, invert);
  }

  private static PolicyConfig numericAttribute(String name, ConfigNode s) {
    String key = s.requiredString("key");
    Long min = s.has("min_value") ? Long.valueOf(s.longValue("min_value", 0)) : null;
    Long max = s.has("max_value") ? Long.valueOf(s.longValue("max_value", 0)) : null;
    boolean invert = s.bool("invert_match", false);
    if (min == null && max == null) {
      s.error(null, "set min_value and/or max_value");
    } else if (min != null && max != null && min > max) {
      s.error("max_value", "must be greater than or equal to min_value (" + min + "), got " + max);
    }
    return new PolicyConfig.NumericAttribute(name, key, min, max, invert);
  }

  private static PolicyConfig booleanAttribute(String name, ConfigNode s) {
    String key = s.requiredString("key");
    if (!s.has("value")) {
      s.error("value", "is required (true or false)");
    }
    boolean value = s.bool("value", false);
    boolean invert = s.bool("invert_match", false);
    return new PolicyConfig.BooleanAttribute(name, key, value, invert);
  }

  private static PolicyConfig spanCount(String name, ConfigNode s) {
    int min = s.intAtLeast("min_spans", 0, 0);
    int max = s.intAtLeast("max_spans", 0, 0);
    if (min == 0 && max == 0) {
      s.error(null, "set min_spans and/or max_spans");
    } else if (max != 0 && max < min) {
      s.error("max_spans", "must be greater than or equal to min_spans (" + min + "), got " + max
          + " (0 means no upper bound)");
    }
    return new PolicyConfig.SpanCount(name, min, max);
  }

  private static PolicyConfig traceState(String name, ConfigNode s) {
    String key = s.requiredString("key");
    List<String> values = s.stringList("values");
    if (values.isEmpty() && s.errors().list().stream().noneMatch(e -> e.startsWith(s.pathOf("values")))) {
      s.error("values", "is required: list at least one value");
    }
    return new PolicyConfig.TraceState(name, key, values);
  }

  private static PolicyConfig not(String name, ConfigNode s) {
    if (!s.has("not_sub_policy")) {
      s.error("not_sub_policy", "is required: the one policy whose decision is inverted");
      return null;
    }
    return new PolicyConfig.Not(name, parse(s.child("not_sub_policy"), Level.NESTED));
  }

  private static List<PolicyConfig> subPolicies(ConfigNode s, String key, Level level) {
    return subPolicies(s, key, level, new boolean[1]);
  }

  /** Sets {@code complete[0]} when every entry parsed without error. */
  private static List<PolicyConfig> subPolicies(ConfigNode s, String key, Level level, boolean[] complete) {
    if (!s.has(key)) {
      s.error(key, "is required: list at least one policy");
      return List.of();
    }
    int errorsBefore = s.errors().list().size();
    List<ConfigNode> entries = s.list(key);
    if (entries.isEmpty() && s.errors().list().size() == errorsBefore) {
      s.error(key, "must list at least one policy");
    }
    List<PolicyConfig> out = new ArrayList<>();
    for (ConfigNode entry : entries) {
      PolicyConfig p = parse(entry, level);
      if (p != null) {
        out.add(p);
      }
    }
    complete[0] = out.size() == entries.size();
    return out;
  }

  private static PolicyConfig composite(String name, ConfigNode s) {
    long max = positive(s, "max_total_spans_per_second");
    List<String> order = s.stringList("policy_order");
    boolean[] complete = new boolean[1];
    List<PolicyConfig> subs = subPolicies(s, "composite_sub_policy", Level.COMPOSITE_SUB, complete);
    Set<String> names = new HashSet<>();
    for (PolicyConfig p : subs) {
      if (!names.add(p.name())) {
        s.error("composite_sub_policy", "duplicate sub-policy name '" + p.name() + "'");
      }
    }
    Set<String> ordered = new HashSet<>();
    for (int i = 0; i < order.size(); i++) {
      String path = s.pathOf("policy_order") + "[" + i + "]";
      if (!ordered.add(order.get(i))) {
        s.errors().add(path, "'" + order.get(i) + "' is listed twice");
      } else if (!names.contains(order.get(i)) && complete[0]) {
        s.errors().add(path, "'" + order.get(i) + "' is not the name of a composite_sub_policy (known: "
            + String.join(", ", subs.stream().map(PolicyConfig::name).toList()) + ")");
      }
    }
    List<PolicyConfig.RateAllocation> allocations = new ArrayList<>();
    long total = 0;
    Set<String> allocated = new HashSet<>();
    for (ConfigNode a : s.list("rate_allocation")) {
      String policy = a.requiredString("policy");
      long percent = a.longInRange("percent", 0, 0, 100);
      if (policy != null) {
        if (!names.contains(policy) && complete[0]) {
          a.error("policy", "'" + policy + "' is not the name of a composite_sub_policy");
        } else if (!allocated.add(policy)) {
          a.error("policy", "'" + policy + "' already has a rate allocation");
        }
        allocations.add(new PolicyConfig.RateAllocation(policy, percent));
      }
      total += percent;
    }
    if (total > 100) {
      s.error("rate_allocation", "the percentages add up to " + total + ", more than 100");
    }
    return new PolicyConfig.Composite(name, max, order, subs, allocations);
  }

  private static long positive(ConfigNode s, String key) {
    if (!s.has(key)) {
      s.error(key, "is required (a number greater than 0)");
      return 1;
    }
    return s.longInRange(key, 1, 1, Long.MAX_VALUE);
  }
}
