package dev.traceyard.server;

import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.service.Service;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import dev.traceyard.store.TraceyardExporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real `traceyard start` all-in-one in the test's JVM: the built-in config with every listener moved
 * to an ephemeral loopback port and the store in a data dir of the test's. Shared by the ITs that need
 * the whole thing (browser, start command, demo services), so they all run what `traceyard start` runs.
 */
public final class AllInOneFixture implements AutoCloseable {
  private static final List<String> LOOPBACK_PORTS = List.of(
      "receivers:",
      "  otlp:",
      "    protocols:",
      "      grpc: {endpoint: '127.0.0.1:0'}",
      "      http: {endpoint: '127.0.0.1:0'}",
      "  zipkin: {endpoint: '127.0.0.1:0'}",
      "exporters:",
      "  traceyard:",
      "    query: {endpoint: '127.0.0.1:0'}",
      "extensions:",
      "  health_check: {endpoint: '127.0.0.1:0'}",
      "service:",
      "  telemetry: {metrics: {address: '127.0.0.1:0'}}");

  private final Service service;

  private AllInOneFixture(Service service) {
    this.service = service;
  }

  /**
   * Starts `traceyard start --config dir/ports.yaml --data-dir dir/data` and returns once it runs.
   * {@code serviceLines} are appended under the override's {@code service:} key (indented by the caller),
   * e.g. to pin a pipeline.
   */
  public static AllInOneFixture start(Path dir, String... serviceLines) throws Exception {
    List<String> lines = new ArrayList<>(LOOPBACK_PORTS);
    lines.addAll(List.of(serviceLines));
    lines.add("");
    Path override = dir.resolve("ports.yaml");
    Files.writeString(override, String.join("\n", lines));
    StartCommand cmd = new StartCommand();
    cmd.configs = List.of(override);
    cmd.dataDir = dir.resolve("data");
    Service service = Service.create(cmd.load(), SelfTelemetry.create());
    service.start();
    return new AllInOneFixture(service);
  }

  /** The loopback port a receiver bound for a transport, e.g. {@code ("otlp", "grpc")}. */
  public int port(String receiver, String transport) {
    return service.receiver(ComponentId.parse(receiver)).boundAddresses().get(transport).getPort();
  }

  /** {@code http://127.0.0.1:<port>} of the OTLP receiver's {@code transport} ("grpc" or "http"). */
  public String otlpEndpoint(String transport) {
    return "http://127.0.0.1:" + port("otlp", transport);
  }

  /** {@code http://127.0.0.1:<port>} of the store's query API and web UI. */
  public String queryBase() {
    return "http://127.0.0.1:" + ((TraceyardExporter) service.exporter(ComponentId.of("traceyard"))).queryAddress().getPort();
  }

  @Override
  public void close() {
    service.shutdown(Duration.ofSeconds(20));
  }
}
