package dev.traceyard.collector.processor.attributes;

import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.attr;
import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.kv;
import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.log;
import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.service;
import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.span;
import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.spansOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.traceyard.collector.component.Processor;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.LogBatch;
import dev.traceyard.collector.data.MetricBatch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.processor.internal.matching.AnyValues;
import dev.traceyard.collector.processor.internal.matching.ProcessorFixtures;
import dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.Capture;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.List;
import org.junit.jupiter.api.Test;

class AttributesProcessorTest {
  private final AttributesProcessorFactory factory = new AttributesProcessorFactory();
  private final SelfTelemetry telemetry = SelfTelemetry.forTesting();
  private final Capture out = new Capture();

  private Processor processor(Signal signal, String yaml) {
    return ProcessorFixtures.create(factory, ProcessorFixtures.valid(factory, yaml), signal, out, telemetry);
  }

  private List<KeyValue> runOne(String yaml, KeyValue... attrs) {
    Processor p = processor(Signal.TRACES, yaml);
    assertThat(p.consume(ProcessorFixtures.traces(service("svc"), span("op", attrs).build())).isSuccess()).isTrue();
    return spansOf(out.last()).get(0).getAttributesList();
  }

  @Test
  void insertUpdateUpsert_followOtelcolRules() {
    List<KeyValue> attrs = runOne(String.join("\n",
        "actions:",
        "  - {key: env, value: prod, action: insert}",
        "  - {key: existing, value: new, action: insert}",
        "  - {key: absent, value: x, action: update}",
        "  - {key: existing2, value: 42, action: update}",
        "  - {key: flag, value: true, action: upsert}",
        "  - {key: ratio, value: 0.5, action: upsert}",
        ""), kv("existing", "old"), kv("existing2", "old"));

    assertThat(attrs).containsExactly(kv("existing", "old"), kv("existing2", 42L), kv("env", "prod"),
        kv("flag", true), kv("ratio", 0.5));
  }

  @Test
  void fromAttribute_andDefaultValue() {
    List<KeyValue> attrs = runOne(String.join("\n",
        "actions:",
        "  - {key: copy, from_attribute: orig, action: upsert}",
        "  - {key: region, from_attribute: cloud.region, default_value: us-east-1, action: insert}",
        "  - {key: missing_copy, from_attribute: nothing, action: insert}",
        ""), kv("orig", "v"));

    assertThat(attrs).containsExactly(kv("orig", "v"), kv("copy", "v"), kv("region", "us-east-1"));
  }

  @Test
  void deleteHashExtractConvert() {
    List<KeyValue> attrs = runOne(String.join("\n",
        "actions:",
        "  - {key: password, action: delete}",
        "  - {pattern: '^secret\\.', action: delete}",
        "  - {key: enduser.id, action: hash}",
        "  - {key: url.path, pattern: '^/api/(?P<api_version>v[0-9]+)/(?P<api_resource>[a-z]+)', action: extract}",
        "  - {key: status, action: convert, converted_type: int}",
        "  - {key: not_a_number, action: convert, converted_type: double}",
        "  - {key: count, action: convert, converted_type: string}",
        ""), kv("password", "hunter2"), kv("secret.a", 1), kv("secret.b", 2), kv("enduser.id", "alice"),
        kv("url.path", "/api/v2/orders/17"), kv("status", "503"), kv("not_a_number", "n/a"), kv("count", 7));

    assertThat(attrs).containsExactly(
        kv("enduser.id", AttributeActions.sha1Hex("alice")),
        kv("url.path", "/api/v2/orders/17"),
        kv("status", 503L),
        kv("not_a_number", "n/a"),
        kv("count", "7"),
        kv("api_version", "v2"),
        kv("api_resource", "orders"));
    assertThat(AttributeActions.sha1Hex("alice")).isEqualTo("522b276a356bdf39013dfabea2cd43e141ecc9e8");
  }

