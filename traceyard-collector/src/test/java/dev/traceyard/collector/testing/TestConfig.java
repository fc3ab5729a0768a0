package dev.traceyard.collector.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.traceyard.collector.config.ConfigErrors;
import dev.traceyard.collector.config.ConfigNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.function.Function;

/** Parses a YAML snippet with a component's parser, as the service would, and collects every error. */
public final class TestConfig {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private TestConfig() {}

  /** The parse result and every error (unknown keys included). */
  public record Parsed<C>(C config, List<String> errors) {}

  public static <C> Parsed<C> parse(String yaml, String path, Function<ConfigNode, C> parser) {
    JsonNode tree;
    try {
      tree = YAML.readTree(yaml.isBlank() ? "{}" : yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ConfigErrors errors = new ConfigErrors();
    ConfigNode node = ConfigNode.of(tree, path, errors);
    C config = parser.apply(node);
    node.reportUnknownKeys();
    return new Parsed<>(config, errors.list());
  }
}
