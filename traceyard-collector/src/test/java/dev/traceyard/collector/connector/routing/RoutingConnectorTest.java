package dev.traceyard.collector.connector.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.config.ConfigException;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.LogBatch;
import dev.traceyard.collector.data.MetricBatch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.service.Service;
import dev.traceyard.collector.service.ServiceConfig;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import dev.traceyard.collector.testing.TestServices;
import dev.traceyard.collector.testing.TestComponents.PushReceiver;
import dev.traceyard.collector.testing.TestComponents.RecordingExporter;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The routing connector inside a running {@link Service} of test receivers and recording exporters. */
class RoutingConnectorTest {
  private Service service;
  private SelfTelemetry telemetry;

  @AfterEach
  void stop() {
    if (service != null) {
      service.shutdown(Duration.ofSeconds(10));
    }
  }

  private static String config(String routing, String signal) {
    return String.join("\n",
        "receivers:",
        "  push:",
        "connectors:",
        "  routing:",
        routing,
        "exporters:",
        "  recording/acme:",
        "  recording/globex:",
        "  recording/other:",
        "service:",
        "  telemetry: {metrics: {level: none}}",
        "  pipelines:",
        "    " + signal + "/in:",
        "      receivers: [push]",
        "      exporters: [routing]",
        "    " + signal + "/acme:",
        "      receivers: [routing]",
        "      exporters: [recording/acme]",
        "    " + signal + "/globex:",
        "      receivers: [routing]",
        "      exporters: [recording/globex]",
        "    " + signal + "/other:",
        "      receivers: [routing]",
        "      exporters: [recording/other]",
        "");
  }

  private static ServiceConfig parse(String yaml) throws ConfigException {
    return TestServices.config("t", yaml);
  }

  private PushReceiver start(String routing, String signal) throws Exception {
    telemetry = SelfTelemetry.forTesting();
    service = Service.create(parse(config(routing, signal)), telemetry);
    service.start();
    return (PushReceiver) service.receiver(ComponentId.parse("push"));
  }

  private List<Batch> recorded(String exporter) {
    return ((RecordingExporter) service.exporter(ComponentId.parse("recording/" + exporter))).batches;
  }

