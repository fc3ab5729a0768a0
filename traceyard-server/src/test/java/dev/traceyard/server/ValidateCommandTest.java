package dev.traceyard.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ValidateCommandTest {
  @TempDir Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl.execute(args);
  }

  private Path write(String name, String yaml) throws Exception {
    Path p = dir.resolve(name);
    Files.writeString(p, yaml);
    return p;
  }

  private static final String AGENT = String.join("\n",
      "receivers:",
      "  otlp:",
      "    protocols:",
      "      grpc:",
      "        endpoint: ${env:TRACEYARD_TEST_UNSET:-localhost:4317}",
      "      http:",
      "processors:",
      "  memory_limiter:",
      "    check_interval: 1s",
      "    limit_mib: 400",
      "    spike_limit_mib: 100",
      "  batch:",
      "    send_batch_size: 1024",
      "    timeout: 1s",
      "exporters:",
      "  otlp:",
      "    endpoint: gateway:4317",
      "    tls:",
      "      insecure: true",
      "  debug:",
      "    verbosity: basic",
      "  file/unused:",
      "    path: /tmp/unused.jsonl",
      "extensions:",
      "  health_check:",
      "service:",
      "  extensions: [health_check]",
      "  pipelines:",
      "    traces:",
      "      receivers: [otlp]",
      "      processors: [memory_limiter, batch]",
      "      exporters: [otlp, debug]",
      "    metrics:",
      "      receivers: [otlp]",
      "      processors: [memory_limiter, batch]",
      "      exporters: [otlp]",
      "    logs:",
      "      receivers: [otlp]",
      "      processors: [memory_limiter, batch]",
      "      exporters: [otlp]",
      "");

  @Test
  void otelcolStyleAgentConfig_isValid() throws Exception {
    assertThat(run("validate", "--config", write("agent.yaml", AGENT).toString())).isZero();
    assertThat(out.toString()).contains("configuration is valid");
  }

  @Test
  void everyKindOfMistake_exits2AndNamesEachPath() throws Exception {
    String bad = AGENT
        .replace("  batch:\n    send_batch_size: 1024", "  batch:\n    send_batch_size: lots")
        .replace("    timeout: 1s", "    timout: 1s")
        .replace("  debug:\n", "  debugg:\n")
        .replace("exporters: [otlp, debug]", "exporters: [otlp, debug, otlp/missing]");
    assertThat(run("validate", "--config", write("bad.yaml", bad).toString())).isEqualTo(2);
    assertThat(err.toString())
        .contains("configuration is invalid (5 errors):")
        .contains("processors.batch.send_batch_size: expected an integer, got 'lots'")
        .contains("processors.batch.timout: unknown key 'timout'")
        .contains("exporters.debugg: unknown type 'debugg'")
        .contains("service.pipelines.traces.exporters[1]: references exporter 'debug' which is not defined under exporters")
        .contains("service.pipelines.traces.exporters[2]: references exporter 'otlp/missing' which is not defined under exporters");
  }

  @Test
  void loadbalancingMistakes_exit2AndNameTheirPaths() throws Exception {
    String bad = AGENT.replace("      exporters: [otlp, debug]", "      exporters: [loadbalancing]")
        .replace("      exporters: [otlp]\n    logs:", "      exporters: [loadbalancing]\n    logs:")
        .replace("exporters:\n  otlp:", String.join("\n",
            "exporters:",
            "  loadbalancing:",
            "    routing_key: streamID",
            "    protocol: {otlp: {tls: {insecure: true}}}",
            "    resolver:",
            "      static: {hostnames: [gw-1:4317]}",
            "      dns: {hostname: gateways}",
            "  otlp:"));
    assertThat(run("validate", "--config", write("lb.yaml", bad).toString())).isEqualTo(2);
    assertThat(err.toString())
        .contains("exporters.loadbalancing.routing_key: 'streamID' routes metrics or logs")
        .contains("exporters.loadbalancing.resolver: set only one of static and dns, not both")
        .contains("service.pipelines.metrics.exporters[0]: ");
  }

  @Test
  void laterConfigFiles_overrideEarlierOnes() throws Exception {
    Path base = write("base.yaml", AGENT);
    Path override = write("override.yaml", "processors:\n  batch:\n    send_batch_size: nope\n");
    assertThat(run("validate", "--config", base.toString(), "--config", override.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("processors.batch.send_batch_size: expected an integer, got 'nope'");
  }

  @Test
  void missingConfigFile_exits2() {
    assertThat(run("validate", "--config", dir.resolve("none.yaml").toString())).isEqualTo(2);
    assertThat(err.toString()).contains("none.yaml: no such file");
  }

  @Test
  void shippedExampleConfigs_areValid() throws Exception {
    try (java.util.stream.Stream<Path> files = Files.list(Path.of("..", "configs"))) {
      List<Path> configs = files.filter(p -> p.toString().endsWith(".yaml")).sorted().collect(java.util.stream.Collectors.toList());
      assertThat(configs).isNotEmpty();
      for (Path config : configs) {
        assertThat(run("validate", "--config", config.toString())).as("%s: %s", config, err).isZero();
      }
    }
  }

  @Test
  void version_printsTheVersion() {
    assertThat(run("--version")).isZero();
    assertThat(out.toString()).startsWith("traceyard ");
  }
}
