package dev.traceyard.collector.processor.attributes;

import com.fasterxml.jackson.databind.JsonNode;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.processor.internal.matching.AnyValues;
import dev.traceyard.collector.processor.internal.matching.AttrMap;
import dev.traceyard.collector.processor.internal.matching.ConfigValues;
import dev.traceyard.collector.processor.internal.matching.Regexes;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * otelcol's attribute actions, shared by the {@code attributes} processor (on spans, log records and
 * data points) and the {@code resource} processor (on resources). Actions run in config order, each
 * seeing what the ones before it did:
 *
 * <ul>
 *   <li>{@code insert} / {@code update} / {@code upsert}: set {@code key} when absent / present /
 *       always, from {@code value}, {@code from_attribute} or, when that attribute is absent,
 *       {@code default_value};
 *   <li>{@code delete}: remove {@code key} and every key {@code pattern} matches;
 *   <li>{@code hash}: replace the value of {@code key} (and of keys {@code pattern} matches) with the
 *       hex SHA-1 of its string form;
 *   <li>{@code extract}: run {@code pattern} over the string value of {@code key} and upsert one
 *       attribute per named group;
 *   <li>{@code convert}: change the value of {@code key} to {@code converted_type} (int, double,
 *       string); a value that does not convert stays as it is.
 * </ul>
 *
 * {@code from_context} is refused at config time: Traceyard batches carry no request metadata.
 */
public final class AttributeActions {
  private static final String[] ACTIONS = {"insert", "update", "upsert", "delete", "hash", "extract", "convert"};

  private final List<Action> actions;

  private AttributeActions(List<Action> actions) {
    this.actions = List.copyOf(actions);
  }

  public int size() {
    return actions.size();
  }

  /**
   * Reads the action list at {@code key} of {@code node}; an absent or empty list is an error, as
   * the processors have nothing to do without one.
   */
  public static AttributeActions parse(ConfigNode node, String key) {
    List<ConfigNode> items = node.list(key);
    if (items.isEmpty()) {
      node.error(key, "is required: list at least one action");
    }
    List<Action> out = new ArrayList<>();
    for (ConfigNode item : items) {
      Action a = parseAction(item);
      if (a != null) {
        out.add(a);
      }
    }
    return new AttributeActions(out);
  }

