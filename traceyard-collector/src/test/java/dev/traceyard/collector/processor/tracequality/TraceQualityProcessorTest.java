package dev.traceyard.collector.processor.tracequality;

import static dev.traceyard.collector.processor.tracequality.QualityFixtures.request;
import static dev.traceyard.collector.processor.tracequality.QualityFixtures.resource;
import static dev.traceyard.collector.processor.tracequality.QualityFixtures.span;
import static dev.traceyard.collector.processor.tracequality.QualityFixtures.str;
import static io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_SERVER;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.traceyard.collector.Components;
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
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.service.ServiceConfig;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TraceQualityProcessorTest {
  private final List<Batch> passed = new ArrayList<>();
  private ConsumeResult downstream = ConsumeResult.success();

  private static ObjectNode yaml(String text) throws Exception {
    return new ConfigLoader(Map.<String, String>of()::get).loadString("t.yaml", text);
  }

  private TraceQualityProcessor processor(String config) throws Exception {
    ConfigErrors errors = new ConfigErrors();
    ConfigNode n = ConfigNode.of(yaml(config), "processors.trace_quality", errors);
    TraceQualityConfig c = new TraceQualityProcessorFactory().parseConfig(n);
    n.reportUnknownKeys();
    errors.throwIfAny();
    return (TraceQualityProcessor) new TraceQualityProcessorFactory().create(new ComponentSettings(
        ComponentId.parse("trace_quality"), ComponentKind.PROCESSOR, SelfTelemetry.forTesting()), c, Signal.TRACES, b -> {
          passed.add(b);
          return downstream;
        });
  }

  private static String configError(String processorYaml, String pipelines) {
    String full = "receivers: {otlp: {protocols: {grpc: {endpoint: 127.0.0.1:0}}}}\n"
        + "processors:\n  trace_quality:\n" + processorYaml.indent(4)
        + "exporters: {debug: {}}\n"
        + "service:\n  pipelines:\n" + pipelines.indent(4);
    return org.assertj.core.api.Assertions.catchThrowableOfType(ConfigException.class,
        () -> ServiceConfig.parse(yaml(full), Components.builtIn())).getMessage();
  }

  @Test
  void passesTheSameBatchOnWhenNoActionIsConfigured() throws Exception {
    TraceQualityProcessor p = processor("{}");
    TraceBatch batch = TraceBatch.of(request(resource("api"), span(1, 1, 0, SPAN_KIND_SERVER, "GET /", 1, 2)
        .addAttributes(str("user.id", "u1"))));
    assertThat(p.consume(batch).isSuccess()).isTrue();
    assertThat(passed).singleElement().isSameAs(batch);
  }

  @Test
  void appliesPerKeyActionsToThePassingSpans() throws Exception {
    TraceQualityProcessor p = processor("cardinality: {keys: {user.id: hash, session.id: drop, cart.id: move_to_event}}");
    p.consume(TraceBatch.of(request(resource("api"), span(1, 1, 0, SPAN_KIND_SERVER, "GET /", 1, 2)
        .addAttributes(str("user.id", "u1")).addAttributes(str("session.id", "s1")).addAttributes(str("cart.id", "c1"))
        .addAttributes(str("http.route", "/")))));
    Span out = ((TraceBatch) passed.get(0)).request().getResourceSpans(0).getScopeSpans(0).getSpans(0);
    assertThat(out.getAttributesList()).extracting(KeyValue::getKey).containsExactly("user.id", "http.route");
    assertThat(out.getAttributes(0).getValue().getStringValue()).hasSize(32).isNotEqualTo("u1")
        .isEqualTo(AttributeRewriter.hash(str("x", "u1").getValue()));
    assertThat(out.getEventsList()).singleElement().satisfies(e -> {
      assertThat(e.getName()).isEqualTo(AttributeRewriter.MOVED_EVENT);
      assertThat(e.getAttributesList()).containsExactly(str("cart.id", "c1"));
    });
  }

  @Test
  void analysesWhatDownstreamTookOrRefusedForGood_butNotWhatItsClientWillSendAgain() throws Exception {
    // The processor is not started, so nothing drains its analysis queue: what was queued stays there.
    TraceQualityProcessor p = processor("{}");
    TraceBatch batch = TraceBatch.of(request(resource("api"), span(1, 1, 0, SPAN_KIND_SERVER, "GET /", 1, 2)));

    downstream = ConsumeResult.throttled("queue full", java.time.Duration.ofSeconds(1));
    assertThat(p.consume(batch).isRetryable()).isTrue();
    assertThat(p.pollQueued()).isNull();

    downstream = ConsumeResult.permanent("malformed");
    p.consume(batch);
    assertThat(p.pollQueued()).isSameAs(batch.request());

    downstream = ConsumeResult.success();
    p.consume(batch);
    assertThat(p.pollQueued()).isSameAs(batch.request());
    assertThat(p.pollQueued()).isNull();
  }

  @Test
  void refusesOtherSignals() throws Exception {
    TraceQualityProcessor p = processor("{}");
    assertThat(p.consume(Batch.of(io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest.getDefaultInstance()))
        .isPermanent()).isTrue();
  }

  @Test
  void namesTheConfigPathOfAFindingsPipelineThatIsNotALogsPipeline() {
    assertThat(configError("findings_pipelines: [traces]",
        "traces: {receivers: [otlp], processors: [trace_quality], exporters: [debug]}"))
        .contains("processors.trace_quality.findings_pipelines[0]", "expected a logs pipeline");
  }

  @Test
  void namesTheConfigPathOfAFindingsPipelineThatDoesNotExist() {
    assertThat(configError("findings_pipelines: [logs, logs/quality]",
        "traces: {receivers: [otlp], processors: [trace_quality], exporters: [debug]}\n"
            + "logs: {receivers: [otlp], exporters: [debug]}"))
        .contains("processors.trace_quality.findings_pipelines[1]", "'logs/quality' which is not defined")
        .doesNotContain("findings_pipelines[0]");
  }

  @Test
  void namesTheConfigPathOfBadSettings() {
    assertThat(configError("trace_window: 0s\ncardinality: {action: encrypt, precision: 30, keys: {user.id: scramble}}\n"
            + "limits: {body_keys: ['a*b*c']}\nwindow: 1s",
        "traces: {receivers: [otlp], processors: [trace_quality], exporters: [debug]}"))
        .contains("processors.trace_quality.trace_window", "processors.trace_quality.cardinality.action",
            "processors.trace_quality.cardinality.precision", "processors.trace_quality.cardinality.keys.user.id",
            "processors.trace_quality.limits.body_keys[0]", "processors.trace_quality.window");
  }

  @Test
  void acceptsAValidConfigWithAFindingsPipeline() throws Exception {
    ServiceConfig c = ServiceConfig.parse(yaml("receivers: {otlp: {protocols: {grpc: {endpoint: 127.0.0.1:0}}}}\n"
        + "processors: {trace_quality: {findings_pipelines: [logs]}}\nexporters: {debug: {}}\n"
        + "service: {pipelines: {traces: {receivers: [otlp], processors: [trace_quality], exporters: [debug]},"
        + " logs: {receivers: [otlp], exporters: [debug]}}}"), Components.builtIn());
    assertThat(c.pipelineIds()).containsExactly("traces", "logs");
  }
}
