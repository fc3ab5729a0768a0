package dev.traceyard.collector.receiver.zipkin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.traceyard.collector.Components;
import dev.traceyard.collector.component.ComponentKind;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.ConfigErrors;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.config.HostPort;
import org.junit.jupiter.api.Test;

class ZipkinReceiverConfigTest {
  private static final ObjectMapper YAML = new YAMLMapper();
  private final ConfigErrors errors = new ConfigErrors();

  private ZipkinReceiverConfig parse(String yaml) throws Exception {
    ObjectNode node = yaml.isBlank() ? YAML.createObjectNode() : (ObjectNode) YAML.readTree(yaml);
    ConfigNode config = ConfigNode.of(node, "receivers.zipkin", errors);
    ZipkinReceiverConfig parsed = new ZipkinReceiverFactory().parseConfig(config);
    config.reportUnknownKeys();
    return parsed;
  }

  @Test
  void emptyConfig_usesOtelcolDefaults() throws Exception {
    ZipkinReceiverConfig c = parse("");

    assertThat(errors.list()).isEmpty();
    assertThat(c.endpoint()).isEqualTo(HostPort.of("localhost", 9411));
    assertThat(c.parseStringTags()).isFalse();
    assertThat(c.maxRequestBodySize()).isEqualTo(20L * 1024 * 1024);
    assertThat(c).isEqualTo(ZipkinReceiverConfig.defaults());
  }

  @Test
  void everyKey_isRead() throws Exception {
    ZipkinReceiverConfig c = parse("endpoint: 0.0.0.0:19411\nparse_string_tags: true\nmax_request_body_size: 1048576\n");

    assertThat(errors.list()).isEmpty();
    assertThat(c.endpoint()).isEqualTo(HostPort.of("0.0.0.0", 19411));
    assertThat(c.parseStringTags()).isTrue();
    assertThat(c.maxRequestBodySize()).isEqualTo(1048576);
  }

  @Test
  void zeroMaxRequestBodySize_meansTheDefault() throws Exception {
    assertThat(parse("max_request_body_size: 0\n").maxRequestBodySize()).isEqualTo(20L * 1024 * 1024);
    assertThat(errors.list()).isEmpty();
  }

  @Test
  void negativeMaxRequestBodySize_isAnErrorNamingThePath() throws Exception {
    parse("max_request_body_size: -5\n");

    assertThat(errors.list()).singleElement().asString()
        .startsWith("receivers.zipkin.max_request_body_size: ");
  }

  @Test
  void invalidEndpoint_isAnErrorNamingThePath() throws Exception {
    ZipkinReceiverConfig c = parse("endpoint: localhost\n");

    assertThat(errors.list()).singleElement().asString()
        .startsWith("receivers.zipkin.endpoint: invalid endpoint 'localhost'");
    assertThat(c.endpoint()).isEqualTo(ZipkinReceiverConfig.DEFAULT_ENDPOINT);
  }

  @Test
  void nonBooleanParseStringTags_isAnError() throws Exception {
    parse("parse_string_tags: maybe\n");

    assertThat(errors.list()).singleElement().asString()
        .isEqualTo("receivers.zipkin.parse_string_tags: expected true or false, got 'maybe'");
  }

  @Test
  void unknownKey_isAnErrorListingTheKnownKeys() throws Exception {
    parse("endpoint: localhost:9411\nparse_string_tag: true\n");

    assertThat(errors.list()).singleElement().asString()
        .contains("receivers.zipkin.parse_string_tag: unknown key 'parse_string_tag'")
        .contains("endpoint, max_request_body_size, parse_string_tags");
  }

  @Test
  void configRecord_rejectsNonPositiveLimit() {
    assertThatThrownBy(() -> new ZipkinReceiverConfig(HostPort.of("localhost", 1), false, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void factory_isRegisteredAsZipkinForTraces() {
    ZipkinReceiverFactory factory = new ZipkinReceiverFactory();

    assertThat(factory.type()).isEqualTo("zipkin");
    assertThat(factory.signals()).containsExactly(Signal.TRACES);
    assertThat(Components.builtIn().factory(ComponentKind.RECEIVER, "zipkin")).isInstanceOf(ZipkinReceiverFactory.class);
  }
}
