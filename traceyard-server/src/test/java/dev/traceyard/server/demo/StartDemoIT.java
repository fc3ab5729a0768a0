package dev.traceyard.server.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's quick start, `traceyard start --demo`, run from the shaded jar the launcher builds: the demo
 * services start in the all-in-one's process and the query API shows their services and service-graph edges.
 */
class StartDemoIT {

  @TempDir Path dir;
  private Process traceyard;
  private final List<String> output = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() throws Exception {
    if (traceyard != null && traceyard.isAlive()) {
      traceyard.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void startDemoFromTheRunnableJarShowsTheDemoServicesTheirEdgesAndNoInstrumentationFindings() throws Exception {
    Path jar = Paths.get("target", "traceyard.jar");
    assertThat(jar).as("the shaded jar built in the package phase").isRegularFile();
    Path ports = dir.resolve("ports.yaml");
    Files.writeString(ports, String.join("\n",
        "receivers:",
        "  otlp: {protocols: {grpc: {endpoint: '127.0.0.1:0'}, http: {endpoint: '127.0.0.1:0'}}}",
        "  zipkin: {endpoint: '127.0.0.1:0'}",
        // short windows so the built-in trace_quality reports within the test
        "processors:",
        "  trace_quality: {trace_window: 3s, report_interval: 5s}",
        "exporters:",
        "  traceyard: {query: {endpoint: '127.0.0.1:0'}}",
        "extensions:",
        "  health_check: {endpoint: '127.0.0.1:0'}",
        "service:",
        "  telemetry: {metrics: {address: '127.0.0.1:0'}}",
        ""));
    Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
    traceyard = new ProcessBuilder(java.toString(), "-jar", jar.toString(), "start", "--demo", "--demo-rate", "10",
        "--config", ports.toString(), "--data-dir", dir.resolve("data").toString())
        .redirectErrorStream(true).start();
    Thread reader = new Thread(() -> {
      try (BufferedReader out = new BufferedReader(new InputStreamReader(traceyard.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = out.readLine()) != null; ) {
          output.add(line);
        }
      } catch (Exception ignored) {
        // the process ended
      }
    }, "traceyard-output");
    reader.setDaemon(true);
    reader.start();

    await().atMost(Duration.ofSeconds(180)).untilAsserted(() -> {
      assertThat(traceyard.isAlive()).as("%s", output).isTrue();
      assertThat(output).anyMatch(l -> l.startsWith("Demo services: frontend http://127.0.0.1:"));
    });
    String query = output.stream().filter(l -> l.trim().startsWith("Query API")).findFirst().orElseThrow()
        .replaceAll(".*(http://[0-9.]+:[0-9]+).*", "$1");
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
      HttpResponse<String> services = http.send(HttpRequest.newBuilder(URI.create(query + "/api/v1/services"))
          .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(services.body()).contains("\"frontend\"", "\"checkout\"", "\"inventory\"", "\"payments\"");
      HttpResponse<String> deps = http.send(HttpRequest.newBuilder(URI.create(query + "/api/v1/dependencies"))
          .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
      Set<String> edges = new HashSet<>();
      for (JsonNode e : new ObjectMapper().readTree(deps.body()).path("edges")) {
        edges.add(e.path("parent").asText() + "->" + e.path("child").asText());
      }
      assertThat(edges).contains("frontend->checkout", "checkout->inventory", "checkout->payments");
    });
    // The demo services are instrumented correctly: the built-in trace_quality sees their traces and
    // reports cost for every one of them, and no finding at all (no false positives).
    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
      HttpResponse<String> health = http.send(HttpRequest.newBuilder(
          URI.create(query + "/api/v1/quality/findings?lookback=1h")).timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.ofString());
      Set<String> seen = new HashSet<>();
      for (JsonNode svc : new ObjectMapper().readTree(health.body()).path("services")) {
        assertThat(svc.path("findings").asLong()).as("%s", svc).isZero();
        if (svc.path("tracesTotal").asLong() > 0) {
          seen.add(svc.path("service").asText());
        }
      }
      assertThat(seen).as(health.body()).contains("frontend", "checkout", "inventory", "payments");
    });
    // demo logs belong in the UI, not in the server's console
    assertThat(output).noneMatch(l -> l.contains("checkout requested by"));

    traceyard.destroy(); // SIGTERM: demo services stop, then the all-in-one drains
    assertThat(traceyard.waitFor(90, TimeUnit.SECONDS)).as("%s", output).isTrue();
    // 143: the JVM's status after SIGTERM once its shutdown hooks have run
    assertThat(traceyard.exitValue()).as("%s", output).isIn(0, 143);
  }
}
