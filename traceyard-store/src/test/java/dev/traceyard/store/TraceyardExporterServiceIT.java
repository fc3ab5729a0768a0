package dev.traceyard.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.traceyard.collector.Components;
import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Receiver;
import dev.traceyard.collector.component.ReceiverFactory;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.consumer.Consumer;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.service.ComponentRegistry;
import dev.traceyard.collector.service.Service;
import dev.traceyard.collector.service.ServiceConfig;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exporter inside a real {@link Service}, wired the way a distribution wires it. */
class TraceyardExporterServiceIT {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** A receiver that lets the test push batches into the pipeline. */
  static final class PushReceiverFactory implements ReceiverFactory<Object> {
    final AtomicReference<Consumer> next = new AtomicReference<>();

    @Override
    public String type() {
      return "push";
    }

    @Override
    public Object parseConfig(ConfigNode node) {
      return new Object();
    }

    @Override
    public Set<Signal> signals() {
      return EnumSet.allOf(Signal.class);
    }

    @Override
    public Receiver create(ComponentSettings settings, Object config, Consumer consumer, Set<Signal> wired) {
      next.set(consumer);
      return new Receiver() {};
    }
  }

  @Test
  void inAServicePipeline_storesWhatTheReceiverPushes_andServesIt(@TempDir Path dir) throws Exception {
    PushReceiverFactory push = new PushReceiverFactory();
    ComponentRegistry registry = StoreComponents.register(Components.builtInBuilder()).receiver(push).build();
    ObjectNode root = (ObjectNode) YAML.readTree("receivers: {push: {}}\n"
        + "exporters:\n  traceyard:\n    data_dir: " + dir + "\n    query: {endpoint: 127.0.0.1:0}\n"
        + "service:\n  telemetry: {metrics: {level: none}}\n  pipelines:\n"
        + "    traces: {receivers: [push], exporters: [traceyard]}\n"
        + "    logs: {receivers: [push], exporters: [traceyard]}\n"
        + "    metrics: {receivers: [push], exporters: [traceyard]}\n");
    Service service = Service.create(ServiceConfig.parse(root, registry), SelfTelemetry.forTesting());
    service.start();
    try {
      TraceyardExporter exporter = (TraceyardExporter) service.exporter(ComponentId.of("traceyard"));
      long now = System.currentTimeMillis() * 1_000_000L;
      assertThat(push.next.get().consume(Batch.of(TestData.fullTrace(TestData.traceId(9), now))).isSuccess()).isTrue();

      HttpClient http = HttpClient.newHttpClient();
      URI uri = URI.create("http://127.0.0.1:" + exporter.queryAddress().getPort() + "/api/v1/traces/"
          + TestData.traceId(9).toHex());
      await().atMost(Duration.ofSeconds(30)).until(() -> http.send(HttpRequest.newBuilder(uri).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
    } finally {
      service.shutdown(Duration.ofSeconds(30));
    }
  }

  @Test
  void queryEndpointInUse_failsTheStartNamingTheEndpoint(@TempDir Path dir) throws Exception {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      ComponentRegistry registry = StoreComponents.register(Components.builtInBuilder()).receiver(new PushReceiverFactory())
          .build();
      ObjectNode root = (ObjectNode) YAML.readTree("receivers: {push: {}}\n"
          + "exporters:\n  traceyard:\n    data_dir: " + dir + "\n    query: {endpoint: 127.0.0.1:" + taken.getLocalPort()
          + "}\nservice:\n  telemetry: {metrics: {level: none}}\n  pipelines:\n"
          + "    traces: {receivers: [push], exporters: [traceyard]}\n");
      Service service = Service.create(ServiceConfig.parse(root, registry), SelfTelemetry.forTesting());
      assertThatThrownBy(service::start).hasMessageContaining("exporter 'traceyard' failed to start")
          .hasMessageContaining("query.endpoint: cannot listen on 127.0.0.1:" + taken.getLocalPort());
    }
    // The store was closed on the failed start: the directory is free again.
    try (StoreHarness again = StoreHarness.start(dir)) {
      assertThat(again.json("/api/v1/services").path("services")).isEmpty();
    }
  }
}
