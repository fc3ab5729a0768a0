package dev.traceyard.collector.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A config mapping read by a component's config parser. Every accessor records the key it read, so
 * that after parsing, keys nobody read are reported as errors that name their path instead of being
 * silently ignored. Accessors never throw: a bad value is recorded in {@link ConfigErrors} and the
 * default is returned, so one parse reports every mistake.
 */
public final class ConfigNode {
  private final JsonNode node;
  private final String path;
  private final ConfigErrors errors;
  private final Set<String> read = new LinkedHashSet<>();
  private final List<ConfigNode> children = new ArrayList<>();

  private ConfigNode(JsonNode node, String path, ConfigErrors errors) {
    this.node = node;
    this.path = path;
    this.errors = errors;
  }

  /** Wraps a mapping (or null/missing, read as empty). A non-mapping is reported as an error. */
  public static ConfigNode of(JsonNode node, String path, ConfigErrors errors) {
    if (node != null && !node.isNull() && !node.isMissingNode() && !node.isObject()) {
      errors.add(path, "expected a mapping, got " + describe(node));
      node = null;
    }
    return new ConfigNode(node == null || node.isNull() ? JsonNodeFactory.instance.objectNode() : node, path, errors);
  }

  /** An empty mapping at {@code path}: for components configured with no keys. */
  public static ConfigNode empty(String path, ConfigErrors errors) {
    return new ConfigNode(JsonNodeFactory.instance.objectNode(), path, errors);
  }

  public String path() {
    return path;
  }

