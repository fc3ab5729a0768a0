package dev.traceyard.collector.processor.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.linecorp.armeria.client.grpc.GrpcClients;
import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.LogBatch;
import dev.traceyard.collector.service.Service;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import dev.traceyard.collector.testing.TestComponents.RecordingExporter;
import dev.traceyard.collector.testing.TestServices;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.exporter.otlp.logs.OtlpGrpcLogRecordExporter;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.logs.v1.LogsServiceGrpc;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.export.SimpleLogRecordProcessor;
import io.opentelemetry.sdk.resources.Resource;
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
 * The {@code schema} processor in a logs pipeline built from YAML: a real OTLP gRPC receiver on an
 * ephemeral port, log records from the OpenTelemetry Java SDK's OTLP log exporter, a recording exporter
 * at the end.
 */
class SchemaProcessorLogsIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final String CONFIG = String.join("\n",
      "receivers:",
      "  otlp:",
      "    protocols:",
      "      grpc:",
      "        endpoint: 127.0.0.1:0",
      "processors:",
      "  schema:",
      "    denied_attribute_keys: [\"*.password\"]",
      "    max_attribute_value_length: {limit: 32, action: refuse}",
      "exporters:",
      "  recording:",
      "service:",
      "  telemetry: {metrics: {level: none}}",
      "  pipelines:",
      "    logs:",
      "      receivers: [otlp]",
      "      processors: [schema]",
      "      exporters: [recording]",
      "");
  private static final String LONG = "x".repeat(40);

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

  private List<LogRecord> received() {
    List<LogRecord> out = new ArrayList<>();
    for (Batch b : ((RecordingExporter) service.exporter(ComponentId.parse("recording"))).batches) {
      ((LogBatch) b).request().getResourceLogsList().forEach(rl -> rl.getScopeLogsList().forEach(sl -> out.addAll(sl.getLogRecordsList())));
    }
    return out;
  }

  private static Map<String, String> attrs(LogRecord r) {
    Map<String, String> m = new LinkedHashMap<>();
    r.getAttributesList().forEach(kv -> m.put(kv.getKey(), kv.getValue().getStringValue()));
    return m;
  }

  private double violations(String rule, String action) {
    return telemetry.value("traceyard_processor_schema_violations", "schema", rule, action);
  }

  @Test
  void sdkLogWithADeniedKeyArrivesFixed_andAnOversizedOneIsRefusedAndCounted() {
    OtlpGrpcLogRecordExporter exporter = OtlpGrpcLogRecordExporter.builder().setEndpoint(endpoint).setTimeout(TIMEOUT).build();
    try (SdkLoggerProvider logging = SdkLoggerProvider.builder()
        .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "auth"))))
        .addLogRecordProcessor(SimpleLogRecordProcessor.create(exporter)).build()) {
      logging.get("it").logRecordBuilder().setBody("login")
          .setAttribute(AttributeKey.stringKey("db.password"), "hunter2")
          .setAttribute(AttributeKey.stringKey("user.id"), "7").emit();
      logging.get("it").logRecordBuilder().setBody("upload")
          .setAttribute(AttributeKey.stringKey("payload"), LONG).emit();
      // The SDK only logs a partial success; the flush completing means both exports were answered.
      assertThat(logging.forceFlush().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    }

    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(received()).hasSize(1));
    LogRecord login = received().get(0);
    assertThat(login.getBody().getStringValue()).isEqualTo("login");
    assertThat(attrs(login)).doesNotContainKey("db.password").containsEntry("user.id", "7");
    assertThat(violations("denied_attribute_keys", "fix")).isEqualTo(1);
    assertThat(violations("max_attribute_value_length", "refuse")).isEqualTo(1);
    assertThat(telemetry.value("traceyard_processor_dropped_items", "schema", "logs")).isEqualTo(1);
    assertThat(telemetry.value("traceyard_receiver_refused_log_records", "otlp", "grpc")).isEqualTo(1);
    assertThat(telemetry.value("traceyard_receiver_accepted_log_records", "otlp", "grpc")).isEqualTo(1);
  }

  @Test
  void refusedLogRecordsReachTheClientAsAnOtlpPartialSuccess() {
    LogsServiceGrpc.LogsServiceBlockingStub stub = GrpcClients.builder(endpoint).responseTimeout(TIMEOUT)
        .build(LogsServiceGrpc.LogsServiceBlockingStub.class);
    KeyValue big = KeyValue.newBuilder().setKey("payload").setValue(AnyValue.newBuilder().setStringValue(LONG)).build();
    KeyValue fine = KeyValue.newBuilder().setKey("payload").setValue(AnyValue.newBuilder().setStringValue("small")).build();
    ExportLogsServiceResponse response = stub.export(ExportLogsServiceRequest.newBuilder()
        .addResourceLogs(ResourceLogs.newBuilder().addScopeLogs(ScopeLogs.newBuilder()
            .addLogRecords(LogRecord.newBuilder().addAttributes(big))
            .addLogRecords(LogRecord.newBuilder().addAttributes(fine))
            .addLogRecords(LogRecord.newBuilder().addAttributes(big))))
        .build());

    assertThat(response.getPartialSuccess().getRejectedLogRecords()).isEqualTo(2);
    assertThat(response.getPartialSuccess().getErrorMessage())
        .contains("2 log records violate max_attribute_value_length");
    await().atMost(TIMEOUT).untilAsserted(() ->
        assertThat(received()).extracting(SchemaProcessorLogsIT::attrs).containsExactly(Map.of("payload", "small")));
    assertThat(violations("max_attribute_value_length", "refuse")).isEqualTo(2);
  }
}