  private static Action parseAction(ConfigNode n) {
    String rawAction = n.string("action", null);
    String key = n.string("key", null);
    JsonNode value = n.raw("value");
    String fromAttribute = n.string("from_attribute", null);
    String fromContext = n.string("from_context", null);
    JsonNode defaultValue = n.raw("default_value");
    String pattern = n.string("pattern", null);
    String convertedType = n.string("converted_type", null);
    if (rawAction == null) {
      n.error("action", "is required (one of: " + String.join(", ", ACTIONS) + ")");
      return null;
    }
    String action = rawAction.toLowerCase(Locale.ROOT);
    if (!List.of(ACTIONS).contains(action)) {
      n.error("action", "unknown value '" + rawAction + "' (expected one of: " + String.join(", ", ACTIONS) + ")");
      return null;
    }
    if (key != null && key.isEmpty()) {
      n.error("key", "must not be empty");
      return null;
    }
    boolean setter = action.equals("insert") || action.equals("update") || action.equals("upsert");
    int errors = n.errors().list().size();
    if (!setter) {
      rejectIfSet(n, "value", value != null, action, "insert, update and upsert");
      rejectIfSet(n, "from_attribute", fromAttribute != null, action, "insert, update and upsert");
      rejectIfSet(n, "from_context", fromContext != null, action, "insert, update and upsert");
      rejectIfSet(n, "default_value", defaultValue != null, action, "insert, update and upsert");
    }
    if (!action.equals("convert")) {
      rejectIfSet(n, "converted_type", convertedType != null, action, "convert");
    }
    if (setter || action.equals("convert")) {
      rejectIfSet(n, "pattern", pattern != null, action, "delete, hash and extract");
    }
    if (n.errors().list().size() > errors) {
      return null;
    }
    switch (action) {
      case "insert":
      case "update":
      case "upsert": {
        if (key == null) {
          n.error("key", "is required for action " + action);
          return null;
        }
        int sources = (value != null ? 1 : 0) + (fromAttribute != null ? 1 : 0) + (fromContext != null ? 1 : 0);
        if (sources > 1) {
          n.error(null, "set only one of value, from_attribute and from_context");
          return null;
        }
        if (sources == 0 && defaultValue == null) {
          n.error(null, "action " + action + " needs one of value, from_attribute or default_value");
          return null;
        }
        if (fromContext != null) {
          n.error("from_context", "is not supported: Traceyard batches carry no request metadata or auth data; "
              + "use value or from_attribute");
          return null;
        }
        if (value != null && !value.isValueNode() && !value.isContainerNode()) {
          n.error("value", "expected a string, number, boolean, list or mapping");
          return null;
        }
        AnyValue literal = value == null ? null : ConfigValues.toAnyValue(value);
        AnyValue fallback = defaultValue == null ? null : ConfigValues.toAnyValue(defaultValue);
        return new SetAction(Mode.valueOf(action.toUpperCase(Locale.ROOT)), key, literal, fromAttribute, fallback);
      }
      case "delete":
      case "hash": {
        if (key == null && pattern == null) {
          n.error(null, "action " + action + " needs key or pattern (or both)");
          return null;
        }
        Pattern p = null;
        if (pattern != null) {
          p = compile(n, pattern);
          if (p == null) {
            return null;
          }
        }
        return action.equals("delete") ? new DeleteAction(key, p) : new HashAction(key, p);
      }
      case "extract": {
        if (key == null) {
          n.error("key", "is required for action extract");
          return null;
        }
        if (pattern == null) {
          n.error("pattern", "is required for action extract: a regular expression with named groups, e.g. "
              + "^/api/(?P<version>v[0-9]+)/");
          return null;
        }
        Regexes.Compiled c;
        try {
          c = Regexes.compile(pattern);
        } catch (PatternSyntaxException e) {
          n.error("pattern", Regexes.describe(e));
          return null;
        }
        if (c.groupNames().isEmpty()) {
          n.error("pattern", "must contain at least one named group, e.g. (?P<name>...), to name the new attributes");
          return null;
        }
        return new ExtractAction(key, c);
      }
      default: { // convert
        if (key == null) {
          n.error("key", "is required for action convert");
          return null;
        }
        if (convertedType == null) {
          n.error("converted_type", "is required for action convert (int, double or string)");
          return null;
        }
        if (!List.of("int", "double", "string").contains(convertedType)) {
          n.error("converted_type", "unknown value '" + convertedType + "' (expected one of: int, double, string)");
          return null;
        }
        return new ConvertAction(key, convertedType);
      }
    }
  }

  private static void rejectIfSet(ConfigNode n, String key, boolean set, String action, String appliesTo) {
    if (set) {
      n.error(key, "does not apply to action " + action + " (only to " + appliesTo + ")");
    }
  }

  private static Pattern compile(ConfigNode n, String regex) {
    try {
      return Regexes.compile(regex).pattern();
    } catch (PatternSyntaxException e) {
      n.error("pattern", Regexes.describe(e));
      return null;
    }
  }

  /**
   * Applies every action to {@code attributes}. Returns the original list when nothing changed, so
   * the caller can keep the original protobuf.
   */
  public List<KeyValue> apply(List<KeyValue> attributes) {
    AttrMap map = new AttrMap(attributes);
    for (Action a : actions) {
      a.apply(map);
    }
    return map.list();
  }

  private enum Mode { INSERT, UPDATE, UPSERT }

  private sealed interface Action permits SetAction, DeleteAction, HashAction, ExtractAction, ConvertAction {
    void apply(AttrMap attributes);
  }

