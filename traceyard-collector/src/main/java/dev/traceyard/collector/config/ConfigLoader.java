package dev.traceyard.collector.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads otelcol-style YAML: several files merge in order (mappings deeply, lists and scalars replaced
 * by the later file), then {@code ${env:NAME}} and {@code ${env:NAME:-default}} are substituted in
 * every scalar. {@code $$} is a literal {@code $}.
 */
public final class ConfigLoader {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Pattern ENV = Pattern.compile("\\$\\$|\\$\\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}|\\$\\{([^}]*)}");

  private final Function<String, String> env;

  public ConfigLoader(Function<String, String> env) {
    this.env = env;
  }

  public static ConfigLoader withSystemEnv() {
    Map<String, String> sys = System.getenv();
    return new ConfigLoader(sys::get);
  }

  /** Loads and merges the files in order. Errors name the file. */
  public ObjectNode load(List<Path> files) throws ConfigException {
    if (files.isEmpty()) {
      throw new ConfigException("no configuration given: pass --config FILE");
    }
    ObjectNode merged = JsonNodeFactory.instance.objectNode();
    ConfigErrors errors = new ConfigErrors();
    for (Path file : files) {
      String text;
      try {
        text = Files.readString(file, StandardCharsets.UTF_8);
      } catch (NoSuchFileException e) {
        errors.add(file.toString(), "no such file");
        continue;
      } catch (IOException e) {
        errors.add(file.toString(), "cannot read: " + e.getMessage());
        continue;
      }
      JsonNode parsed = parseYaml(file.toString(), text, errors);
      if (parsed != null) {
        merge(merged, (ObjectNode) parsed);
      }
    }
    errors.throwIfAny();
    return (ObjectNode) substitute(merged, "", errors, true);
  }

  /** Parses one YAML document from text; used for built-in configs and tests. */
  public ObjectNode loadString(String name, String yaml) throws ConfigException {
    ConfigErrors errors = new ConfigErrors();
    JsonNode parsed = parseYaml(name, yaml, errors);
    errors.throwIfAny();
    JsonNode out = substitute(parsed, "", errors, true);
    errors.throwIfAny();
    return (ObjectNode) out;
  }

  private static JsonNode parseYaml(String name, String text, ConfigErrors errors) {
    try {
      JsonNode node = YAML.readTree(text);
      if (node == null || node.isMissingNode() || node.isNull()) {
        return JsonNodeFactory.instance.objectNode();
      }
      if (!node.isObject()) {
        errors.add(name, "the top level must be a mapping (receivers:, exporters:, service: ...)");
        return null;
      }
      return node;
    } catch (JsonProcessingException e) {
      String loc = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
      errors.add(name, "invalid YAML" + loc + ": " + e.getOriginalMessage());
      return null;
    }
  }

  /** Merges {@code from} into {@code into} as later config files merge into earlier ones. */
  public static void merge(ObjectNode into, ObjectNode from) {
    Iterator<Map.Entry<String, JsonNode>> it = from.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode existing = into.get(e.getKey());
      if (existing instanceof ObjectNode && e.getValue() instanceof ObjectNode) {
        merge((ObjectNode) existing, (ObjectNode) e.getValue());
      } else {
        into.set(e.getKey(), e.getValue().deepCopy());
      }
    }
  }

  private JsonNode substitute(JsonNode node, String path, ConfigErrors errors, boolean root) {
    if (node.isObject()) {
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      Iterator<Map.Entry<String, JsonNode>> it = node.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        String p = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
        out.set(e.getKey(), substitute(e.getValue(), p, errors, false));
      }
      return out;
    }
    if (node.isArray()) {
      ArrayNode out = JsonNodeFactory.instance.arrayNode();
      for (int i = 0; i < node.size(); i++) {
        out.add(substitute(node.get(i), path + "[" + i + "]", errors, false));
      }
      return out;
    }
    if (!node.isTextual() || !node.asText().contains("$")) {
      return node;
    }
    String text = node.asText();
    Matcher m = ENV.matcher(text);
    // A value that is exactly one reference takes the type of what it expands to (5 -> int, true ->
    // bool), as otelcol does; a reference inside a longer string is plain text.
    if (m.matches() && m.group(1) != null) {
      String value = lookup(m.group(1), m.group(2));
      try {
        JsonNode typed = YAML.readTree(value.isEmpty() ? "\"\"" : value);
        return typed == null || !typed.isValueNode() ? TextNode.valueOf(value) : typed;
      } catch (JsonProcessingException e) {
        return TextNode.valueOf(value);
      }
    }
    m.reset();
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String replacement;
      if (m.group().equals("$$")) {
        replacement = "$";
      } else if (m.group(1) != null) {
        replacement = lookup(m.group(1), m.group(2));
      } else {
        errors.add(path, "unsupported reference '" + m.group() + "' (use ${env:NAME} or ${env:NAME:-default}; write $$ for a literal $)");
        replacement = m.group();
      }
      m.appendReplacement(sb, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(sb);
    return TextNode.valueOf(sb.toString());
  }

  private String lookup(String name, String defaultValue) {
    String v = env.apply(name);
    if (v == null || (v.isEmpty() && defaultValue != null)) {
      return defaultValue == null ? "" : defaultValue;
    }
    return v;
  }
}