  private static KeyValue kv(String k, String v) {
    return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setStringValue(v)).build();
  }

  private static Span span(String name, KeyValue... attrs) {
    return Span.newBuilder().setName(name).addAllAttributes(List.of(attrs)).build();
  }

  private static ResourceSpans resource(String tenant, Span... spans) {
    Resource.Builder r = Resource.newBuilder().addAttributes(kv("service.name", "svc-" + tenant));
    if (tenant != null) {
      r.addAttributes(kv("tenant", tenant));
    }
    return ResourceSpans.newBuilder().setResource(r).addScopeSpans(ScopeSpans.newBuilder()
        .setScope(InstrumentationScope.newBuilder().setName("lib")).addAllSpans(List.of(spans))).build();
  }

  private static TraceBatch traces(ResourceSpans... rs) {
    return TraceBatch.of(ExportTraceServiceRequest.newBuilder().addAllResourceSpans(List.of(rs)).build());
  }

  private static List<String> spanNames(List<Batch> batches) {
    List<String> out = new ArrayList<>();
    for (Batch b : batches) {
      for (ResourceSpans rs : ((TraceBatch) b).request().getResourceSpansList()) {
        rs.getScopeSpansList().forEach(ss -> ss.getSpansList().forEach(s -> out.add(s.getName())));
      }
    }
    return out;
  }

  private static final String BY_TENANT = String.join("\n",
      "    default_pipelines: [traces/other]",
      "    table:",
      "      - condition: resource.attributes[\"tenant\"] == \"acme\"",
      "        pipelines: [traces/acme]",
      "      - statement: route() where attributes[\"tenant\"] == \"globex\"",
      "        pipelines: [traces/globex]");

  @Test
  void routesEachResourceByTenant_andUnmatchedToTheDefault() throws Exception {
    PushReceiver push = start(BY_TENANT, "traces");
    TraceBatch batch = traces(resource("acme", span("a1"), span("a2")), resource("globex", span("g1")),
        resource("initech", span("i1")));

    assertThat(push.next.consume(batch).isSuccess()).isTrue();

    assertThat(spanNames(recorded("acme"))).containsExactly("a1", "a2");
    assertThat(spanNames(recorded("globex"))).containsExactly("g1");
    assertThat(spanNames(recorded("other"))).containsExactly("i1");
    assertThat(telemetry.value("traceyard_connector_routing_routed_items", "routing", "traces/acme")).isEqualTo(2.0);
  }

  @Test
  void passesAWholeBatchUnchanged_whenAllOfItGoesOneWay() throws Exception {
    PushReceiver push = start(BY_TENANT, "traces");
    TraceBatch batch = traces(resource("acme", span("a1")), resource("acme", span("a2")));

    push.next.consume(batch);

    assertThat(recorded("acme")).containsExactly(batch);
    assertThat(recorded("globex")).isEmpty();
    assertThat(recorded("other")).isEmpty();
  }

  @Test
  void splitsAResourceWithMixedSpans_inSpanContext_keepingResourceAndScope() throws Exception {
    PushReceiver push = start(String.join("\n",
        "    default_pipelines: [traces/other]",
        "    table:",
        "      - context: span",
        "        condition: attributes[\"tenant\"] == \"acme\"",
        "        pipelines: [traces/acme]"), "traces");

    push.next.consume(traces(resource(null, span("s1", kv("tenant", "acme")), span("s2"),
        span("s3", kv("tenant", "acme")))));

    assertThat(spanNames(recorded("acme"))).containsExactly("s1", "s3");
    assertThat(spanNames(recorded("other"))).containsExactly("s2");
    ResourceSpans acme = ((TraceBatch) recorded("acme").get(0)).request().getResourceSpans(0);
    assertThat(acme.getResource().getAttributes(0)).isEqualTo(kv("service.name", "svc-null"));
    assertThat(acme.getScopeSpans(0).getScope().getName()).isEqualTo("lib");
  }

  @Test
  void sendsToEveryMatchingRoute_whenMatchOnceIsFalse() throws Exception {
    PushReceiver push = start(String.join("\n",
        "    match_once: false",
        "    table:",
        "      - condition: attributes[\"tenant\"] == \"acme\"",
        "        pipelines: [traces/acme]",
        "      - condition: IsMatch(attributes[\"service.name\"], \"^svc-\")",
        "        pipelines: [traces/globex]"), "traces");

    push.next.consume(traces(resource("acme", span("a1"))));

    assertThat(spanNames(recorded("acme"))).containsExactly("a1");
    assertThat(spanNames(recorded("globex"))).containsExactly("a1");
  }

  @Test
  void dropsAndCountsUnmatchedData_whenThereIsNoDefault() throws Exception {
    PushReceiver push = start(String.join("\n",
        "    table:",
        "      - condition: attributes[\"tenant\"] == \"acme\"",
        "        pipelines: [traces/acme]"), "traces");

    ConsumeResult r = push.next.consume(traces(resource("acme", span("a1")), resource("initech", span("i1"), span("i2"))));

    assertThat(r.isSuccess()).isTrue();
    assertThat(r.rejectedItems()).isEqualTo(2);
    assertThat(spanNames(recorded("acme"))).containsExactly("a1");
    assertThat(recorded("other")).isEmpty();
    assertThat(telemetry.value("traceyard_connector_routing_unrouted_items", "routing", "traces")).isEqualTo(2.0);
  }

  @Test
  void refusesTheBatch_whenAConditionFails_underPropagate_andUsesTheDefault_underIgnore() throws Exception {
    String table = String.join("\n",
        "    default_pipelines: [traces/other]",
        "    table:",
        "      - condition: attributes[\"tenant\"] * 2 > 1",
        "        pipelines: [traces/acme]");
    PushReceiver push = start(table, "traces");
    ConsumeResult r = push.next.consume(traces(resource("acme", span("a1"))));
    assertThat(r.isPermanent()).isTrue();
    assertThat(r.message()).contains("routing").contains("tenant");
    assertThat(recorded("other")).isEmpty();
    stop();

    push = start("    error_mode: ignore\n" + table, "traces");
    assertThat(push.next.consume(traces(resource("acme", span("a1")))).isSuccess()).isTrue();
    assertThat(spanNames(recorded("other"))).containsExactly("a1");
    assertThat(telemetry.value("traceyard_connector_routing_condition_errors", "routing", "traces")).isEqualTo(1.0);
  }

  @Test
  void routesLogRecordsByLogAttribute() throws Exception {
    PushReceiver push = start(String.join("\n",
        "    default_pipelines: [logs/other]",
        "    table:",
        "      - context: log",
        "        condition: attributes[\"tenant\"] == \"globex\"",
        "        pipelines: [logs/globex]"), "logs");
    LogBatch batch = LogBatch.of(ExportLogsServiceRequest.newBuilder().addResourceLogs(ResourceLogs.newBuilder()
        .addScopeLogs(ScopeLogs.newBuilder()
            .addLogRecords(LogRecord.newBuilder().setSeverityText("g").addAttributes(kv("tenant", "globex")))
            .addLogRecords(LogRecord.newBuilder().setSeverityText("o")))).build());

    push.next.consume(batch);

    assertThat(recorded("globex")).hasSize(1);
    assertThat(((LogBatch) recorded("globex").get(0)).request().getResourceLogs(0).getScopeLogs(0).getLogRecordsList())
        .extracting(LogRecord::getSeverityText).containsExactly("g");
    assertThat(((LogBatch) recorded("other").get(0)).request().getResourceLogs(0).getScopeLogs(0).getLogRecordsList())
        .extracting(LogRecord::getSeverityText).containsExactly("o");
  }

  @Test
  void routesMetricsByResource() throws Exception {
    PushReceiver push = start(String.join("\n",
        "    default_pipelines: [metrics/other]",
        "    table:",
        "      - condition: attributes[\"tenant\"] == \"acme\"",
        "        pipelines: [metrics/acme]"), "metrics");
    Metric gauge = Metric.newBuilder().setName("g").setGauge(Gauge.newBuilder().addDataPoints(NumberDataPoint.newBuilder().setAsInt(1))).build();
    MetricBatch batch = MetricBatch.of(ExportMetricsServiceRequest.newBuilder()
        .addResourceMetrics(ResourceMetrics.newBuilder().setResource(Resource.newBuilder().addAttributes(kv("tenant", "acme")))
            .addScopeMetrics(ScopeMetrics.newBuilder().addMetrics(gauge)))
        .addResourceMetrics(ResourceMetrics.newBuilder().addScopeMetrics(ScopeMetrics.newBuilder().addMetrics(gauge)))
        .build());

    push.next.consume(batch);

    assertThat(recorded("acme")).singleElement().extracting(Batch::itemCount).isEqualTo(1);
    assertThat(recorded("other")).singleElement().extracting(Batch::itemCount).isEqualTo(1);
  }

  @Test
  void rejectsARouteToAnUnknownPipeline_namingItsPath() {
    assertThatThrownBy(() -> parse(config(String.join("\n",
        "    default_pipelines: [traces/nope]",
        "    table:",
        "      - condition: attributes[\"tenant\"] == \"acme\"",
        "        pipelines: [traces/acme, traces/missing]"), "traces")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("connectors.routing.table[0].pipelines[1]: references pipeline 'traces/missing'")
        .hasMessageContaining("connectors.routing.default_pipelines[0]: references pipeline 'traces/nope'");
  }

  @Test
  void rejectsABadCondition_namingItsPathAndColumn() {
    assertThatThrownBy(() -> parse(config(String.join("\n",
        "    table:",
        "      - condition: attributes[\"tenant\"] ==",
        "        pipelines: [traces/acme]",
        "      - context: span",
        "        condition: bogus == 1",
        "        pipelines: [traces/acme]",
        "      - statement: drop() where true",
        "        pipelines: [traces/acme]",
        "      - condition: name == \"checkout\"",
        "        pipelines: [traces/acme]"), "traces")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("connectors.routing.table[0].condition: column")
        .hasMessageContaining("connectors.routing.table[1].condition: column 1: unknown path 'bogus'")
        .hasMessageContaining("connectors.routing.table[2].statement: only statements of the form 'route() where <condition>'")
        // The resource context offers the resource only: a span field there is a config error, not a runtime miss.
        .hasMessageContaining("connectors.routing.table[3].condition: column 1: unknown path 'name'");
  }

  @Test
  void rejectsARouteToAPipelineNotFedByTheConnector() {
    String yaml = config(String.join("\n",
        "    table:",
        "      - condition: attributes[\"tenant\"] == \"acme\"",
        "        pipelines: [traces/in]"), "traces");
    assertThatThrownBy(() -> parse(yaml)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("connectors.routing.table[0].pipelines[0]: references pipeline 'traces/in' which does not list 'routing' among its receivers");
  }
}
