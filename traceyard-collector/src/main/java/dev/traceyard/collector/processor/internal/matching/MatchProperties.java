package dev.traceyard.collector.processor.internal.matching;

import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.ConfigNode;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One {@code include} or {@code exclude} block of otelcol's match config: {@code match_type}
 * ({@code strict} or {@code regexp}, required) and properties that must all match ({@code services},
 * {@code span_names}, {@code span_kinds}, {@code attributes}, {@code resources}, {@code libraries},
 * {@code log_bodies}, {@code log_severity_texts}, {@code log_severity_number}, {@code metric_names}).
 * Within a list one item must match, except {@code attributes} and {@code resources}, where every
 * listed key must. Regular expressions match anywhere in the value (unanchored), as in Go.
 */
public final class MatchProperties {
  private static final Map<Signal, Set<String>> ALLOWED = new EnumMap<>(Signal.class);

  static {
    ALLOWED.put(Signal.TRACES, Set.of("services", "span_names", "span_kinds", "attributes", "resources", "libraries"));
    ALLOWED.put(Signal.LOGS, Set.of("log_bodies", "log_severity_texts", "log_severity_number", "attributes",
        "resources", "libraries"));
    ALLOWED.put(Signal.METRICS, Set.of("metric_names", "resources"));
  }

  private static final List<String> SPAN_KINDS = List.of("UNSPECIFIED", "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER");

  private final String path;
  private final Set<String> used;
  private final StringMatcher services;
  private final StringMatcher spanNames;
  private final StringMatcher spanKinds;
  private final StringMatcher logBodies;
  private final StringMatcher logSeverityTexts;
  private final StringMatcher metricNames;
  private final List<AttributeMatcher> attributes;
  private final List<AttributeMatcher> resources;
  private final List<LibraryMatcher> libraries;
  private final Integer severityMin;
  private final boolean severityMatchUndefined;

  private MatchProperties(String path, Set<String> used, StringMatcher services, StringMatcher spanNames,
      StringMatcher spanKinds, StringMatcher logBodies, StringMatcher logSeverityTexts, StringMatcher metricNames,
      List<AttributeMatcher> attributes, List<AttributeMatcher> resources, List<LibraryMatcher> libraries,
      Integer severityMin, boolean severityMatchUndefined) {
    this.path = path;
    this.used = used;
    this.services = services;
    this.spanNames = spanNames;
    this.spanKinds = spanKinds;
    this.logBodies = logBodies;
    this.logSeverityTexts = logSeverityTexts;
    this.metricNames = metricNames;
    this.attributes = attributes;
    this.resources = resources;
    this.libraries = libraries;
    this.severityMin = severityMin;
    this.severityMatchUndefined = severityMatchUndefined;
  }

  /** Parses {@code node} (an include or exclude block); errors are recorded in the node. */
  public static MatchProperties parse(ConfigNode node) {
    String matchType = node.oneOf("match_type", null, "strict", "regexp");
    if (matchType == null && !node.has("match_type")) {
      node.error("match_type", "is required (strict or regexp)");
    }
    boolean regexp = "regexp".equals(matchType);
    ConfigNode regexpNode = node.child("regexp");
    // otelcol's regexp cache settings: accepted; patterns are compiled once, so there is nothing to cache.
    regexpNode.bool("cacheenabled", false);
    regexpNode.intAtLeast("cachemaxnumentries", 0, 0);
    if (!regexp && !regexpNode.keys().isEmpty()) {
      node.error("regexp", "only applies with match_type: regexp");
    }
    Set<String> used = new LinkedHashSet<>();
    StringMatcher services = strings(node, "services", regexp, used, false);
    StringMatcher spanNames = strings(node, "span_names", regexp, used, false);
    StringMatcher spanKinds = strings(node, "span_kinds", regexp, used, true);
    StringMatcher logBodies = strings(node, "log_bodies", regexp, used, false);
    StringMatcher logSeverityTexts = strings(node, "log_severity_texts", regexp, used, false);
    StringMatcher metricNames = strings(node, "metric_names", regexp, used, false);
    List<AttributeMatcher> attributes = attributes(node, "attributes", regexp, used);
    List<AttributeMatcher> resources = attributes(node, "resources", regexp, used);
    List<LibraryMatcher> libraries = libraries(node, regexp, used);
    Integer severityMin = null;
    boolean matchUndefined = false;
    if (node.has("log_severity_number")) {
      ConfigNode sev = node.child("log_severity_number");
      severityMin = severity(sev, "min");
      matchUndefined = sev.bool("match_undefined", false);
      used.add("log_severity_number");
    }
    if (used.isEmpty()) {
      node.error(null, "at least one of services, span_names, span_kinds, attributes, resources, libraries, "
          + "log_bodies, log_severity_texts, log_severity_number or metric_names must be set");
    } else if (ALLOWED.values().stream().noneMatch(a -> a.containsAll(used))) {
      node.error(null, "cannot combine " + String.join(", ", used)
          + ": no pipeline type accepts all of them (traces: services, span_names, span_kinds, attributes, resources, "
          + "libraries; logs: log_bodies, log_severity_texts, log_severity_number, attributes, resources, libraries; "
          + "metrics: metric_names, resources)");
    }
    return new MatchProperties(node.path(), used, services, spanNames, spanKinds, logBodies, logSeverityTexts,
        metricNames, attributes, resources, libraries, severityMin, matchUndefined);
  }

