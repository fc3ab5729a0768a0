package dev.traceyard.server.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.traceyard.demo.DemoOptions;
import dev.traceyard.demo.DemoServices;
import dev.traceyard.server.demo.AllInOne.StoredLog;
import dev.traceyard.server.demo.AllInOne.StoredSpan;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
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
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interoperability: {@code inventory} runs in its own JVM instrumented by the OpenTelemetry Java agent
 * (from Maven, {@code -javaagent}) instead of traceyard-sdk, called by checkout which runs on traceyard-sdk.
 * The trace in Traceyard is still complete: the agent's SERVER span continues checkout's CLIENT span, the
 * database span the service makes through the OpenTelemetry API sits under it, and the agent's log bridge
 * files inventory's log lines under the same trace.
 */
class JavaAgentInteropIT {

  @TempDir Path dir;
  private AllInOne allInOne;
  private DemoServices demo;
  private Process inventory;
  private final List<String> childOutput = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() throws Exception {
    if (demo != null) {
      demo.close();
    }
    if (inventory != null) {
      inventory.destroy(); // SIGTERM: the agent flushes on its shutdown hook
      if (!inventory.waitFor(30, TimeUnit.SECONDS)) {
        inventory.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    if (allInOne != null) {
      allInOne.close();
    }
  }

  @Test
  void inventoryUnderTheJavaAgentStillJoinsCompleteTracesInTraceyard() throws Exception {
    Path agent = Paths.get(System.getProperty("traceyard.javaagent", "target/javaagent/opentelemetry-javaagent.jar"));
    assertThat(agent).as("the agent jar maven-dependency-plugin copies before the ITs").isRegularFile();
    allInOne = AllInOne.start(dir);

    URI inventoryUri = startInventoryWithAgent(agent, allInOne.otlpGrpcEndpoint());
    demo = DemoServices.start(DemoOptions.builder()
        .services(EnumSet.of(DemoOptions.Service.FRONTEND, DemoOptions.Service.CHECKOUT, DemoOptions.Service.PAYMENTS))
        .inventoryUri(inventoryUri)
        .otlpEndpoint(allInOne.otlpGrpcEndpoint())
        .errorRate(0)
        .slowRate(0)
        .build());

    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    // the agent instruments classes as they load: the first request to a fresh JVM can take longer than
    // checkout's 5 s timeout on a loaded machine, so warm inventory up first (a trace of its own)
    HttpResponse<String> warmUp = http.send(
        HttpRequest.newBuilder(inventoryUri.resolve("/reserve?sku=sku-warmup&quantity=1"))
            .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(120)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(warmUp.statusCode()).as("%s %s", warmUp.body(), childOutput).isEqualTo(200);
    HttpResponse<String> response = http.send(
        HttpRequest.newBuilder(demo.frontendUri().orElseThrow().resolve("/checkout?user=grace&item=sku-mouse&quantity=1"))
            .timeout(Duration.ofSeconds(60)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("%s %s", response.body(), childOutput).isEqualTo(200);
    String traceId = response.headers().firstValue(DemoServices.TRACE_ID_HEADER).orElseThrow();
    assertThat(demo.flush(Duration.ofSeconds(30))).isTrue();

    List<StoredSpan> spans = new ArrayList<>();
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
      spans.clear();
      spans.addAll(allInOne.trace(traceId));
      assertThat(spans).as("%s", spans)
          .anyMatch(s -> s.service().equals("inventory") && s.name().equals("UPDATE inventory.stock"))
          .anyMatch(s -> s.service().equals("payments") && s.kind() == SpanKind.SPAN_KIND_CONSUMER);
    });

    StoredSpan checkoutClient = only(spans, s -> s.service().equals("checkout") && s.kind() == SpanKind.SPAN_KIND_CLIENT);
    StoredSpan agentServer = only(spans, s -> s.service().equals("inventory") && s.kind() == SpanKind.SPAN_KIND_SERVER);
    assertThat(agentServer.parentSpanId()).isEqualTo(checkoutClient.spanId());
    assertThat(agentServer.scope()).as("instrumented by the agent, not by traceyard-sdk").startsWith("io.opentelemetry.");
    assertThat(AllInOne.attribute(agentServer.resource().getResource().getAttributesList(), "telemetry.distro.name"))
        .isEqualTo("opentelemetry-java-instrumentation");
    StoredSpan select = only(spans, s -> s.name().equals("SELECT inventory.stock"));
    assertThat(select.service()).isEqualTo("inventory");
    assertThat(select.kind()).isEqualTo(SpanKind.SPAN_KIND_CLIENT);
    assertThat(AllInOne.attribute(select.span().getAttributesList(), "db.system")).isEqualTo("postgresql");
    // between the agent's SERVER span and the database span may sit the agent's own executor spans: walk up
    assertThat(ancestors(spans, select)).contains(agentServer.spanId());
    // the whole trace is one tree under frontend's SERVER span
    StoredSpan root = only(spans, s -> s.parentSpanId().isEmpty());
    assertThat(root.service()).isEqualTo("frontend");
    assertThat(spans).filteredOn(s -> s != root)
        .allSatisfy(s -> assertThat(ancestors(spans, s)).endsWith(root.spanId()));

    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
        assertThat(allInOne.logs(traceId)).extracting(StoredLog::body)
            .anyMatch(body -> body.startsWith("reserved 1 x sku-mouse")));
  }

  /** Starts {@code DemoMain --services inventory --agent} under the agent and waits for its URI. */
  private URI startInventoryWithAgent(Path agent, String otlpEndpoint) throws Exception {
    Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
    List<String> command = List.of(java.toString(),
        "-javaagent:" + agent.toAbsolutePath(),
        "-Dotel.service.name=inventory",
        "-Dotel.exporter.otlp.protocol=grpc",
        "-Dotel.exporter.otlp.endpoint=" + otlpEndpoint,
        "-Dotel.metrics.exporter=none",
        "-Dotel.bsp.schedule.delay=500",
        "-Dotel.blrp.schedule.delay=500",
        "-cp", testClassPath(),
        "dev.traceyard.demo.DemoMain", "--services", "inventory", "--agent", "--error-rate", "0", "--slow-rate", "0");
    inventory = new ProcessBuilder(command).redirectErrorStream(true).start();
    CompletableFuture<URI> ready = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      URI uri = null;
      try (BufferedReader out = new BufferedReader(new InputStreamReader(inventory.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = out.readLine()) != null; ) {
          childOutput.add(line);
          if (line.startsWith("inventory http://")) {
            uri = URI.create(line.substring("inventory ".length()).trim());
          } else if (line.equals("ready") && uri != null) {
            ready.complete(uri);
          }
        }
      } catch (Exception e) {
        ready.completeExceptionally(e);
      }
      ready.completeExceptionally(new IllegalStateException("inventory exited before it was ready: " + childOutput));
    }, "inventory-output");
    reader.setDaemon(true);
    reader.start();
    return ready.get(180, TimeUnit.SECONDS);
  }

  /** The class path of this test JVM (surefire/failsafe put the real one in java.class.path). */
  private String testClassPath() throws Exception {
    String cp = System.getProperty("java.class.path");
    if (!cp.contains("demo-services")) {
      Path file = dir.resolve("cp.txt");
      Files.writeString(file, cp);
      throw new IllegalStateException("the test class path does not name the demo services: " + cp);
    }
    return cp;
  }

  /** Span ids from {@code span}'s parent up to the root. */
  private static List<String> ancestors(List<StoredSpan> spans, StoredSpan span) {
    List<String> out = new ArrayList<>();
    String parent = span.parentSpanId();
    while (!parent.isEmpty()) {
      out.add(parent);
      String current = parent;
      parent = spans.stream().filter(s -> s.spanId().equals(current)).map(StoredSpan::parentSpanId).findFirst().orElse("");
      if (out.size() > spans.size()) {
        break;
      }
    }
    return out;
  }

  private static StoredSpan only(List<StoredSpan> spans, java.util.function.Predicate<StoredSpan> which) {
    List<StoredSpan> found = spans.stream().filter(which).toList();
    assertThat(found).as("spans: %s", spans).hasSize(1);
    return found.get(0);
  }
}
