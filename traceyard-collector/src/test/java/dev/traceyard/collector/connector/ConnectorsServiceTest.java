package dev.traceyard.collector.connector;

import static dev.traceyard.collector.connector.ConnectorTesting.attr;
import static dev.traceyard.collector.connector.ConnectorTesting.attributes;
import static dev.traceyard.collector.connector.ConnectorTesting.batch;
import static dev.traceyard.collector.connector.ConnectorTesting.error;
import static dev.traceyard.collector.connector.ConnectorTesting.span;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.MetricBatch;
import dev.traceyard.collector.service.Service;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import dev.traceyard.collector.testing.TestServices;
import dev.traceyard.collector.testing.TestComponents.PushReceiver;
import dev.traceyard.collector.testing.TestComponents.RecordingExporter;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The connectors inside a running {@link Service}: a traces pipeline ends in {@code spanmetrics} and
 * {@code servicegraph}, a metrics pipeline starts from them, and a sampled traces pipeline beside
 * them keeps 1% of traces; the span metrics still count every span.
 */
class ConnectorsServiceTest {
  private static final String CONFIG = String.join("\n",
      "receivers:",
      "  push:",
      "processors:",
      "  tail_sampling:",
      "    decision_wait: 1s",
      "    policies: [{name: baseline, type: probabilistic, probabilistic: {sampling_percentage: 1}}]",
      "connectors:",
      "  spanmetrics:",
      "    metrics_flush_interval: 200ms",
      "    dimensions: [{name: http.route}]",
      "    exemplars: {enabled: true}",
      "  servicegraph:",
      "    metrics_flush_interval: 200ms",
      "exporters:",
      "  recording/metrics:",
      "  recording/sampled:",
      "service:",
      "  telemetry: {metrics: {level: none}}",
      "  pipelines:",
      "    traces:",
      "      receivers: [push]",
      "      exporters: [spanmetrics, servicegraph]",
      "    traces/sampled:",
      "      receivers: [push]",
      "      processors: [tail_sampling]",
      "      exporters: [recording/sampled]",
      "    metrics:",
      "      receivers: [spanmetrics, servicegraph]",
      "      exporters: [recording/metrics]",
      "");

  private Service service;

  @AfterEach
  void stop() {
    if (service != null) {
      service.shutdown(Duration.ofSeconds(30));
    }
  }

  private void start() throws Exception {
    service = TestServices.start("t", CONFIG, SelfTelemetry.forTesting());
  }

  /** The sum of every data point of {@code name} in the latest batch that has it, by service. */
  private static Map<String, Long> latestCallsByService(List<? extends Batch> batches, String name) {
    for (int i = batches.size() - 1; i >= 0; i--) {
      Map<String, Long> out = new HashMap<>();
      boolean found = false;
      for (ResourceMetrics rm : ((MetricBatch) batches.get(i)).request().getResourceMetricsList()) {
        for (ScopeMetrics sm : rm.getScopeMetricsList()) {
          for (Metric m : sm.getMetricsList()) {
            if (m.getName().equals(name)) {
              found = true;
              for (NumberDataPoint dp : m.getSum().getDataPointsList()) {
                out.merge(attributes(dp.getAttributesList()).getOrDefault("service.name",
                    attributes(dp.getAttributesList()).get("client")), dp.getAsInt(), Long::sum);
              }
            }
          }
        }
      }
      if (found) {
        return out;
      }
    }
    return Map.of();
  }

  @Test
  void spanMetrics_countEverySpan_whileTheSampledPipelineKeepsFewTraces() throws Exception {
    start();
    PushReceiver push = (PushReceiver) service.receiver(ComponentId.parse("push"));
    RecordingExporter metrics = (RecordingExporter) service.exporter(ComponentId.parse("recording/metrics"));
    Random random = new Random(3);
    Map<String, Long> sent = new HashMap<>();
    for (int b = 0; b < 200; b++) {
      // Each request: a client span in "frontend" and its server span in "cart", in separate batches.
      List<Span> clients = new ArrayList<>();
      List<Span> servers = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        Span.Builder c = span("GET /cart", SpanKind.SPAN_KIND_CLIENT, 10 + random.nextInt(100));
        Span client = (random.nextInt(20) == 0 ? error(c) : c).build();
        clients.add(client);
        servers.add(span("GET /cart", SpanKind.SPAN_KIND_SERVER, 5).setTraceId(client.getTraceId())
            .setParentSpanId(client.getSpanId()).addAttributes(attr("http.route", "/cart")).build());
      }
      assertThat(push.next.consume(batch("frontend", clients)).isSuccess()).isTrue();
      assertThat(push.next.consume(batch("cart", servers)).isSuccess()).isTrue();
      sent.merge("frontend", 5L, Long::sum);
      sent.merge("cart", 5L, Long::sum);
    }

    // The timer flushes while the service runs...
    await().atMost(Duration.ofSeconds(30)).until(() ->
        latestCallsByService(metrics.batches, "traces.span.metrics.calls").equals(sent));
    await().atMost(Duration.ofSeconds(30)).until(() ->
        latestCallsByService(metrics.batches, "traces_service_graph_request_total").equals(Map.of("frontend", 1000L)));

    // ...and shutdown emits a last flush with the spans sent since.
    push.next.consume(batch("cart", span("GET /cart", SpanKind.SPAN_KIND_SERVER, 1).build()));
    service.shutdown(Duration.ofSeconds(30));
    service = null;
    Map<String, Long> expected = new HashMap<>(sent);
    expected.merge("cart", 1L, Long::sum);
    assertThat(latestCallsByService(metrics.batches, "traces.span.metrics.calls")).isEqualTo(expected);
    // The lone server span had no client: after shutdown it is an edge from the user.
    assertThat(latestCallsByService(metrics.batches, "traces_service_graph_request_total"))
        .isEqualTo(Map.of("frontend", 1000L, "user", 1L));
  }
}