  /** Null when these properties can be used in a pipeline of {@code signal}, else why not. */
  public String incompatibility(Signal signal) {
    Set<String> wrong = new LinkedHashSet<>(used);
    wrong.removeAll(ALLOWED.get(signal));
    if (wrong.isEmpty()) {
      return null;
    }
    return path + ": " + String.join(", ", wrong) + (wrong.size() == 1 ? " does" : " do") + " not apply to "
        + signal.configName() + " (" + signal.configName() + " take: " + String.join(", ", new java.util.TreeSet<>(ALLOWED.get(signal))) + ")";
  }

  public boolean matchesSpan(Resource resource, InstrumentationScope scope, Span span) {
    if (services != null && !services.matches(serviceName(resource))) {
      return false;
    }
    if (spanNames != null && !spanNames.matches(span.getName())) {
      return false;
    }
    if (spanKinds != null && !spanKindMatches(span.getKindValue())) {
      return false;
    }
    return common(resource, scope, span.getAttributesList());
  }

  public boolean matchesLog(Resource resource, InstrumentationScope scope, LogRecord log) {
    if (logBodies != null && !(log.getBody().hasStringValue() && logBodies.matches(log.getBody().getStringValue()))) {
      return false;
    }
    if (logSeverityTexts != null && !logSeverityTexts.matches(log.getSeverityText())) {
      return false;
    }
    if (severityMin != null) {
      int sev = log.getSeverityNumberValue();
      if (sev == 0 ? !severityMatchUndefined : sev < severityMin) {
        return false;
      }
    }
    return common(resource, scope, log.getAttributesList());
  }

  public boolean matchesMetric(Resource resource, InstrumentationScope scope, Metric metric) {
    if (metricNames != null && !metricNames.matches(metric.getName())) {
      return false;
    }
    return common(resource, scope, List.of());
  }

  private boolean common(Resource resource, InstrumentationScope scope, List<KeyValue> itemAttributes) {
    for (AttributeMatcher m : resources) {
      if (!m.matches(resource.getAttributesList())) {
        return false;
      }
    }
    for (AttributeMatcher m : attributes) {
      if (!m.matches(itemAttributes)) {
        return false;
      }
    }
    if (!libraries.isEmpty()) {
      boolean any = false;
      for (LibraryMatcher l : libraries) {
        if (l.matches(scope)) {
          any = true;
          break;
        }
      }
      return any;
    }
    return true;
  }

  private boolean spanKindMatches(int kind) {
    String name = kind >= 0 && kind < SPAN_KINDS.size() ? SPAN_KINDS.get(kind) : "UNSPECIFIED";
    // Accept the proto enum name (SPAN_KIND_SERVER) and otelcol's pdata form (Server).
    return spanKinds.matches("SPAN_KIND_" + name)
        || spanKinds.matches(name.charAt(0) + name.substring(1).toLowerCase(Locale.ROOT));
  }

  private static String serviceName(Resource resource) {
    String s = AnyValues.stringAttribute(resource.getAttributesList(), "service.name");
    return s == null ? "" : s;
  }

  // ---- parsing ----

  private static StringMatcher strings(ConfigNode node, String key, boolean regexp, Set<String> used, boolean kinds) {
    if (!node.has(key)) {
      return null;
    }
    List<String> values = node.stringList(key);
    if (values.isEmpty()) {
      return null;
    }
    used.add(key);
    if (!regexp) {
      Set<String> set = new HashSet<>();
      for (int i = 0; i < values.size(); i++) {
        String v = values.get(i);
        if (kinds) {
          String canonical = canonicalKind(v);
          if (canonical == null) {
            node.errors().add(node.pathOf(key) + "[" + i + "]", "unknown span kind '" + v
                + "' (expected SPAN_KIND_INTERNAL, SPAN_KIND_SERVER, SPAN_KIND_CLIENT, SPAN_KIND_PRODUCER, "
                + "SPAN_KIND_CONSUMER or SPAN_KIND_UNSPECIFIED)");
            continue;
          }
          set.add(canonical);
        } else {
          set.add(v);
        }
      }
      return kinds ? value -> set.contains(canonicalKind(value)) : set::contains;
    }
    List<Pattern> patterns = new ArrayList<>();
    for (int i = 0; i < values.size(); i++) {
      Pattern p = compile(node, node.pathOf(key) + "[" + i + "]", values.get(i));
      if (p != null) {
        patterns.add(p);
      }
    }
    return value -> {
      for (Pattern p : patterns) {
        if (p.matcher(value).find()) {
          return true;
        }
      }
      return false;
    };
  }

