package dev.traceyard.collector.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.traceyard.collector.config.ConfigException;
import dev.traceyard.collector.config.ConfigLoader;
import dev.traceyard.collector.testing.TestComponents;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServiceConfigTest {

  private static ServiceConfig parse(String yaml) throws ConfigException {
    return ServiceConfig.parse(new ConfigLoader(Map.<String, String>of()::get).loadString("test.yaml", yaml),
        TestComponents.registry());
  }

  private static List<String> errors(String yaml) {
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> parse(yaml));
    assertThat(e).as("expected the config to be rejected").isNotNull();
    return e.errors();
  }

  private static final String VALID = String.join("\n",
      "receivers:",
      "  push:",
      "  push/2:",
      "    size: 3",
      "processors:",
      "  counting:",
      "exporters:",
      "  recording:",
      "  recording/unused:",
      "service:",
      "  telemetry:",
      "    metrics:",
      "      address: 127.0.0.1:0",
      "  pipelines:",
      "    traces:",
      "      receivers: [push]",
      "      processors: [counting]",
      "      exporters: [recording]",
      "    traces/second:",
      "      receivers: [push/2]",
      "      exporters: [recording]",
      "");

  @Test
  void validConfig_parsesWithNamedPipelinesAndUnusedComponents() throws Exception {
    ServiceConfig c = parse(VALID);
    assertThat(c.pipelineIds()).containsExactly("traces", "traces/second");
    assertThat(c.telemetry().metricsAddress().port()).isZero();
  }

  @Test
  void unknownComponentType_namesTheTypeAndTheKnownOnes() {
    assertThat(errors(VALID.replace("  counting:\n", "  countin:\n")))
        .contains("processors.countin: unknown type 'countin' (known processors: counting)",
            "service.pipelines.traces.processors[0]: references processor 'counting' which is not defined under processors");
  }

  @Test
  void unknownKey_namesItsPathAndTheKnownKeys() {
    assertThat(errors(VALID.replace("    size: 3", "    sise: 3")))
        .containsExactly("receivers.push/2.sise: unknown key 'sise' (known keys: mode, size, wait)");
  }

  @Test
  void wrongValueType_namesThePathAndTheValue() {
    assertThat(errors(VALID.replace("    size: 3", "    size: many\n    wait: soon\n    mode: medium")))
        .containsExactly(
            "receivers.push/2.size: expected an integer, got 'many'",
            "receivers.push/2.wait: invalid duration 'soon' (use a number with a unit: ns, us, ms, s, m, h, e.g. 200ms or 1m30s)",
            "receivers.push/2.mode: unknown value 'medium' (expected one of: fast, slow)");
  }

  @Test
  void pipelineNamingAnUndefinedComponent_isAnError() {
    assertThat(errors(VALID.replace("exporters: [recording]\n    traces/second", "exporters: [recording/nope]\n    traces/second")))
        .containsExactly("service.pipelines.traces.exporters[0]: references exporter 'recording/nope' which is not defined under exporters");
  }

  @Test
  void componentNotSupportingTheSignal_isAnError() {
    String yaml = VALID.replace("  recording/unused:", "  tracesonly:")
        + "    logs:\n      receivers: [push]\n      exporters: [tracesonly]\n";
    assertThat(errors(yaml)).containsExactly("service.pipelines.logs.exporters[0]: exporter 'tracesonly' does not support logs");
  }

  @Test
  void unknownPipelineType_andMissingExporters_areErrors() {
    String yaml = VALID + "    spans:\n      receivers: [push]\n      exporters: [recording]\n"
        + "    logs:\n      receivers: [push]\n";
    assertThat(errors(yaml)).containsExactly(
        "service.pipelines.spans: unknown pipeline type 'spans' (expected traces, metrics or logs)",
        "service.pipelines.logs: must have at least one exporter");
  }

  @Test
  void unknownTopLevelAndServiceKeys_areErrors() {
    assertThat(errors("recievers: {}\n" + VALID.replace("  telemetry:", "  telemetri:\n  telemetry:")))
        .containsExactly(
            "recievers: unknown top-level key 'recievers' (expected receivers, processors, exporters, connectors, extensions, service)",
            "service.telemetri: unknown key 'telemetri' (known keys: extensions, pipelines, telemetry)");
  }

  @Test
  void everyErrorIsReportedAtOnce() {
    String yaml = VALID.replace("  counting:\n", "  countin:\n").replace("    size: 3", "    size: -1");
    assertThat(errors(yaml)).hasSize(3);
  }

  @Test
  void serviceExtensionsMustBeDefined() {
    assertThat(errors(VALID.replace("service:\n", "service:\n  extensions: [health_check]\n")))
        .containsExactly("service.extensions[0]: references extension 'health_check' which is not defined under extensions");
  }

  @Test
  void connectorUsedOnOneSideOnly_isAnError() {
    String yaml = VALID.replace("exporters:\n  recording:", "connectors:\n  spanstologs:\nexporters:\n  recording:")
        .replace("exporters: [recording]\n    traces/second", "exporters: [recording, spanstologs]\n    traces/second");
    assertThat(errors(yaml)).containsExactly("connectors.spanstologs: is used as an exporter but no pipeline uses it as a receiver");
  }

  @Test
  void connectorOnTheWrongSignal_isAnError() {
    String yaml = VALID.replace("exporters:\n  recording:", "connectors:\n  spanstologs:\nexporters:\n  recording:")
        + "    logs:\n      receivers: [push]\n      exporters: [spanstologs]\n"
        + "    traces/out:\n      receivers: [spanstologs]\n      exporters: [recording]\n";
    assertThat(errors(yaml)).contains(
        "service.pipelines.logs.exporters[0]: connector 'spanstologs' does not take logs",
        "service.pipelines.traces/out.receivers[0]: connector 'spanstologs' does not emit traces");
  }

  @Test
  void missingService_isAnError() {
    assertThat(errors("receivers:\n  push:\n")).containsExactly(
        "service: is required: define service.pipelines",
        "service.pipelines: at least one pipeline is required");
  }
}
