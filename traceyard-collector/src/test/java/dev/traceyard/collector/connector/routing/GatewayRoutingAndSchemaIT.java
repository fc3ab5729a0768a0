package dev.traceyard.collector.connector.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.linecorp.armeria.client.grpc.GrpcClients;
import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.service.Service;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import dev.traceyard.collector.testing.TestServices;
import dev.traceyard.collector.testing.TestComponents.RecordingExporter;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A gateway built from YAML, as a user would write it: a real OTLP gRPC receiver on an ephemeral
 * port, the {@code schema} processor validating what arrives, and the {@code routing} connector
 * sending each tenant to its own pipeline. Spans come from the OpenTelemetry Java SDK.
 */
class GatewayRoutingAndSchemaIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final String CONFIG = String.join("\n",
      "receivers:",
      "  otlp:",
      "    protocols:",
      "      grpc:",
      "        endpoint: 127.0.0.1:0",
      "processors:",
      "  schema:",
      "    required_resource_attributes: {keys: [tenant], action: refuse}",
      "    denied_attribute_keys: [\"*.password\"]",
      "    max_attribute_value_length: {limit: 16, action: tag}",
      "connectors:",
      "  routing:",
      "    default_pipelines: [traces/other]",
      "    table:",
      "      - condition: resource.attributes[\"tenant\"] == \"acme\"",
      "        pipelines: [traces/acme]",
      "      - statement: route() where attributes[\"tenant\"] == \"globex\"",
      "        pipelines: [traces/globex]",
      "exporters:",
      "  recording/acme:",
      "  recording/globex:",
      "  recording/other:",
      "service:",
      "  telemetry: {metrics: {level: none}}",
      "  pipelines:",
      "    traces/in:",
      "      receivers: [otlp]",
      "      processors: [schema]",
      "      exporters: [routing]",
      "    traces/acme:",
      "      receivers: [routing]",
      "      exporters: [recording/acme]",
      "    traces/globex:",
      "      receivers: [routing]",
      "      exporters: [recording/globex]",
      "    traces/other:",
      "      receivers: [routing]",
      "      exporters: [recording/other]",
      "");

  private final SelfTelemetry telemetry = SelfTelemetry.forTesting();
  private Service service;
  private String endpoint;

  @BeforeEach
  void start() throws Exception {
    service = TestServices.start("gateway.yaml", CONFIG, telemetry);
    endpoint = TestServices.otlpGrpcEndpoint(service);
  }

  @AfterEach
  void stop() {
    if (service != null) {
      service.shutdown(TIMEOUT);
    }
  }

  /** Sends spans named {@code names} from one SDK whose resource has {@code tenant} (none when null). */
  private void sendFromSdk(String tenant, Map<String, String> spanAttributes, String... names) {
    Attributes resourceAttrs = tenant == null ? Attributes.of(AttributeKey.stringKey("service.name"), "svc")
        : Attributes.of(AttributeKey.stringKey("service.name"), "svc-" + tenant, AttributeKey.stringKey("tenant"), tenant);
    OtlpGrpcSpanExporter exporter = OtlpGrpcSpanExporter.builder().setEndpoint(endpoint).setTimeout(TIMEOUT).build();
    try (SdkTracerProvider tracing = SdkTracerProvider.builder().setResource(Resource.getDefault().merge(Resource.create(resourceAttrs)))
        .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build()) {
      for (String name : names) {
        var builder = tracing.get("it").spanBuilder(name);
        spanAttributes.forEach(builder::setAttribute);
        builder.startSpan().end();
      }
      assertThat(tracing.forceFlush().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    }
  }

  private List<Span> spans(String exporter) {
    List<Span> out = new ArrayList<>();
    for (Batch b : ((RecordingExporter) service.exporter(ComponentId.parse("recording/" + exporter))).batches) {
      ((TraceBatch) b).request().getResourceSpansList().forEach(rs -> rs.getScopeSpansList().forEach(ss -> out.addAll(ss.getSpansList())));
    }
    return out;
  }

  private static Map<String, String> attrs(Span s) {
    Map<String, String> m = new LinkedHashMap<>();
    s.getAttributesList().forEach(kv -> m.put(kv.getKey(), kv.getValue().getStringValue()));
    return m;
  }

  @Test
  void routesEachTenantToItsOwnPipeline_andUnknownTenantsToTheDefault() {
    sendFromSdk("acme", Map.of(), "acme-1", "acme-2");
    sendFromSdk("globex", Map.of(), "globex-1");
    sendFromSdk("initech", Map.of(), "initech-1");

    await().atMost(TIMEOUT).untilAsserted(() -> {
      assertThat(spans("acme")).extracting(Span::getName).containsExactlyInAnyOrder("acme-1", "acme-2");
      assertThat(spans("globex")).extracting(Span::getName).containsExactly("globex-1");
      assertThat(spans("other")).extracting(Span::getName).containsExactly("initech-1");
    });
    assertThat(telemetry.value("traceyard_connector_routing_routed_items", "routing", "traces/acme")).isEqualTo(2);
  }

  @Test
  void fixesAndTagsViolations_beforeRouting() {
    sendFromSdk("acme", Map.of("db.password", "hunter2", "http.url", "https://example.com/a/very/long/path"), "login");

    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(spans("acme")).hasSize(1));
    Map<String, String> got = attrs(spans("acme").get(0));
    assertThat(got).doesNotContainKey("db.password")
        .containsEntry("http.url", "https://example.com/a/very/long/path")
        .containsEntry("traceyard.schema.violation", "max_attribute_value_length");
    assertThat(telemetry.value("traceyard_processor_schema_violations", "schema", "denied_attribute_keys", "fix")).isEqualTo(1);
    assertThat(telemetry.value("traceyard_processor_schema_violations", "schema", "max_attribute_value_length", "tag")).isEqualTo(1);
  }

  @Test
  void refusesSpansWithoutATenant_reportingThemAsRejectedToTheClient() {
    sendFromSdk(null, Map.of(), "anonymous");
    // The SDK only logs a partial success: ask over raw OTLP gRPC to see what the client is told.
    TraceServiceGrpc.TraceServiceBlockingStub stub = GrpcClients.builder(endpoint).responseTimeout(TIMEOUT)
        .build(TraceServiceGrpc.TraceServiceBlockingStub.class);
    KeyValue tenant = KeyValue.newBuilder().setKey("tenant").setValue(AnyValue.newBuilder().setStringValue("globex")).build();
    ExportTraceServiceResponse response = stub.export(ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(ScopeSpans.newBuilder()
            .addSpans(Span.newBuilder().setName("no-tenant-1")).addSpans(Span.newBuilder().setName("no-tenant-2"))))
        .addResourceSpans(ResourceSpans.newBuilder()
            .setResource(io.opentelemetry.proto.resource.v1.Resource.newBuilder().addAttributes(tenant))
            .addScopeSpans(ScopeSpans.newBuilder().addSpans(Span.newBuilder().setName("with-tenant"))))
        .build());

    assertThat(response.getPartialSuccess().getRejectedSpans()).isEqualTo(2);
    assertThat(response.getPartialSuccess().getErrorMessage()).contains("required_resource_attributes");
    await().atMost(TIMEOUT).untilAsserted(() ->
        assertThat(spans("globex")).extracting(Span::getName).containsExactly("with-tenant"));
    assertThat(spans("acme")).isEmpty();
    assertThat(spans("other")).isEmpty();
    assertThat(telemetry.value("traceyard_processor_schema_violations", "schema", "required_resource_attributes", "refuse"))
        .isEqualTo(3);
  }
}