  private static String canonicalKind(String v) {
    String upper = v.toUpperCase(Locale.ROOT);
    if (upper.startsWith("SPAN_KIND_")) {
      upper = upper.substring("SPAN_KIND_".length());
    }
    return SPAN_KINDS.contains(upper) ? "SPAN_KIND_" + upper : null;
  }

  private static List<AttributeMatcher> attributes(ConfigNode node, String key, boolean regexp, Set<String> used) {
    List<ConfigNode> items = node.list(key);
    if (items.isEmpty()) {
      return List.of();
    }
    used.add(key);
    List<AttributeMatcher> out = new ArrayList<>();
    for (ConfigNode item : items) {
      String k = item.requiredString("key");
      com.fasterxml.jackson.databind.JsonNode raw = item.raw("value");
      if (k == null) {
        continue;
      }
      if (raw == null) {
        out.add(new AttributeMatcher(k, null, null));
      } else if (regexp) {
        if (!raw.isTextual()) {
          item.error("value", "must be a string (a regular expression) with match_type: regexp");
          continue;
        }
        Pattern p = compile(item, item.pathOf("value"), raw.asText());
        if (p != null) {
          out.add(new AttributeMatcher(k, null, p));
        }
      } else if (raw.isValueNode()) {
        out.add(new AttributeMatcher(k, ConfigValues.toAnyValue(raw), null));
      } else {
        item.error("value", "expected a string, number or boolean");
      }
    }
    return out;
  }

  private static List<LibraryMatcher> libraries(ConfigNode node, boolean regexp, Set<String> used) {
    List<ConfigNode> items = node.list("libraries");
    if (items.isEmpty()) {
      return List.of();
    }
    used.add("libraries");
    List<LibraryMatcher> out = new ArrayList<>();
    for (ConfigNode item : items) {
      String name = item.requiredString("name");
      String version = item.has("version") ? item.string("version", "") : null;
      if (name == null) {
        continue;
      }
      if (regexp) {
        Pattern n = compile(item, item.pathOf("name"), name);
        Pattern v = version == null ? null : compile(item, item.pathOf("version"), version);
        if (n != null) {
          out.add(scope -> n.matcher(scope.getName()).find() && (v == null || v.matcher(scope.getVersion()).find()));
        }
      } else {
        out.add(scope -> scope.getName().equals(name) && (version == null || scope.getVersion().equals(version)));
      }
    }
    return out;
  }

  private static Integer severity(ConfigNode node, String key) {
    com.fasterxml.jackson.databind.JsonNode raw = node.raw(key);
    if (raw == null) {
      node.error(key, "is required: the lowest severity number to match (1-24) or a name such as INFO or WARN");
      return null;
    }
    Integer n = raw.canConvertToInt() && raw.isIntegralNumber() ? Integer.valueOf(raw.intValue()) : SeverityNumbers.parse(raw.asText());
    if (n == null || n < 1 || n > 24) {
      node.error(key, "unknown severity '" + raw.asText() + "' (expected 1-24 or a name such as INFO, WARN2, ERROR)");
      return null;
    }
    return n;
  }

  static Pattern compile(ConfigNode node, String path, String regex) {
    try {
      return Regexes.compile(regex).pattern();
    } catch (PatternSyntaxException e) {
      node.errors().add(path, Regexes.describe(e));
      return null;
    }
  }

  @FunctionalInterface
  private interface StringMatcher {
    boolean matches(String value);
  }

  @FunctionalInterface
  private interface LibraryMatcher {
    boolean matches(InstrumentationScope scope);
  }

  /** A key that must be present, with an equal value (strict) or a value the pattern finds (regexp), if given. */
  private record AttributeMatcher(String key, AnyValue value, Pattern pattern) {
    boolean matches(List<KeyValue> attributes) {
      AnyValue v = AnyValues.attribute(attributes, key);
      if (v == null) {
        return false;
      }
      if (pattern != null) {
        return pattern.matcher(AnyValues.asString(v)).find();
      }
      return value == null || ConfigValues.sameValue(value, v);
    }
  }
}