  private record SetAction(Mode mode, String key, AnyValue value, String fromAttribute, AnyValue defaultValue)
      implements Action {
    @Override
    public void apply(AttrMap attributes) {
      boolean present = attributes.has(key);
      if ((mode == Mode.INSERT && present) || (mode == Mode.UPDATE && !present)) {
        return;
      }
      AnyValue v = value;
      if (v == null && fromAttribute != null) {
        v = attributes.get(fromAttribute);
      }
      if (v == null) {
        v = defaultValue;
      }
      if (v != null) {
        attributes.put(key, v);
      }
    }
  }

  private record DeleteAction(String key, Pattern pattern) implements Action {
    @Override
    public void apply(AttrMap attributes) {
      if (key != null) {
        attributes.remove(key);
      }
      if (pattern != null) {
        for (int i = attributes.size() - 1; i >= 0; i--) {
          if (pattern.matcher(attributes.at(i).getKey()).find()) {
            attributes.removeAt(i);
          }
        }
      }
    }
  }

  private record HashAction(String key, Pattern pattern) implements Action {
    @Override
    public void apply(AttrMap attributes) {
      for (int i = 0; i < attributes.size(); i++) {
        String k = attributes.at(i).getKey();
        if (k.equals(key) || (pattern != null && pattern.matcher(k).find())) {
          attributes.set(i, AnyValues.of(sha1Hex(AnyValues.asString(attributes.at(i).getValue()))));
        }
      }
    }
  }

  private record ExtractAction(String key, Regexes.Compiled pattern) implements Action {
    @Override
    public void apply(AttrMap attributes) {
      AnyValue v = attributes.get(key);
      if (v == null || !v.hasStringValue()) {
        return;
      }
      Matcher m = pattern.pattern().matcher(v.getStringValue());
      if (!m.find()) {
        return;
      }
      List<String> names = pattern.groupNames();
      for (int i = 0; i < names.size(); i++) {
        String group = m.group(Regexes.Compiled.internalName(i));
        if (group != null) {
          attributes.put(names.get(i), AnyValues.of(group));
        }
      }
    }
  }

  private record ConvertAction(String key, String type) implements Action {
    @Override
    public void apply(AttrMap attributes) {
      int i = attributes.indexOf(key);
      if (i < 0) {
        return;
      }
      AnyValue converted = convert(attributes.at(i).getValue(), type);
      if (converted != null) {
        attributes.set(i, converted);
      }
    }
  }

  /** The value as {@code type}, or null when it does not convert. */
  static AnyValue convert(AnyValue v, String type) {
    switch (type) {
      case "string":
        return AnyValues.of(AnyValues.asString(v));
      case "int":
        switch (v.getValueCase()) {
          case INT_VALUE:
            return v;
          case DOUBLE_VALUE:
            return AnyValues.of((long) v.getDoubleValue());
          case BOOL_VALUE:
            return AnyValues.of(v.getBoolValue() ? 1L : 0L);
          case STRING_VALUE:
            try {
              return AnyValues.of(Long.parseLong(v.getStringValue().trim()));
            } catch (NumberFormatException e) {
              return null;
            }
          default:
            return null;
        }
      default: // double
        switch (v.getValueCase()) {
          case DOUBLE_VALUE:
            return v;
          case INT_VALUE:
            return AnyValues.of((double) v.getIntValue());
          case BOOL_VALUE:
            return AnyValues.of(v.getBoolValue() ? 1.0 : 0.0);
          case STRING_VALUE:
            try {
              return AnyValues.of(Double.parseDouble(v.getStringValue().trim()));
            } catch (NumberFormatException e) {
              return null;
            }
          default:
            return null;
        }
    }
  }

  static String sha1Hex(String s) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-1");
      return HexFormat.of().formatHex(md.digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-1", e);
    }
  }
}
