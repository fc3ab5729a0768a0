package dev.traceyard.collector.receiver.otlp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.ComponentKind;
import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Extension;
import dev.traceyard.collector.component.ExtensionFactory;
import dev.traceyard.collector.component.Host;
import dev.traceyard.collector.component.Receiver;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.ConfigErrors;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.consumer.Consumer;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import dev.traceyard.collector.testing.TestConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Parses receiver configs from YAML and starts receivers, as the service would. */
final class TestReceivers {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private TestReceivers() {}

  /** Parses the settings of {@code receivers.otlp} and returns every config error. */
  static List<String> errors(String yaml) {
    ConfigErrors errors = new ConfigErrors();
    parse(yaml, errors);
    return errors.list();
  }

  static OtlpReceiverConfig config(String yaml) {
    ConfigErrors errors = new ConfigErrors();
    OtlpReceiverConfig config = parse(yaml, errors);
    assertThat(errors.list()).as("config errors").isEmpty();
    return config;
  }

  private static OtlpReceiverConfig parse(String yaml, ConfigErrors errors) {
    JsonNode tree;
    try {
      tree = YAML.readTree(yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ConfigNode node = ConfigNode.of(tree, "receivers.otlp", errors);
    OtlpReceiverConfig config = new OtlpReceiverFactory().parseConfig(node);
    node.reportUnknownKeys();
    return config;
  }

  /** Creates and starts an {@code otlp} receiver. */
  static Receiver start(String yaml, Set<Signal> wired, SelfTelemetry telemetry, Consumer next) throws Exception {
    return start(yaml, wired, telemetry, next, id -> Optional.empty());
  }

  /** Creates and starts an {@code otlp} receiver in a host that offers the given extensions. */
  static Receiver start(String yaml, Set<Signal> wired, SelfTelemetry telemetry, Consumer next, Host host)
      throws Exception {
    return start("otlp", yaml, wired, telemetry, next, host);
  }

  /** Creates and starts a receiver with id {@code id} (e.g. {@code otlp/secure}). */
  static Receiver start(String id, String yaml, Set<Signal> wired, SelfTelemetry telemetry, Consumer next, Host host)
      throws Exception {
    ComponentSettings settings = new ComponentSettings(ComponentId.parse(id), ComponentKind.RECEIVER, telemetry);
    Receiver r = new OtlpReceiverFactory().create(settings, config(yaml), next, wired);
    r.start(host);
    return r;
  }

  /** Creates and starts an extension from its YAML settings, as the service would. */
  static <C> Extension extension(ExtensionFactory<C> factory, String id, String yaml) throws Exception {
    TestConfig.Parsed<C> parsed = TestConfig.parse(yaml, "extensions." + id, factory::parseConfig);
    assertThat(parsed.errors()).as("extension config errors").isEmpty();
    Extension e = factory.create(new ComponentSettings(ComponentId.parse(id), ComponentKind.EXTENSION,
        SelfTelemetry.forTesting()), parsed.config());
    e.start(x -> Optional.empty());
    return e;
  }
}
