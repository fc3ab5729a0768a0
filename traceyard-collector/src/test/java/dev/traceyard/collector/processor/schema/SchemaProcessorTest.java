package dev.traceyard.collector.processor.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.ComponentKind;
import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.ConfigErrors;
import dev.traceyard.collector.config.ConfigException;
import dev.traceyard.collector.config.ConfigLoader;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.LogBatch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import dev.traceyard.collector.testing.TestServices;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SchemaProcessorTest {
  private final SelfTelemetry telemetry = SelfTelemetry.forTesting();
  private final List<Batch> passed = new ArrayList<>();
  private final SchemaProcessorFactory factory = new SchemaProcessorFactory();

  private static ConfigNode node(String yaml, ConfigErrors errors) throws Exception {
    ObjectNode root = new ConfigLoader(Map.<String, String>of()::get).loadString("t", yaml);
    return ConfigNode.of(root, "processors.schema", errors);
  }

  private SchemaProcessor processor(String yaml) throws Exception {
    return processor(yaml, Signal.TRACES);
  }

  private SchemaProcessor processor(String yaml, Signal signal) throws Exception {
    ConfigErrors errors = new ConfigErrors();
    ConfigNode n = node(yaml, errors);
    SchemaConfig config = factory.parseConfig(n);
    n.reportUnknownKeys();
    errors.throwIfAny();
    return (SchemaProcessor) factory.create(new ComponentSettings(ComponentId.parse("schema"), ComponentKind.PROCESSOR,
        telemetry), config, signal, b -> {
          passed.add(b);
          return ConsumeResult.success();
        });
  }

  private static List<String> configErrors(String yaml) throws Exception {
    ConfigErrors errors = new ConfigErrors();
    ConfigNode n = node(yaml, errors);
    new SchemaProcessorFactory().parseConfig(n);
    n.reportUnknownKeys();
    try {
      errors.throwIfAny();
      return List.of();
    } catch (Exception e) {
      return List.of(e.getMessage().split("\n"));
    }
  }

  private static KeyValue kv(String k, String v) {
    return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setStringValue(v)).build();
  }

  private static Span span(String name, KeyValue... attrs) {
    return Span.newBuilder().setName(name).addAllAttributes(List.of(attrs)).build();
  }

  private static TraceBatch batch(List<KeyValue> resource, Span... spans) {
    return TraceBatch.of(ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAllAttributes(resource))
        .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(List.of(spans)))).build());
  }

  private List<Span> passedSpans() {
    List<Span> out = new ArrayList<>();
    for (Batch b : passed) {
      ((TraceBatch) b).request().getResourceSpansList().forEach(rs -> rs.getScopeSpansList().forEach(ss -> out.addAll(ss.getSpansList())));
    }
    return out;
  }

  private static Map<String, String> attrs(List<KeyValue> kvs) {
    Map<String, String> m = new LinkedHashMap<>();
    kvs.forEach(kv -> m.put(kv.getKey(), kv.getValue().getStringValue()));
    return m;
  }

  private double violations(String rule, String action) {
    return telemetry.value("traceyard_processor_schema_violations", "schema", rule, action);
  }

  @Test
  void passesACleanBatchUnchanged() throws Exception {
    SchemaProcessor p = processor("required_resource_attributes: {keys: [service.name], action: refuse}\n"
        + "denied_attribute_keys: [password]\nmax_attribute_value_length: 10\nmax_attributes_per_span: 5\n");
    TraceBatch b = batch(List.of(kv("service.name", "cart")), span("ok", kv("http.route", "/x")));

    assertThat(p.consume(b).isSuccess()).isTrue();

    assertThat(passed).containsExactly(b);
  }

  @Test
  void tagsSpansOfAResourceMissingARequiredAttribute() throws Exception {
    SchemaProcessor p = processor("action: tag\nrequired_resource_attributes: [service.name, deployment.environment.name]\n");

    p.consume(batch(List.of(kv("service.name", "cart")), span("a"), span("b")));

    assertThat(passedSpans()).extracting(s -> attrs(s.getAttributesList()).get("traceyard.schema.violation"))
        .containsExactly("required_resource_attributes", "required_resource_attributes");
    assertThat(violations("required_resource_attributes", "tag")).isEqualTo(2);
  }

  @Test
  void refusesAllSpansOfAResourceMissingARequiredAttribute_asPartialSuccess() throws Exception {
    SchemaProcessor p = processor("required_resource_attributes: {keys: [service.name], action: refuse}\n");
    TraceBatch bad = batch(List.of(kv("host.name", "h")), span("a"), span("b"));
    TraceBatch good = batch(List.of(kv("service.name", "cart")), span("c"));
    TraceBatch both = TraceBatch.of(bad.request().toBuilder().addAllResourceSpans(good.request().getResourceSpansList()).build());

    ConsumeResult r = p.consume(both);

    assertThat(r.isSuccess()).isTrue();
    assertThat(r.rejectedItems()).isEqualTo(2);
    assertThat(r.message()).contains("required_resource_attributes");
    assertThat(passedSpans()).extracting(Span::getName).containsExactly("c");
    assertThat(violations("required_resource_attributes", "refuse")).isEqualTo(2);
  }

  @Test
  void rejectsTheWholeRequest_underRejectRequest() throws Exception {
    SchemaProcessor p = processor("action: refuse\nrefuse_mode: reject_request\ndenied_attribute_keys: [password]\n");

    ConsumeResult r = p.consume(batch(List.of(), span("a", kv("password", "x")), span("b")));

    assertThat(r.isPermanent()).isTrue();
    assertThat(r.message()).contains("1 spans violate denied_attribute_keys");
    assertThat(passed).isEmpty();
    assertThat(violations("denied_attribute_keys", "refuse")).isEqualTo(1);
  }

  @Test
  void dropsDeniedKeys_byGlobAndRegex_onSpansAndResources() throws Exception {
    SchemaProcessor p = processor("denied_attribute_keys: [\"*.password\", \"regex:^secret_[0-9]+$\", token]\n");

    p.consume(batch(List.of(kv("service.name", "s"), kv("token", "t")),
        span("a", kv("db.password", "p"), kv("secret_42", "s"), kv("secret_x", "kept"), kv("http.route", "/"))));

    Span out = passedSpans().get(0);
    assertThat(attrs(out.getAttributesList())).containsOnlyKeys("secret_x", "http.route");
    assertThat(attrs(((TraceBatch) passed.get(0)).request().getResourceSpans(0).getResource().getAttributesList()))
        .containsOnlyKeys("service.name");
    assertThat(violations("denied_attribute_keys", "fix")).isEqualTo(3);
  }

  @Test
  void tagsSpansWithKeysOutsideTheAllowList() throws Exception {
    SchemaProcessor p = processor("allowed_attribute_keys: {keys: [\"http.*\", service.name], action: tag}\n");

    p.consume(batch(List.of(kv("service.name", "s")), span("a", kv("http.route", "/")), span("b", kv("user.email", "e"))));

    assertThat(passedSpans()).extracting(s -> attrs(s.getAttributesList()).get("traceyard.schema.violation"))
        .containsExactly(null, "allowed_attribute_keys");
    assertThat(attrs(passedSpans().get(1).getAttributesList())).containsKey("user.email");
    assertThat(violations("allowed_attribute_keys", "tag")).isEqualTo(1);
  }

  @Test
  void truncatesLongValues_withoutSplittingASurrogatePair() throws Exception {
    SchemaProcessor p = processor("max_attribute_value_length: 4\n");

    p.consume(batch(List.of(), span("a", kv("q", "abcdefgh"), kv("e", "abc\uD83D\uDE00"), kv("short", "ok"))));

    assertThat(attrs(passedSpans().get(0).getAttributesList()))
        .containsEntry("q", "abcd").containsEntry("e", "abc").containsEntry("short", "ok");
    assertThat(violations("max_attribute_value_length", "fix")).isEqualTo(2);
  }

  @Test
  void dropsAttributesBeyondTheLimit_andCountsThemAsDropped() throws Exception {
    SchemaProcessor p = processor("max_attributes_per_span: 2\n");

    p.consume(batch(List.of(), span("a", kv("a", "1"), kv("b", "2"), kv("c", "3"), kv("d", "4"))));

    Span out = passedSpans().get(0);
    assertThat(attrs(out.getAttributesList())).containsOnlyKeys("a", "b");
    assertThat(out.getDroppedAttributesCount()).isEqualTo(2);
    assertThat(violations("max_attributes_per_span", "fix")).isEqualTo(2);
  }

  @Test
  void refusesSpansOverTheAttributeLimit_keepingTheOthers() throws Exception {
    SchemaProcessor p = processor("max_attributes_per_span: {limit: 1, action: refuse}\n");

    ConsumeResult r = p.consume(batch(List.of(), span("fat", kv("a", "1"), kv("b", "2")), span("thin", kv("a", "1"))));

    assertThat(r.rejectedItems()).isEqualTo(1);
    assertThat(passedSpans()).extracting(Span::getName).containsExactly("thin");
    assertThat(violations("max_attributes_per_span", "refuse")).isEqualTo(1);
  }

  @Test
  void combinesSeveralRulesInOneTag() throws Exception {
    SchemaProcessor p = processor("action: tag\ndenied_attribute_keys: [password]\nmax_attribute_value_length: 2\n");

    p.consume(batch(List.of(), span("a", kv("password", "p"), kv("long", "xyz"))));

    assertThat(attrs(passedSpans().get(0).getAttributesList()))
        .containsEntry("traceyard.schema.violation", "denied_attribute_keys,max_attribute_value_length");
  }

  @Test
  void rejectsBadConfig_namingThePath() throws Exception {
    assertThat(configErrors("required_resource_attributes: [service.name]\n"))
        .anyMatch(e -> e.contains("processors.schema.required_resource_attributes") && e.contains("action fix is not available"));
    assertThat(configErrors("denied_attribute_keys: [\"regex:(\"]\n"))
        .anyMatch(e -> e.contains("processors.schema.denied_attribute_keys[0]") && e.contains("invalid regex"));
    assertThat(configErrors("max_attributes_per_span: {limit: 0}\n"))
        .anyMatch(e -> e.contains("processors.schema.max_attributes_per_span.limit"));
    assertThat(configErrors("action: delete\nmax_attributes_per_span: 3\n"))
        .anyMatch(e -> e.contains("processors.schema.action"));
    assertThat(configErrors("{}\n")).anyMatch(e -> e.contains("no rule configured"));
    assertThat(configErrors("max_attributes_per_span: 3\nbogus: 1\n")).anyMatch(e -> e.contains("processors.schema.bogus"));
  }

  // ---- logs: the same rules on log records and their resources ----

  private static LogRecord record(String body, KeyValue... attrs) {
    return LogRecord.newBuilder().setBody(AnyValue.newBuilder().setStringValue(body)).addAllAttributes(List.of(attrs)).build();
  }

  private static ResourceLogs resourceLogs(List<KeyValue> resource, LogRecord... records) {
    return ResourceLogs.newBuilder().setResource(Resource.newBuilder().addAllAttributes(resource))
        .addScopeLogs(ScopeLogs.newBuilder().addAllLogRecords(List.of(records))).build();
  }

  private static LogBatch logs(ResourceLogs... resources) {
    return LogBatch.of(ExportLogsServiceRequest.newBuilder().addAllResourceLogs(List.of(resources)).build());
  }

  private static LogBatch logs(List<KeyValue> resource, LogRecord... records) {
    return logs(resourceLogs(resource, records));
  }

  private List<LogRecord> passedRecords() {
    List<LogRecord> out = new ArrayList<>();
    for (Batch b : passed) {
      ((LogBatch) b).request().getResourceLogsList().forEach(rl -> rl.getScopeLogsList().forEach(sl -> out.addAll(sl.getLogRecordsList())));
    }
    return out;
  }

  private static String body(LogRecord r) {
    return r.getBody().getStringValue();
  }

  private double processorItems(String metric) {
    return telemetry.value("traceyard_processor_" + metric + "_items", "schema", "logs");
  }

  @Test
  void passesACleanLogBatchUnchanged() throws Exception {
    SchemaProcessor p = processor("required_resource_attributes: {keys: [service.name], action: refuse}\n"
        + "denied_attribute_keys: [password]\nmax_attribute_value_length: 10\nmax_attributes_per_span: 5\n", Signal.LOGS);
    LogBatch b = logs(List.of(kv("service.name", "cart")), record("ok", kv("http.route", "/x")));

    ConsumeResult r = p.consume(b);

    assertThat(r.isSuccess()).isTrue();
    assertThat(r.rejectedItems()).isZero();
    assertThat(passed).containsExactly(b);
    assertThat(processorItems("outgoing")).isEqualTo(1);
  }

  @Test
  void dropsDeniedKeys_fromLogRecordsAndTheirResource() throws Exception {
    SchemaProcessor p = processor("denied_attribute_keys: [\"*.password\", \"regex:^secret_[0-9]+$\", token]\n", Signal.LOGS);

    ConsumeResult r = p.consume(logs(List.of(kv("service.name", "s"), kv("token", "t")),
        record("login", kv("db.password", "p"), kv("secret_42", "s"), kv("secret_x", "kept"), kv("user.id", "7"))));

    assertThat(r.rejectedItems()).isZero();
    LogRecord out = passedRecords().get(0);
    assertThat(attrs(out.getAttributesList())).containsOnlyKeys("secret_x", "user.id");
    assertThat(body(out)).isEqualTo("login");
    assertThat(attrs(((LogBatch) passed.get(0)).request().getResourceLogs(0).getResource().getAttributesList()))
        .containsOnlyKeys("service.name");
    assertThat(violations("denied_attribute_keys", "fix")).isEqualTo(3);
  }

  @Test
  void tagsLogRecordsWithDeniedKeys_keepingTheKey() throws Exception {
    SchemaProcessor p = processor("denied_attribute_keys: {keys: [password], action: tag}\ntag_attribute: schema.bad\n", Signal.LOGS);

    p.consume(logs(List.of(), record("a", kv("password", "p")), record("b", kv("user", "u"))));

    assertThat(passedRecords()).extracting(rec -> attrs(rec.getAttributesList()).get("schema.bad"))
        .containsExactly("denied_attribute_keys", null);
    assertThat(attrs(passedRecords().get(0).getAttributesList())).containsEntry("password", "p");
    assertThat(violations("denied_attribute_keys", "tag")).isEqualTo(1);
  }

  @Test
  void refusesLogRecordsWithDeniedKeys_reportingTheCountAsAPartialSuccess() throws Exception {
    SchemaProcessor p = processor("denied_attribute_keys: {keys: [\"*.password\"], action: refuse}\n", Signal.LOGS);

    ConsumeResult r = p.consume(logs(List.of(kv("service.name", "s")),
        record("bad-1", kv("db.password", "p")), record("good", kv("user", "u")), record("bad-2", kv("ldap.password", "q"))));

    assertThat(r.isSuccess()).isTrue();
    assertThat(r.rejectedItems()).isEqualTo(2);
    assertThat(r.message()).contains("2 log records violate denied_attribute_keys");
    assertThat(passedRecords()).extracting(SchemaProcessorTest::body).containsExactly("good");
    assertThat(violations("denied_attribute_keys", "refuse")).isEqualTo(2);
    assertThat(processorItems("incoming")).isEqualTo(3);
    assertThat(processorItems("dropped")).isEqualTo(2);
    assertThat(processorItems("outgoing")).isEqualTo(1);
  }

  @Test
  void tagsLogRecordsOfAResourceMissingARequiredAttribute() throws Exception {
    SchemaProcessor p = processor("action: tag\nrequired_resource_attributes: [service.name]\n", Signal.LOGS);

    p.consume(logs(List.of(kv("host.name", "h")), record("a"), record("b")));

    assertThat(passedRecords()).extracting(rec -> attrs(rec.getAttributesList()).get("traceyard.schema.violation"))
        .containsExactly("required_resource_attributes", "required_resource_attributes");
    assertThat(violations("required_resource_attributes", "tag")).isEqualTo(2);
  }

  @Test
  void refusesEveryLogRecordOfAResourceMissingARequiredAttribute_keepingOtherResources() throws Exception {
    SchemaProcessor p = processor("required_resource_attributes: {keys: [service.name], action: refuse}\n", Signal.LOGS);

    ConsumeResult r = p.consume(logs(resourceLogs(List.of(kv("host.name", "h")), record("a"), record("b")),
        resourceLogs(List.of(kv("service.name", "")), record("empty-name")),
        resourceLogs(List.of(kv("service.name", "cart")), record("c"))));

    assertThat(r.rejectedItems()).isEqualTo(3);
    assertThat(r.message()).contains("required_resource_attributes");
    assertThat(passedRecords()).extracting(SchemaProcessorTest::body).containsExactly("c");
    assertThat(violations("required_resource_attributes", "refuse")).isEqualTo(3);
  }

  @Test
  void answersAPartialSuccessWithoutPassingAnything_whenEveryLogRecordIsRefused() throws Exception {
    SchemaProcessor p = processor("required_resource_attributes: {keys: [service.name], action: refuse}\n", Signal.LOGS);

    ConsumeResult r = p.consume(logs(List.of(), record("a"), record("b")));

    assertThat(r.isSuccess()).isTrue();
    assertThat(r.rejectedItems()).isEqualTo(2);
    assertThat(passed).isEmpty();
    assertThat(processorItems("dropped")).isEqualTo(2);
  }

  @Test
  void rejectsTheWholeLogsRequest_underRejectRequest() throws Exception {
    SchemaProcessor p = processor("action: refuse\nrefuse_mode: reject_request\ndenied_attribute_keys: [password]\n", Signal.LOGS);

    ConsumeResult r = p.consume(logs(List.of(), record("a", kv("password", "x")), record("b"), record("c")));

    assertThat(r.isPermanent()).isTrue();
    assertThat(r.message()).contains("1 log records violate denied_attribute_keys");
    assertThat(passed).isEmpty();
    assertThat(violations("denied_attribute_keys", "refuse")).isEqualTo(1);
    assertThat(processorItems("refused")).isEqualTo(3);
  }

  @Test
  void truncatesLongLogAttributeValues_withoutSplittingASurrogatePair_leavingTheBody() throws Exception {
    SchemaProcessor p = processor("max_attribute_value_length: 4\n", Signal.LOGS);

    p.consume(logs(List.of(), record("a body longer than four", kv("q", "abcdefgh"), kv("e", "abc\uD83D\uDE00"), kv("short", "ok"))));

    LogRecord out = passedRecords().get(0);
    assertThat(attrs(out.getAttributesList()))
        .containsEntry("q", "abcd").containsEntry("e", "abc").containsEntry("short", "ok");
    assertThat(body(out)).isEqualTo("a body longer than four");
    assertThat(violations("max_attribute_value_length", "fix")).isEqualTo(2);
  }

  @Test
  void tagsLogRecordsWithLongValues() throws Exception {
    SchemaProcessor p = processor("max_attribute_value_length: {limit: 3, action: tag}\n", Signal.LOGS);

    p.consume(logs(List.of(), record("a", kv("q", "abcdef"))));

    assertThat(attrs(passedRecords().get(0).getAttributesList()))
        .containsEntry("q", "abcdef").containsEntry("traceyard.schema.violation", "max_attribute_value_length");
    assertThat(violations("max_attribute_value_length", "tag")).isEqualTo(1);
  }

  @Test
  void refusesLogRecordsWithKeysOutsideTheAllowList() throws Exception {
    SchemaProcessor p = processor("allowed_attribute_keys: {keys: [\"http.*\", service.name], action: refuse}\n", Signal.LOGS);

    ConsumeResult r = p.consume(logs(List.of(kv("service.name", "s")),
        record("ok", kv("http.route", "/")), record("bad", kv("user.email", "e"))));

    assertThat(r.rejectedItems()).isEqualTo(1);
    assertThat(passedRecords()).extracting(SchemaProcessorTest::body).containsExactly("ok");
    assertThat(violations("allowed_attribute_keys", "refuse")).isEqualTo(1);
  }

  @Test
  void appliesMaxAttributesPerSpan_toEachLogRecord_countingTheRestAsDropped() throws Exception {
    SchemaProcessor p = processor("max_attributes_per_span: 2\n", Signal.LOGS);
    LogRecord fat = record("fat", kv("a", "1"), kv("b", "2"), kv("c", "3"), kv("d", "4")).toBuilder()
        .setDroppedAttributesCount(1).build();

    p.consume(logs(List.of(kv("r1", "1"), kv("r2", "2"), kv("r3", "3")), fat, record("thin", kv("a", "1"))));

    assertThat(passedRecords()).hasSize(2);
    LogRecord out = passedRecords().get(0);
    assertThat(attrs(out.getAttributesList())).containsOnlyKeys("a", "b");
    assertThat(out.getDroppedAttributesCount()).isEqualTo(3);
    assertThat(passedRecords().get(1)).isEqualTo(record("thin", kv("a", "1")));
    // the limit is per item: the resource's three attributes are not cut
    assertThat(((LogBatch) passed.get(0)).request().getResourceLogs(0).getResource().getAttributesCount()).isEqualTo(3);
    assertThat(violations("max_attributes_per_span", "fix")).isEqualTo(2);
  }

  @Test
  void refusesLogRecordsOverTheAttributeLimit_keepingTheOthers() throws Exception {
    SchemaProcessor p = processor("max_attributes_per_span: {limit: 1, action: refuse}\n", Signal.LOGS);

    ConsumeResult r = p.consume(logs(List.of(), record("fat", kv("a", "1"), kv("b", "2")), record("thin", kv("a", "1"))));

    assertThat(r.rejectedItems()).isEqualTo(1);
    assertThat(passedRecords()).extracting(SchemaProcessorTest::body).containsExactly("thin");
    assertThat(violations("max_attributes_per_span", "refuse")).isEqualTo(1);
  }

  @Test
  void runsInLogsPipelines_butMetricsPipelinesAreAConfigErrorNamingThePipeline() {
    String yaml = String.join("\n",
        "receivers:",
        "  push:",
        "processors:",
        "  schema:",
        "    denied_attribute_keys: [password]",
        "exporters:",
        "  recording:",
        "service:",
        "  pipelines:",
        "    logs:",
        "      receivers: [push]",
        "      processors: [schema]",
        "      exporters: [recording]",
        "    metrics/app:",
        "      receivers: [push]",
        "      processors: [schema]",
        "      exporters: [recording]",
        "");

    ConfigException e = catchThrowableOfType(ConfigException.class, () -> TestServices.config("gateway.yaml", yaml));

    assertThat(e).isNotNull();
    assertThat(e.errors()).containsExactly("service.pipelines.metrics/app.processors[0]: processor 'schema' does not support metrics");
  }
}
