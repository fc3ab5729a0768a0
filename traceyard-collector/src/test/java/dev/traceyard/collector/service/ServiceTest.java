package dev.traceyard.collector.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.ConfigLoader;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import dev.traceyard.collector.testing.TestComponents;
import dev.traceyard.collector.testing.TestComponents.PushReceiver;
import dev.traceyard.collector.testing.TestComponents.RecordingExporter;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ServiceTest {
  private static final String CONFIG = String.join("\n",
      "receivers:",
      "  push:",
      "processors:",
      "  counting:",
      "exporters:",
      "  recording/a:",
      "  recording/b:",
      "service:",
      "  telemetry:",
      "    metrics:",
      "      address: 127.0.0.1:0",
      "  pipelines:",
      "    traces:",
      "      receivers: [push]",
      "      processors: [counting]",
      "      exporters: [recording/a, recording/b]",
      "    logs:",
      "      receivers: [push]",
      "      exporters: [recording/b]",
      "");

  private Service service;

  @AfterEach
  void stop() {
    if (service != null) {
      service.shutdown(Duration.ofSeconds(5));
    }
  }

  private Service start(String yaml) throws Exception {
    ServiceConfig config = ServiceConfig.parse(new ConfigLoader(Map.<String, String>of()::get).loadString("t", yaml),
        TestComponents.registry());
    service = Service.create(config, SelfTelemetry.create());
    service.start();
    return service;
  }

  private static Batch traces(int spans) {
    ScopeSpans.Builder ss = ScopeSpans.newBuilder();
    for (int i = 0; i < spans; i++) {
      ss.addSpans(Span.newBuilder().setName("s" + i));
    }
    return Batch.of(ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(ss)).build());
  }

  @Test
  void receiverBatch_fansOutToEveryExporterOfThePipeline() throws Exception {
    start(CONFIG);
    PushReceiver r = (PushReceiver) service.receiver(ComponentId.parse("push"));
    assertThat(r.wired).containsExactlyInAnyOrder(Signal.TRACES, Signal.LOGS);

    Batch b = traces(3);
    assertThat(r.next.consume(b).isSuccess()).isTrue();

    RecordingExporter a = (RecordingExporter) service.exporter(ComponentId.parse("recording/a"));
    RecordingExporter bx = (RecordingExporter) service.exporter(ComponentId.parse("recording/b"));
    assertThat(a.batches).containsExactly(b);
    assertThat(bx.batches).containsExactly(b);
    assertThat(service.telemetry().value("traceyard_processor_incoming_items", "counting", "traces")).isEqualTo(3);
  }

  @Test
  void exporters_areToldOnceThatEverythingStarted_afterTheReceivers() throws Exception {
    start(CONFIG);
    PushReceiver r = (PushReceiver) service.receiver(ComponentId.parse("push"));
    for (String id : new String[] {"recording/a", "recording/b"}) {
      RecordingExporter e = (RecordingExporter) service.exporter(ComponentId.parse(id));
      assertThat(e.readyAt).as(id).hasSize(1);
      assertThat(e.readyAt.get(0)).as(id).isGreaterThan(r.startedAt);
    }
  }

  @Test
  void signalsAreRoutedOnlyToTheirPipelines() throws Exception {
    start(CONFIG);
    PushReceiver r = (PushReceiver) service.receiver(ComponentId.parse("push"));
    Batch logs = Batch.of(ExportLogsServiceRequest.getDefaultInstance());
    assertThat(r.next.consume(logs).isSuccess()).isTrue();
    assertThat(((RecordingExporter) service.exporter(ComponentId.parse("recording/a"))).batches).isEmpty();
    assertThat(((RecordingExporter) service.exporter(ComponentId.parse("recording/b"))).batches).containsExactly(logs);
  }

  @Test
  void exporterRefusal_travelsBackToTheReceiver() throws Exception {
    start(CONFIG);
    RecordingExporter a = (RecordingExporter) service.exporter(ComponentId.parse("recording/a"));
    a.answer = ConsumeResult.retryable("backend down", Duration.ofSeconds(2));
    ConsumeResult result = ((PushReceiver) service.receiver(ComponentId.parse("push"))).next.consume(traces(1));
    assertThat(result.isRetryable()).isTrue();
    assertThat(result.retryAfter()).isEqualTo(Duration.ofSeconds(2));
    assertThat(result.message()).contains("backend down");
  }

  @Test
  void connector_feedsThePipelinesThatReceiveFromIt() throws Exception {
    start(String.join("\n",
        "receivers:",
        "  push:",
        "processors:",
        "  counting:",
        "connectors:",
        "  spanstologs:",
        "exporters:",
        "  recording/traces:",
        "  recording/logs:",
        "service:",
        "  telemetry: {metrics: {level: none}}",
        "  pipelines:",
        "    traces:",
        "      receivers: [push]",
        "      exporters: [recording/traces, spanstologs]",
        "    logs:",
        "      receivers: [spanstologs]",
        "      processors: [counting]",
        "      exporters: [recording/logs]",
        ""));
    PushReceiver r = (PushReceiver) service.receiver(ComponentId.parse("push"));
    assertThat(r.wired).containsExactly(Signal.TRACES);
    assertThat(r.next.consume(traces(4)).isSuccess()).isTrue();
    RecordingExporter logs = (RecordingExporter) service.exporter(ComponentId.parse("recording/logs"));
    assertThat(logs.batches).hasSize(1);
    assertThat(logs.batches.get(0).signal()).isEqualTo(Signal.LOGS);
    assertThat(logs.batches.get(0).itemCount()).isEqualTo(4);
    assertThat(((RecordingExporter) service.exporter(ComponentId.parse("recording/traces"))).batches).hasSize(1);
  }

  @Test
  void shutdown_stopsReceiversAndServesMetricsUntilThen() throws Exception {
    start(CONFIG);
    assertThat(service.isReady()).isTrue();
    HttpResponse<String> resp = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.metricsAddress().getPort() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(resp.body()).contains("jvm_memory_used_bytes");
    PushReceiver r = (PushReceiver) service.receiver(ComponentId.parse("push"));
    assertThat(service.shutdown(Duration.ofSeconds(5))).isTrue();
    assertThat(r.stopped).isTrue();
    assertThat(service.isReady()).isFalse();
  }
}
