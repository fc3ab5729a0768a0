package dev.traceyard.collector.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  private final ConfigLoader loader = new ConfigLoader(Map.of("PORT", "4317", "FLAG", "true", "EMPTY", "", "HOST", "gw")::get);

  @Test
  void envReference_takesTheTypeOfItsValue() throws Exception {
    ObjectNode n = loader.loadString("t", "a: ${env:PORT}\nb: ${env:FLAG}\nc: x-${env:PORT}\n");
    assertThat(n.get("a").isInt()).isTrue();
    assertThat(n.get("a").intValue()).isEqualTo(4317);
    assertThat(n.get("b").isBoolean()).isTrue();
    assertThat(n.get("c").asText()).isEqualTo("x-4317");
  }

  @Test
  void envReference_usesDefaultWhenUnsetOrEmpty() throws Exception {
    ObjectNode n = loader.loadString("t", "a: ${env:MISSING:-localhost:4317}\nb: ${env:EMPTY:-dflt}\nc: '${env:MISSING}'\n");
    assertThat(n.get("a").asText()).isEqualTo("localhost:4317");
    assertThat(n.get("b").asText()).isEqualTo("dflt");
    assertThat(n.get("c").asText()).isEmpty();
  }

  @Test
  void doubleDollar_isALiteralDollar() throws Exception {
    ObjectNode n = loader.loadString("t", "a: 'pa$$word ${env:HOST}'\n");
    assertThat(n.get("a").asText()).isEqualTo("pa$word gw");
  }

  @Test
  void unsupportedReference_isAnErrorNamingThePath() {
    assertThatThrownBy(() -> loader.loadString("t", "exporters:\n  otlp:\n    endpoint: ${HOST}\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("exporters.otlp.endpoint: unsupported reference '${HOST}'");
  }

  @Test
  void laterFiles_mergeIntoEarlierOnes(@TempDir Path dir) throws Exception {
    Path a = dir.resolve("a.yaml");
    Path b = dir.resolve("b.yaml");
    Files.writeString(a, "processors:\n  batch:\n    timeout: 1s\n    send_batch_size: 10\nlist: [1, 2]\n");
    Files.writeString(b, "processors:\n  batch:\n    timeout: 2s\nlist: [3]\n");
    ObjectNode n = loader.load(List.of(a, b));
    assertThat(n.at("/processors/batch/timeout").asText()).isEqualTo("2s");
    assertThat(n.at("/processors/batch/send_batch_size").intValue()).isEqualTo(10);
    assertThat(n.get("list").size()).isEqualTo(1);
  }

  @Test
  void invalidYaml_reportsFileAndLine(@TempDir Path dir) throws Exception {
    Path a = dir.resolve("bad.yaml");
    Files.writeString(a, "receivers:\n  otlp:\n   - x\n  y: [\n");
    assertThatThrownBy(() -> loader.load(List.of(a)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(a.toString() + ": invalid YAML at line");
  }

  @Test
  void missingFile_isAnError(@TempDir Path dir) {
    Path a = dir.resolve("nope.yaml");
    assertThatThrownBy(() -> loader.load(List.of(a)))
        .isInstanceOf(ConfigException.class)
        .hasMessage(a + ": no such file");
  }
}