  /** The path of a key under this node, e.g. {@code receivers.otlp.protocols}. */
  public String pathOf(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  public ConfigErrors errors() {
    return errors;
  }

  public boolean has(String key) {
    read.add(key);
    JsonNode v = node.get(key);
    return v != null;
  }

  /** True when the key is present, even with a null value (e.g. {@code grpc:} under protocols). */
  public boolean isSet(String key) {
    return has(key);
  }

  public Set<String> keys() {
    Set<String> keys = new LinkedHashSet<>();
    node.fieldNames().forEachRemaining(keys::add);
    return keys;
  }

  /** Records an error about {@code key} (or about this node when key is null). */
  public void error(String key, String message) {
    errors.add(key == null ? path : pathOf(key), message);
  }

  public String string(String key, String defaultValue) {
    JsonNode v = value(key);
    if (v == null) {
      return defaultValue;
    }
    if (!v.isValueNode()) {
      error(key, "expected a string, got " + describe(v));
      return defaultValue;
    }
    return v.asText();
  }

  /** A string that must be present and non-empty. */
  public String requiredString(String key) {
    String s = string(key, null);
    if (s == null || s.isEmpty()) {
      if (s == null && node.get(key) == null) {
        error(key, "is required");
      } else if (s != null) {
        error(key, "must not be empty");
      }
      return null;
    }
    return s;
  }

  /** A string that must be one of {@code allowed}. */
  public String oneOf(String key, String defaultValue, String... allowed) {
    String s = string(key, defaultValue);
    if (s != null && !Arrays.asList(allowed).contains(s)) {
      error(key, "unknown value '" + s + "' (expected one of: " + String.join(", ", allowed) + ")");
      return defaultValue;
    }
    return s;
  }

  public boolean bool(String key, boolean defaultValue) {
    JsonNode v = value(key);
    if (v == null) {
      return defaultValue;
    }
    if (v.isBoolean()) {
      return v.booleanValue();
    }
    if (v.isTextual() && (v.asText().equals("true") || v.asText().equals("false"))) {
      return Boolean.parseBoolean(v.asText());
    }
    error(key, "expected true or false, got " + describe(v));
    return defaultValue;
  }

  public long longValue(String key, long defaultValue) {
    JsonNode v = value(key);
    if (v == null) {
      return defaultValue;
    }
    if (v.isIntegralNumber() && v.canConvertToLong()) {
      return v.longValue();
    }
    if (v.isTextual()) {
      try {
        return Long.parseLong(v.asText().trim());
      } catch (NumberFormatException e) {
        // reported below
      }
    }
    error(key, "expected an integer, got " + describe(v));
    return defaultValue;
  }

  /** An integer within {@code [min, max]}. */
  public long longInRange(String key, long defaultValue, long min, long max) {
    long v = longValue(key, defaultValue);
    if (v < min || v > max) {
      error(key, "must be between " + min + " and " + max + ", got " + v);
      return defaultValue;
    }
    return v;
  }

  public int intValue(String key, int defaultValue) {
    return (int) longInRange(key, defaultValue, Integer.MIN_VALUE, Integer.MAX_VALUE);
  }

  /** An integer that must be at least {@code min}. */
  public int intAtLeast(String key, int defaultValue, int min) {
    return (int) longInRange(key, defaultValue, min, Integer.MAX_VALUE);
  }

  public double doubleValue(String key, double defaultValue) {
    JsonNode v = value(key);
    if (v == null) {
      return defaultValue;
    }
    if (v.isNumber()) {
      return v.doubleValue();
    }
    if (v.isTextual()) {
      try {
        return Double.parseDouble(v.asText().trim());
      } catch (NumberFormatException e) {
        // reported below
      }
    }
    error(key, "expected a number, got " + describe(v));
    return defaultValue;
  }

  /** A Go-style duration ({@code 200ms}, {@code 5s}, {@code 1m30s}); a bare integer is read as nanoseconds, as Go does. */
  public Duration duration(String key, Duration defaultValue) {
    JsonNode v = value(key);
    if (v == null) {
      return defaultValue;
    }
    if (v.isIntegralNumber()) {
      return Duration.ofNanos(v.longValue());
    }
    if (!v.isTextual()) {
      error(key, "expected a duration such as 5s, got " + describe(v));
      return defaultValue;
    }
    try {
      return Durations.parse(v.asText());
    } catch (IllegalArgumentException e) {
      error(key, e.getMessage());
      return defaultValue;
    }
  }

  /** A duration that must not be negative. */
  public Duration nonNegativeDuration(String key, Duration defaultValue) {
    Duration d = duration(key, defaultValue);
    if (d != null && d.isNegative()) {
      error(key, "must not be negative, got " + Durations.format(d));
      return defaultValue;
    }
    return d;
  }

  /** A nested mapping; absent or null reads as empty. */
  public ConfigNode child(String key) {
    read.add(key);
    ConfigNode c = ConfigNode.of(node.get(key), pathOf(key), errors);
    children.add(c);
    return c;
  }

  /** A list of mappings, each child at {@code key[i]}. */
  public List<ConfigNode> list(String key) {
    JsonNode v = value(key);
    if (v == null) {
      return List.of();
    }
    if (!v.isArray()) {
      error(key, "expected a list, got " + describe(v));
      return List.of();
    }
    List<ConfigNode> out = new ArrayList<>();
    for (int i = 0; i < v.size(); i++) {
      ConfigNode c = ConfigNode.of(v.get(i), pathOf(key) + "[" + i + "]", errors);
      children.add(c);
      out.add(c);
    }
    return out;
  }

  /** A list of scalars; a single scalar is not accepted (the Collector does not either). */
  public List<String> stringList(String key) {
    JsonNode v = value(key);
    if (v == null) {
      return List.of();
    }
    if (!v.isArray()) {
      error(key, "expected a list, got " + describe(v));
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < v.size(); i++) {
      JsonNode e = v.get(i);
      if (!e.isValueNode() || e.isNull()) {
        errors.add(pathOf(key) + "[" + i + "]", "expected a string, got " + describe(e));
      } else {
        out.add(e.asText());
      }
    }
    return out;
  }

  /** A mapping of string keys to string values (headers and similar); its keys are not checked. */
  public Map<String, String> stringMap(String key) {
    JsonNode v = value(key);
    if (v == null) {
      return Map.of();
    }
    if (!v.isObject()) {
      error(key, "expected a mapping, got " + describe(v));
      return Map.of();
    }
    Map<String, String> out = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = v.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isValueNode() || e.getValue().isNull()) {
        errors.add(pathOf(key) + "." + e.getKey(), "expected a string, got " + describe(e.getValue()));
      } else {
        out.put(e.getKey(), e.getValue().asText());
      }
    }
    return Collections.unmodifiableMap(out);
  }

  /** The raw value, for parsers that need a shape this class does not cover. Marks the key as read. */
  public JsonNode raw(String key) {
    return value(key);
  }

  /** Marks a key as known without reading it (for keys accepted for compatibility and ignored on purpose). */
  public void ignore(String key) {
    read.add(key);
  }

  /** Reports every key of this node and its children that no parser read. */
  public void reportUnknownKeys() {
    Set<String> known = new TreeSet<>(read);
    for (String k : keys()) {
      if (!read.contains(k)) {
        errors.add(pathOf(k), "unknown key '" + k + "'"
            + (known.isEmpty() ? " (this component takes no settings)" : " (known keys: " + String.join(", ", known) + ")"));
      }
    }
    for (ConfigNode c : children) {
      c.reportUnknownKeys();
    }
  }

  private JsonNode value(String key) {
    read.add(key);
    JsonNode v = node.get(key);
    return v == null || v.isNull() ? null : v;
  }

  static String describe(JsonNode v) {
    if (v == null || v.isNull()) {
      return "nothing";
    }
    if (v.isObject()) {
      return "a mapping";
    }
    if (v.isArray()) {
      return "a list";
    }
    return "'" + v.asText() + "'";
  }

  /** For tests and tools that build configs in code. */
  public static ConfigNode ofMap(ObjectNode node, String path, ConfigErrors errors) {
    return of(node, path, errors);
  }
}