  @Test
  void includeExclude_selectSpans_andUnselectedSpansStayTheSameInstances() {
    Processor p = processor(Signal.TRACES, String.join("\n",
        "actions: [{key: touched, value: true, action: insert}]",
        "include:",
        "  match_type: regexp",
        "  span_names: ['^GET ']",
        "exclude:",
        "  match_type: strict",
        "  attributes: [{key: url.path, value: /healthz}]",
        ""));
    Span get = span("GET /cart").build();
    Span health = span("GET /healthz", kv("url.path", "/healthz")).build();
    Span post = span("POST /cart").build();
    TraceBatch in = ProcessorFixtures.traces(service("svc"), get, health, post);

    p.consume(in);

    List<Span> spans = spansOf(out.last());
    assertThat(attr(spans.get(0).getAttributesList(), "touched")).isEqualTo(AnyValues.of(true));
    assertThat(spans.get(1)).isSameAs(health);
    assertThat(spans.get(2)).isSameAs(post);
    // The shared input batch is untouched.
    assertThat(spansOf(in).get(0)).isSameAs(get);
    assertThat(get.getAttributesList()).isEmpty();
  }

  @Test
  void batchWithNothingToChange_isPassedOnAsIs() {
    Processor p = processor(Signal.TRACES, "actions: [{key: absent, action: delete}]\n");
    TraceBatch in = ProcessorFixtures.traces(service("svc"), span("a", kv("k", "v")).build());

    p.consume(in);

    assertThat(out.last()).isSameAs(in);
    assertThat(telemetry.value("traceyard_processor_incoming_items", "attributes", "traces")).isEqualTo(1);
    assertThat(telemetry.value("traceyard_processor_outgoing_items", "attributes", "traces")).isEqualTo(1);
  }

  @Test
  void logs_areProcessed_withLogMatching() {
    Processor p = processor(Signal.LOGS, String.join("\n",
        "actions: [{key: user.email, action: hash}]",
        "include:",
        "  match_type: strict",
        "  log_severity_texts: [ERROR]",
        ""));
    LogBatch in = ProcessorFixtures.logs(service("svc"),
        log("failed", kv("user.email", "bob@example.com")).setSeverityText("ERROR").build(),
        log("ok", kv("user.email", "bob@example.com")).setSeverityText("INFO").build());

    p.consume(in);

    assertThat(out.logs().get(0).getAttributesList())
        .containsExactly(kv("user.email", AttributeActions.sha1Hex("bob@example.com")));
    assertThat(out.logs().get(1)).isSameAs(in.request().getResourceLogs(0).getScopeLogs(0).getLogRecords(1));
  }

  @Test
  void metrics_changeDataPointAttributes_ofSelectedMetrics() {
    Processor p = processor(Signal.METRICS, String.join("\n",
        "actions: [{key: pod, action: delete}]",
        "include:",
        "  match_type: strict",
        "  metric_names: [http.server.duration]",
        ""));
    MetricBatch in = ProcessorFixtures.metrics(service("svc"),
        ProcessorFixtures.gauge("http.server.duration", List.of(kv("pod", "a"), kv("route", "/")), List.of(kv("route", "/x"))),
        ProcessorFixtures.gauge("other", List.of(kv("pod", "a"))));

    p.consume(in);

    MetricBatch got = (MetricBatch) out.last();
    List<NumberDataPoint> points = got.request().getResourceMetrics(0).getScopeMetrics(0).getMetrics(0).getGauge().getDataPointsList();
    assertThat(points.get(0).getAttributesList()).containsExactly(kv("route", "/"));
    assertThat(points.get(1)).isSameAs(in.request().getResourceMetrics(0).getScopeMetrics(0).getMetrics(0).getGauge().getDataPoints(1));
    assertThat(got.request().getResourceMetrics(0).getScopeMetrics(0).getMetrics(1))
        .isSameAs(in.request().getResourceMetrics(0).getScopeMetrics(0).getMetrics(1));
    assertThat(got.itemCount()).isEqualTo(3);
  }

  @Test
  void spanOnlyMatchProperties_inALogsPipeline_failToStart() {
    Processor p = processor(Signal.LOGS, "actions: [{key: a, action: delete}]\n"
        + "exclude: {match_type: strict, span_names: [x]}\n");

    assertThatThrownBy(() -> p.start(null)).hasMessage("processors.attributes.exclude: span_names does not apply to logs "
        + "(logs take: attributes, libraries, log_bodies, log_severity_number, log_severity_texts, resources)");
  }

  @Test
  void unchangedBatch_isTheSameBatchEvenAfterFailedConversions() {
    Processor p = processor(Signal.TRACES, "actions: [{key: a, action: convert, converted_type: int}]\n");
    Batch in = ProcessorFixtures.traces(service("svc"), span("x", kv("a", "not a number")).build());

    p.consume(in);

    assertThat(out.last()).isSameAs(in);
  }
}
