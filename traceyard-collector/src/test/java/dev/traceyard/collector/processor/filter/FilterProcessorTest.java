package dev.traceyard.collector.processor.filter;

import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.kv;
import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.log;
import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.resource;
import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.service;
import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.span;
import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.spansOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.traceyard.collector.component.Processor;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.data.MetricBatch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.processor.internal.matching.ProcessorFixtures;
import dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.Capture;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import io.opentelemetry.proto.logs.v1.SeverityNumber;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FilterProcessorTest {
  private final FilterProcessorFactory factory = new FilterProcessorFactory();
  private final SelfTelemetry telemetry = SelfTelemetry.forTesting();
  private final Capture out = new Capture();

  private Processor processor(Signal signal, String yaml) {
    return ProcessorFixtures.create(factory, ProcessorFixtures.valid(factory, yaml), signal, out, telemetry);
  }

  private static String spans(String... conditions) {
    StringBuilder sb = new StringBuilder("traces:\n  span:\n");
    for (String c : conditions) {
      sb.append("    - '").append(c.replace("'", "''")).append("'\n");
    }
    return sb.toString();
  }

  private List<String> keptNames(String yaml, Span... spans) {
    out.batches.clear();
    processor(Signal.TRACES, yaml).consume(ProcessorFixtures.traces(service("shop"), spans));
    return out.batches.isEmpty() ? List.of() : spansOf(out.last()).stream().map(Span::getName).toList();
  }

  @Test
  void spanConditions_dropMatchingSpans() {
    Span health = span("GET /healthz", kv("http.route", "/healthz")).setKind(Span.SpanKind.SPAN_KIND_SERVER).build();
    Span cart = span("GET /cart", kv("http.route", "/cart"), kv("retries", 4)).setKind(Span.SpanKind.SPAN_KIND_SERVER).build();
    Span query = span("SELECT", kv("db.system", "postgresql")).setKind(Span.SpanKind.SPAN_KIND_CLIENT)
        .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR)).build();
    Span fast = span("cache.get").setStartTimeUnixNano(1_000).setEndTimeUnixNano(1_500).build();

    assertThat(keptNames(spans("name == \"GET /healthz\""), health, cart, query, fast))
        .containsExactly("GET /cart", "SELECT", "cache.get");
    assertThat(keptNames(spans("attributes[\"http.route\"] == \"/cart\" and kind == SPAN_KIND_SERVER"), health, cart, query))
        .containsExactly("GET /healthz", "SELECT");
    assertThat(keptNames(spans("status.code == STATUS_CODE_ERROR"), health, query)).containsExactly("GET /healthz");
    assertThat(keptNames(spans("IsMatch(name, \"^GET /(healthz|ready)\")"), health, cart)).containsExactly("GET /cart");
    assertThat(keptNames(spans("not (kind == SPAN_KIND_SERVER)"), health, query)).containsExactly("GET /healthz");
    assertThat(keptNames(spans("attributes[\"retries\"] >= 3 or attributes[\"db.system\"] == \"postgresql\""),
        health, cart, query)).containsExactly("GET /healthz");
    assertThat(keptNames(spans("end_time_unix_nano - start_time_unix_nano < 1000000"), cart, fast))
        .containsExactly("GET /cart");
    assertThat(keptNames(spans("resource.attributes[\"service.name\"] == \"shop\""), cart)).isEmpty();
    assertThat(keptNames(spans("attributes[\"absent\"] == nil and name == \"cache.get\""), cart, fast))
        .containsExactly("GET /cart");
    // Values of different types are never equal: an int 4 is not the string "4".
    assertThat(keptNames(spans("attributes[\"retries\"] == \"4\""), cart)).containsExactly("GET /cart");
    assertThat(keptNames(spans("attributes[\"retries\"] == 4.0"), cart)).isEmpty();
  }

  @Test
  void droppedSpans_areCounted_andKeptSpansStayTheSameInstances() {
    Span keep = span("keep").build();
    Span drop = span("drop").build();
    TraceBatch in = ProcessorFixtures.traces(service("shop"), keep, drop);

    ConsumeResult r = processor(Signal.TRACES, spans("name == \"drop\"")).consume(in);

    assertThat(r.isSuccess()).isTrue();
    assertThat(spansOf(out.last())).containsExactly(keep);
    assertThat(spansOf(out.last()).get(0)).isSameAs(keep);
    assertThat(out.last().itemCount()).isEqualTo(1);
    assertThat(telemetry.value("traceyard_processor_filter_dropped_spans", "filter")).isEqualTo(1);
    assertThat(telemetry.value("traceyard_processor_incoming_items", "filter", "traces")).isEqualTo(2);
    assertThat(telemetry.value("traceyard_processor_outgoing_items", "filter", "traces")).isEqualTo(1);
  }

  @Test
  void everythingDropped_passesNothingOn() {
    ConsumeResult r = processor(Signal.TRACES, spans("true")).consume(
        ProcessorFixtures.traces(service("shop"), span("a").build()));

    assertThat(r.isSuccess()).isTrue();
    assertThat(out.batches).isEmpty();
  }

  @Test
  void nothingMatching_passesTheSameBatch() {
    TraceBatch in = ProcessorFixtures.traces(service("shop"), span("a").build());
    processor(Signal.TRACES, spans("name == \"b\"")).consume(in);
    assertThat(out.last()).isSameAs(in);
  }

  @Test
  void spanEventConditions_removeEventsOnly() {
    Span s = span("op").addEvents(Span.Event.newBuilder().setName("exception").addAttributes(kv("exception.type", "IOException")))
        .addEvents(Span.Event.newBuilder().setName("log").addAttributes(kv("msg", "debug noise"))).build();

    processor(Signal.TRACES, "traces:\n  spanevent:\n    - 'name == \"log\" and span.name == \"op\"'\n")
        .consume(ProcessorFixtures.traces(service("shop"), s));

    assertThat(spansOf(out.last()).get(0).getEventsList()).extracting(Span.Event::getName).containsExactly("exception");
    assertThat(telemetry.value("traceyard_processor_filter_dropped_span_events", "filter")).isEqualTo(1);
  }

  @Test
  void metricAndDataPointConditions() {
    Metric gc = ProcessorFixtures.gauge("jvm.gc.pause", List.of(kv("env", "prod")));
    Metric queue = ProcessorFixtures.gauge("queue.size", List.of(kv("q", "a")), List.of(kv("q", "b")), List.of(kv("q", "c")));
    Metric debug = ProcessorFixtures.gauge("debug.only", List.of(kv("env", "dev")));
    MetricBatch in = ProcessorFixtures.metrics(service("shop"), gc, queue, debug);

    processor(Signal.METRICS, String.join("\n",
        "metrics:",
        "  metric:",
        "    - 'HasAttrOnDatapoint(\"env\", \"dev\")'",
        "  datapoint:",
        "    - 'metric.name == \"queue.size\" and value_int >= 2'",
        "")).consume(in);

    MetricBatch got = (MetricBatch) out.last();
    List<Metric> metrics = got.request().getResourceMetrics(0).getScopeMetrics(0).getMetricsList();
    assertThat(metrics).extracting(Metric::getName).containsExactly("jvm.gc.pause", "queue.size");
    assertThat(metrics.get(0)).isSameAs(gc);
    assertThat(metrics.get(1).getGauge().getDataPointsCount()).isEqualTo(1);
    assertThat(got.itemCount()).isEqualTo(2);
    assertThat(telemetry.value("traceyard_processor_filter_dropped_metrics", "filter")).isEqualTo(1);
    assertThat(telemetry.value("traceyard_processor_filter_dropped_data_points", "filter")).isEqualTo(3);
  }

  @Test
  void logConditions_onBodySeverityAndAttributes() {
    processor(Signal.LOGS, String.join("\n",
        "logs:",
        "  log_record:",
        "    - 'severity_number < SEVERITY_NUMBER_WARN and IsMatch(body, \"health check\")'",
        // Indexing a string body is an error, as in OTTL: 'and' short-circuits past it.
        "    - 'IsMap(body) and body[\"event\"] == \"heartbeat\"'",
        "")).consume(ProcessorFixtures.logs(resource(),
        log("health check ok").setSeverityNumber(SeverityNumber.SEVERITY_NUMBER_INFO).build(),
        log("health check failed").setSeverityNumber(SeverityNumber.SEVERITY_NUMBER_ERROR).build(),
        log(Map.of("event", "heartbeat")).build(),
        log(Map.of("event", "order")).build()));

    assertThat(out.logs()).hasSize(2);
    assertThat(telemetry.value("traceyard_processor_filter_dropped_log_records", "filter")).isEqualTo(2);
  }

  @Test
  void errorModePropagate_refusesTheBatchAndCountsNoDrops() {
    Processor p = processor(Signal.TRACES, spans("name == \"x\"", "attributes[\"n\"] * 2 > 10"));

    ConsumeResult r = p.consume(ProcessorFixtures.traces(service("shop"), span("x").build(),
        span("y", kv("n", "not a number")).build()));

    assertThat(r.isPermanent()).isTrue();
    assertThat(r.message()).isEqualTo("filter: condition 'attributes[\"n\"] * 2 > 10' failed: column 17: "
        + "cannot apply '*' to a string and an int");
    assertThat(out.batches).isEmpty();
    assertThat(telemetry.value("traceyard_processor_filter_dropped_spans", "filter")).isZero();
    assertThat(telemetry.value("traceyard_processor_filter_condition_errors", "filter", "traces")).isEqualTo(1);
    assertThat(telemetry.value("traceyard_processor_dropped_items", "filter", "traces")).isEqualTo(2);
  }

  @Test
  void errorModeIgnore_treatsTheConditionAsFalse() {
    Processor p = processor(Signal.TRACES, "error_mode: ignore\n" + spans("attributes[\"n\"] / 0 > 1", "name == \"x\""));

    ConsumeResult r = p.consume(ProcessorFixtures.traces(service("shop"), span("x", kv("n", 5)).build(),
        span("y", kv("n", 5)).build()));

    assertThat(r.isSuccess()).isTrue();
    assertThat(spansOf(out.last())).extracting(Span::getName).containsExactly("y");
    assertThat(telemetry.value("traceyard_processor_filter_condition_errors", "filter", "traces")).isEqualTo(2);
  }

  @Test
  void conditionsOfOtherSignals_doNotApply() {
    TraceBatch in = ProcessorFixtures.traces(service("shop"), span("a").build());
    processor(Signal.TRACES, "logs:\n  log_record: ['true']\n").consume(in);
    assertThat(out.last()).isSameAs(in);
  }
}
