package dev.traceyard.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.Receiver;
import dev.traceyard.collector.config.ConfigException;
import dev.traceyard.collector.config.ConfigLoader;
import dev.traceyard.collector.config.Durations;
import dev.traceyard.collector.service.Service;
import dev.traceyard.collector.service.ServiceConfig;
import dev.traceyard.demo.DemoOptions;
import dev.traceyard.demo.DemoServices;
import dev.traceyard.store.TraceyardExporter;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "start", mixinStandardHelpOptions = true,
    description = {"All-in-one: OTLP (4317/4318) and Zipkin (9411) receivers, memory limiter, the embedded",
        "store and its query API (16686), with built-in defaults. --config files merge on top of them."})
final class StartCommand implements Callable<Integer> {
  static final String BUILT_IN = "start.yaml";

  @Option(names = "--config", paramLabel = "FILE",
      description = "Configuration merged on top of the built-in one; repeat to merge several in order.")
  List<Path> configs = new ArrayList<>();

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "Where the embedded store keeps its data (default: ./data, or TRACEYARD_DATA_DIR).")
  Path dataDir;

  @Option(names = "--demo", description = {"Also run the demo services in this process (frontend -> checkout ->",
      "inventory, payments; see examples/README.md), instrumented with traceyard-sdk, and a load driver",
      "calling frontend: real multi-service traces, logs, a service map and RED figures."})
  boolean demo;

  @Option(names = "--demo-rate", paramLabel = "REQUESTS_PER_SECOND", defaultValue = "5",
      description = "Requests per second the demo load driver sends to frontend, about 13 spans each (default: ${DEFAULT-VALUE}).")
  double demoRate;

  @Option(names = "--shutdown-timeout", paramLabel = "DURATION", defaultValue = "30s",
      description = "How long to wait for buffered data to drain on shutdown (default: ${DEFAULT-VALUE}).")
  String shutdownTimeout;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter out = spec.commandLine().getOut();
    Duration timeout;
    try {
      timeout = Durations.parse(shutdownTimeout);
    } catch (IllegalArgumentException e) {
      err.println("--shutdown-timeout: " + e.getMessage());
      return Main.EXIT_CONFIG;
    }
    if (!(demoRate > 0) || Double.isInfinite(demoRate)) {
      err.println("--demo-rate: must be a number > 0, got " + demoRate);
      return Main.EXIT_CONFIG;
    }
    ServiceConfig config;
    try {
      config = load();
    } catch (ConfigException e) {
      err.println("configuration is invalid (" + e.errors().size() + " error" + (e.errors().size() == 1 ? "" : "s") + "):");
      e.errors().forEach(line -> err.println("  " + line));
      return Main.EXIT_CONFIG;
    }
    return RunCommand.runUntilSignalled(config, timeout, err, service -> {
      printBanner(service, out);
      if (!demo) {
        return () -> {};
      }
      InetSocketAddress grpc = address(service, "otlp", "grpc");
      if (grpc == null) {
        err.println("traceyard: --demo needs the otlp receiver's grpc protocol; demo services not started");
        return () -> {};
      }
      DemoServices services;
      try {
        services = DemoServices.start(DemoOptions.builder()
            .otlpEndpoint("http://" + hostPort(grpc))
            .requestsPerSecond(demoRate)
            .build());
      } catch (RuntimeException e) { // the backend is up and useful without the demo: say why and go on
        err.println("traceyard: demo services did not start: " + e);
        err.flush();
        return () -> {};
      }
      out.println("Demo services: frontend " + services.frontendUri().orElseThrow() + "/checkout, checkout (gRPC),"
          + " inventory, payments; " + demoRate + " requests/s with a few errors and slow requests.");
      out.flush();
      return services::close;
    });
  }

  ServiceConfig load() throws ConfigException {
    ConfigLoader loader = ConfigLoader.withSystemEnv();
    ObjectNode root = loader.loadString("built-in start configuration", builtIn());
    if (!configs.isEmpty()) {
      ConfigLoader.merge(root, loader.load(configs));
    }
    if (dataDir != null) {
      JsonNode store = root.path("exporters").path("traceyard");
      if (store instanceof ObjectNode) {
        ((ObjectNode) store).put("data_dir", dataDir.toString());
      } else {
        throw new ConfigException("--data-dir: the configuration has no 'traceyard' exporter to apply it to");
      }
    }
    return ServiceConfig.parse(root, Distribution.registry());
  }

  static String builtIn() {
    try (InputStream in = StartCommand.class.getResourceAsStream(BUILT_IN)) {
      if (in == null) {
        throw new IllegalStateException("built-in configuration " + BUILT_IN + " is missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the built-in configuration", e);
    }
  }

  private static InetSocketAddress address(Service service, String receiver, String transport) {
    Receiver r = service.receiver(ComponentId.parse(receiver));
    return r == null ? null : r.boundAddresses().get(transport);
  }

  private static void printBanner(Service service, PrintWriter out) {
    List<String> lines = new ArrayList<>();
    lines.add("Traceyard is running.");
    InetSocketAddress grpc = address(service, "otlp", "grpc");
    InetSocketAddress http = address(service, "otlp", "http");
    InetSocketAddress zipkin = address(service, "zipkin", "http");
    if (grpc != null) {
      lines.add("  OTLP/gRPC    " + hostPort(grpc) + "   (OTEL_EXPORTER_OTLP_ENDPOINT=http://" + hostPort(grpc) + ")");
    }
    if (http != null) {
      lines.add("  OTLP/HTTP    http://" + hostPort(http) + "/v1/traces");
    }
    if (zipkin != null) {
      lines.add("  Zipkin       http://" + hostPort(zipkin) + "/api/v2/spans");
    }
    if (service.exporter(ComponentId.of("traceyard")) instanceof TraceyardExporter) {
      InetSocketAddress query = ((TraceyardExporter) service.exporter(ComponentId.of("traceyard"))).queryAddress();
      if (query != null) {
        lines.add("  Query API    http://" + hostPort(query) + "/api/v1/services   (Jaeger API: /api/services)");
      }
    }
    if (service.metricsAddress() != null) {
      lines.add("  Metrics      http://" + hostPort(service.metricsAddress()) + "/metrics");
    }
    lines.add("Stop with Ctrl-C; buffered data is flushed to the store first.");
    lines.forEach(out::println);
    out.flush();
  }

  private static String hostPort(InetSocketAddress a) {
    String host = a.getAddress() == null ? a.getHostString()
        : a.getAddress().isAnyLocalAddress() ? "localhost" : a.getAddress().getHostAddress();
    return host + ":" + a.getPort();
  }
}
