package dev.traceyard.collector.processor.schema;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.ComponentKind;
import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.ConfigErrors;
import dev.traceyard.collector.config.ConfigLoader;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
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
    ConfigErrors errors = new ConfigErrors();
    ConfigNode n = node(yaml, errors);
    SchemaConfig config = factory.parseConfig(n);
    n.reportUnknownKeys();
    errors.throwIfAny();
    return (SchemaProcessor) factory.create(new ComponentSettings(ComponentId.parse("schema"), ComponentKind.PROCESSOR,
        telemetry), config, Signal.TRACES, b -> {
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
}
