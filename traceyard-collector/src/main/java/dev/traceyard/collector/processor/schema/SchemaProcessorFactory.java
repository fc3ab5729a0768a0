package dev.traceyard.collector.processor.schema;

import com.fasterxml.jackson.databind.JsonNode;
import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Processor;
import dev.traceyard.collector.component.ProcessorFactory;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.consumer.Consumer;
import dev.traceyard.collector.processor.schema.SchemaConfig.Action;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The {@code schema} processor (traces, logs): validates spans and log records at the gateway against
 * required resource attributes, allowed / denied attribute keys (item and resource), a maximum
 * attribute value length and a maximum attribute count per span or log record. Each rule is written
 * either as its value (a list of keys, a number) using the processor-wide {@code action}, or as a
 * mapping with its own {@code action}. Metrics pipelines are refused at config time (the service names
 * the pipeline path): data points have no single attribute list the rules could apply to.
 */
public final class SchemaProcessorFactory implements ProcessorFactory<SchemaConfig> {
  private static final String[] ACTIONS = {"fix", "tag", "refuse"};

  @Override
  public String type() {
    return "schema";
  }

  @Override
  public Set<Signal> signals() {
    return EnumSet.of(Signal.TRACES, Signal.LOGS);
  }

  @Override
  public SchemaConfig parseConfig(ConfigNode node) {
    Action global = Action.valueOf(node.oneOf("action", "fix", ACTIONS).toUpperCase(Locale.ROOT));
    String refuse = node.oneOf("refuse_mode", "drop_spans", "drop_spans", "reject_request");
    String tag = node.string("tag_attribute", "traceyard.schema.violation");
    if (tag.isBlank()) {
      node.error("tag_attribute", "must not be empty");
    }
    SchemaConfig.KeyRule required = keyRule(node, SchemaConfig.REQUIRED, global, false);
    if (required != null && required.action() == Action.FIX) {
      node.error(SchemaConfig.REQUIRED, "action fix is not available for this rule (a missing attribute cannot be "
          + "invented): use tag or refuse, here or as the processor's action");
    }
    SchemaConfig.KeyRule allowed = keyRule(node, SchemaConfig.ALLOWED, global, true);
    SchemaConfig.KeyRule denied = keyRule(node, SchemaConfig.DENIED, global, true);
    SchemaConfig.LimitRule length = limitRule(node, SchemaConfig.MAX_VALUE_LENGTH, global);
    SchemaConfig.LimitRule count = limitRule(node, SchemaConfig.MAX_ATTRIBUTES, global);
    if (required == null && allowed == null && denied == null && length == null && count == null) {
      node.error(null, "no rule configured: set at least one of " + String.join(", ", SchemaConfig.REQUIRED,
          SchemaConfig.ALLOWED, SchemaConfig.DENIED, SchemaConfig.MAX_VALUE_LENGTH, SchemaConfig.MAX_ATTRIBUTES));
    }
    return new SchemaConfig(SchemaConfig.RefuseMode.valueOf(refuse.toUpperCase(Locale.ROOT)), tag,
        required, allowed, denied, length, count);
  }

  /** A list of keys, or {@code {keys: [...], action: ...}}. */
  private static SchemaConfig.KeyRule keyRule(ConfigNode node, String key, Action global, boolean patterns) {
    JsonNode raw = node.raw(key);
    if (raw == null) {
      return null;
    }
    ConfigNode holder = node;
    String listKey = key;
    Action action = global;
    if (raw.isObject()) {
      holder = node.child(key);
      listKey = "keys";
      action = Action.valueOf(holder.oneOf("action", global.name().toLowerCase(Locale.ROOT), ACTIONS).toUpperCase(Locale.ROOT));
    }
    List<String> entries = holder.stringList(listKey);
    if (entries.isEmpty()) {
      holder.error(listKey, "must list at least one key");
      return null;
    }
    Set<String> exact = new HashSet<>();
    List<Pattern> compiled = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      String e = entries.get(i);
      if (patterns && e.startsWith("regex:")) {
        try {
          compiled.add(Pattern.compile(e.substring("regex:".length())));
        } catch (PatternSyntaxException ex) {
          node.errors().add(holder.pathOf(listKey) + "[" + i + "]", "invalid regex: " + ex.getDescription());
        }
      } else if (patterns && (e.indexOf('*') >= 0 || e.indexOf('?') >= 0)) {
        compiled.add(glob(e));
      } else {
        exact.add(e);
      }
    }
    return new SchemaConfig.KeyRule(key, action, exact, compiled);
  }

  /** A number, or {@code {limit: N, action: ...}}. */
  private static SchemaConfig.LimitRule limitRule(ConfigNode node, String key, Action global) {
    JsonNode raw = node.raw(key);
    if (raw == null) {
      return null;
    }
    if (raw.isObject()) {
      ConfigNode c = node.child(key);
      Action action = Action.valueOf(c.oneOf("action", global.name().toLowerCase(Locale.ROOT), ACTIONS).toUpperCase(Locale.ROOT));
      if (!c.isSet("limit")) {
        c.error("limit", "is required");
      }
      return new SchemaConfig.LimitRule(key, action, (int) c.longInRange("limit", 1, 1, Integer.MAX_VALUE));
    }
    return new SchemaConfig.LimitRule(key, global, (int) node.longInRange(key, 1, 1, Integer.MAX_VALUE));
  }

  /** {@code *} is any run of characters, {@code ?} one character; the rest is literal. */
  static Pattern glob(String glob) {
    StringBuilder re = new StringBuilder();
    StringBuilder literal = new StringBuilder();
    for (char ch : glob.toCharArray()) {
      if (ch == '*' || ch == '?') {
        if (literal.length() > 0) {
          re.append(Pattern.quote(literal.toString()));
          literal.setLength(0);
        }
        re.append(ch == '*' ? ".*" : ".");
      } else {
        literal.append(ch);
      }
    }
    if (literal.length() > 0) {
      re.append(Pattern.quote(literal.toString()));
    }
    return Pattern.compile(re.toString());
  }

  @Override
  public Processor create(ComponentSettings settings, SchemaConfig config, Signal signal, Consumer next) {
    return new SchemaProcessor(settings, config, signal, next);
  }
}
