package dev.traceyard.collector.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.traceyard.collector.Components;
import dev.traceyard.collector.service.ComponentRegistry;
import dev.traceyard.collector.service.ServiceConfig;
import dev.traceyard.collector.testing.FuzzBudget;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Fuzzes the configuration path of {@code traceyard run/validate}: YAML through {@link ConfigLoader}
 * (with {@code ${env:...}} substitution) into {@link ServiceConfig#parse} with every built-in
 * component. The contract: a config, or a {@link ConfigException} whose every error is a line of
 * text (the CLI prints them and exits 2); never any other exception, which would be a stack trace
 * instead of an error message. Seeds include configs/*.yaml. Seeds: {@code
 * src/test/resources/dev/traceyard/collector/config/ConfigFuzzTestInputs/yaml/}.
 */
class ConfigFuzzTest {
  private static final ComponentRegistry REGISTRY = Components.builtIn();
  private static final Map<String, String> ENV = Map.of(
      "OTLP_ENDPOINT", "localhost:4317", "PORT", "4318", "EMPTY", "", "DEBUG", "true");

  @FuzzTest(maxDuration = FuzzBudget.PER_TARGET)
  void yaml(byte[] yaml) {
    try {
      ObjectNode root = new ConfigLoader(ENV::get).loadString("fuzz.yaml", new String(yaml, StandardCharsets.UTF_8));
      assertThat(ServiceConfig.parse(root, REGISTRY).pipelineIds()).isNotEmpty();
    } catch (ConfigException e) {
      assertThat(e.errors()).isNotEmpty().allSatisfy(error -> assertThat(error).isNotBlank());
    }
  }
}
