package dev.traceyard.collector.extension.healthcheck;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.traceyard.collector.config.ConfigErrors;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.config.HostPort;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class HealthCheckConfigTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final String P = "extensions.health_check.";

  private final ConfigErrors errors = new ConfigErrors();

  @Test
  void emptyConfig_usesOtelcolDefaults() throws Exception {
    HealthCheckConfig c = parse("{}");
    assertThat(errors.list()).isEmpty();
    assertThat(c).isEqualTo(new HealthCheckConfig(HostPort.of("localhost", 13133), "/", null, null, false));
  }

  @Test
  void allKeys_areRead_andPipelineCheckIsAccepted() throws Exception {
    HealthCheckConfig c = parse("endpoint: 0.0.0.0:13134\npath: /health/status\n"
        + "response_body:\n  healthy: up\n  unhealthy: down\n"
        + "check_collector_pipeline:\n  enabled: true\n  interval: 5m\n  exporter_failure_threshold: 5\n");
    assertThat(errors.list()).isEmpty();
    assertThat(c).isEqualTo(new HealthCheckConfig(HostPort.of("0.0.0.0", 13134), "/health/status", "up", "down", true));
  }

  @Test
  void badValues_areErrorsNamingTheirPath() throws Exception {
    parse("endpoint: localhost\npath: health\ncheck_collector_pipeline:\n  interval: soon\n");
    assertThat(errors.list()).containsExactly(
        P + "endpoint: invalid endpoint 'localhost': expected host:port, e.g. localhost:4317",
        P + "path: must start with '/', got 'health'",
        P + "check_collector_pipeline.interval: invalid duration 'soon' (use a number with a unit: ns, us, ms, s, m, h, "
            + "e.g. 200ms or 1m30s)");
  }

  @Test
  void unsupportedServerSettings_areUnknownKeys() throws Exception {
    parse("tls:\n  cert_file: x\nresponse_body:\n  degraded: meh\n");
    assertThat(errors.list()).containsExactly(
        P + "tls: unknown key 'tls' (known keys: check_collector_pipeline, endpoint, path, response_body)",
        P + "response_body.degraded: unknown key 'degraded' (known keys: healthy, unhealthy)");
  }

  @Test
  void goDuration_formatsLikeGo() {
    assertThat(HealthCheckExtension.goDuration(Duration.ZERO)).isEqualTo("0s");
    assertThat(HealthCheckExtension.goDuration(Duration.ofMillis(1500))).isEqualTo("1.5s");
    assertThat(HealthCheckExtension.goDuration(Duration.ofSeconds(984).plusMillis(684))).isEqualTo("16m24.684s");
    assertThat(HealthCheckExtension.goDuration(Duration.ofHours(2).plusSeconds(3))).isEqualTo("2h0m3s");
  }

  private HealthCheckConfig parse(String yaml) throws Exception {
    ConfigNode node = ConfigNode.of(YAML.readTree(yaml), "extensions.health_check", errors);
    HealthCheckConfig c = new HealthCheckExtensionFactory().parseConfig(node);
    node.reportUnknownKeys();
    return c;
  }
}
