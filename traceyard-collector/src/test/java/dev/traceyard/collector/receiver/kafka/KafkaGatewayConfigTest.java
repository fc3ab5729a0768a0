package dev.traceyard.collector.receiver.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.traceyard.collector.Components;
import dev.traceyard.collector.config.ConfigErrors;
import dev.traceyard.collector.config.ConfigException;
import dev.traceyard.collector.config.ConfigLoader;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.service.ServiceConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaGatewayConfigTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @Test
  void shippedGatewayAndAgentExamplesAreValidAndTurnTheGatewayModeOn() throws Exception {
    Map<String, String> env = Map.of("KAFKA_BROKERS", "kafka-1:9092", "BACKEND", "store:4317");
    ConfigLoader loader = new ConfigLoader(env::get);
    ObjectNode gateway = loader.load(List.of(Path.of("..", "configs", "gateway-kafka.yaml")));
    ServiceConfig.parse(gateway, Components.builtIn());
    ServiceConfig.parse(loader.load(List.of(Path.of("..", "configs", "agent-to-kafka.yaml"))), Components.builtIn());

    KafkaReceiverConfig c = parse((ObjectNode) gateway.path("receivers").path("kafka"), new ConfigErrors());
    assertThat(c.client().brokers()).containsExactly("kafka-1:9092");
    assertThat(c.gateway()).isNotNull();
    assertThat(c.gateway().decisionsTopic()).isEqualTo("otlp_spans_decisions");
    assertThat(c.gateway().tailSampling().policies()).hasSize(3);
    assertThat(c.gateway().tailSampling().decisionWait()).hasSeconds(10);
  }

  @Test
  void decisionsTopicDefaultsToTheTracesTopicWithASuffix() throws Exception {
    ConfigErrors errors = new ConfigErrors();
    KafkaReceiverConfig c = parse(yaml("traces: {topic: spans}\ntail_sampling:\n  policies: [{name: all, type: always_sample}]\n"),
        errors);
    assertThat(errors.list()).isEmpty();
    assertThat(c.gateway().decisionsTopic()).isEqualTo("spans_decisions");
  }

  @Test
  void withoutTailSamplingTheReceiverIsNotAGateway() throws Exception {
    ConfigErrors errors = new ConfigErrors();
    assertThat(parse(yaml("topic: spans\n"), errors).gateway()).isNull();
    assertThat(errors.list()).isEmpty();
  }

  @Test
  void badGatewaySettingsAreReportedWithTheirPath() throws Exception {
    ConfigErrors errors = new ConfigErrors();
    parse(yaml("topic: spans\ntail_sampling:\n  decisions_topic: spans\n  decision_wait: 0s\n  policies: []\n"), errors);
    assertThat(errors.list()).anySatisfy(e -> assertThat(e).contains("receivers::kafka.tail_sampling.decisions_topic")
        .contains("must differ from the traces topic"));
    assertThat(errors.list()).anySatisfy(e -> assertThat(e).contains("receivers::kafka.tail_sampling.decision_wait"));
    assertThat(errors.list()).anySatisfy(e -> assertThat(e).contains("receivers::kafka.tail_sampling.policies"));
  }

  @Test
  void anUnknownKeyInsideTailSamplingFailsTheWholeConfig() {
    String yaml = String.join("\n",
        "receivers:",
        "  kafka:",
        "    tail_sampling:",
        "      decison_wait: 5s",
        "      policies: [{name: all, type: always_sample}]",
        "exporters:",
        "  debug: {}",
        "service:",
        "  pipelines:",
        "    traces: {receivers: [kafka], exporters: [debug]}",
        "");
    assertThatThrownBy(() -> ServiceConfig.parse(new ConfigLoader(Map.<String, String>of()::get).loadString("g.yaml", yaml),
        Components.builtIn())).isInstanceOf(ConfigException.class).hasMessageContaining("decison_wait");
  }

  private static ObjectNode yaml(String s) throws Exception {
    return (ObjectNode) YAML.readTree(s);
  }

  private static KafkaReceiverConfig parse(ObjectNode node, ConfigErrors errors) {
    ConfigNode n = ConfigNode.ofMap(node, "receivers::kafka", errors);
    KafkaReceiverConfig c = new KafkaReceiverFactory().parseConfig(n);
    n.reportUnknownKeys();
    return c;
  }
}
