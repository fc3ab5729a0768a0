package dev.traceyard.collector.exporter.debug;

import static dev.traceyard.collector.exporter.ExporterTesting.NO_EXTENSIONS;
import static dev.traceyard.collector.exporter.ExporterTesting.logs;
import static dev.traceyard.collector.exporter.ExporterTesting.metrics;
import static dev.traceyard.collector.exporter.ExporterTesting.traces;
import static org.assertj.core.api.Assertions.assertThat;

import dev.traceyard.collector.component.Exporter;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.exporter.ExporterTesting;
import dev.traceyard.collector.otlp.Hex;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DebugExporterTest {
  private final List<String> out = new ArrayList<>();

  private DebugSender sender(DebugExporterConfig.Verbosity v) {
    return new DebugSender(new DebugExporterConfig(v, 1000, 1, true), out::add);
  }

  @Test
  void basic_logsOneSummaryLinePerBatch() {
    DebugSender s = sender(DebugExporterConfig.Verbosity.BASIC);
    s.send(traces("a", 3));
    s.send(metrics("m", 4));
    s.send(logs("l", 2));

    assertThat(out).containsExactly(
        "Traces: 1 resource spans, 3 spans",
        "Metrics: 1 resource metrics, 1 metrics, 4 data points",
        "Logs: 1 resource logs, 2 log records");
  }

  @Test
  void normal_logsOneLinePerSpanWithIdsInHex() {
    TraceBatch t = traces("GET /cart", 2);
    sender(DebugExporterConfig.Verbosity.NORMAL).send(t);

    assertThat(out).hasSize(3);
    String traceId = Hex.encode(t.request().getResourceSpans(0).getScopeSpans(0).getSpans(1).getTraceId().toByteArray());
    assertThat(out.get(2)).startsWith("checkout \"GET /cart-1\" trace_id=" + traceId)
        .contains("kind=server", "status=unset", "duration=12.500ms", "http.route=/a");
  }

  @Test
  void normal_logsOneLinePerLogRecordAndMetric() {
    DebugSender s = sender(DebugExporterConfig.Verbosity.NORMAL);
    s.send(logs("hello", 1));
    s.send(metrics("queue.depth", 2));

    assertThat(out.get(1)).startsWith("checkout 2023-11-14T22:13:20Z INFO \"hello 0\" trace_id=");
    assertThat(out.get(3)).isEqualTo("checkout queue.depth type=gauge unit=1 data_points=2");
  }

  @Test
  void controlCharactersInData_cannotForgeLogLines() {
    TraceBatch t = traces("x", 1);
    ExportTraceServiceRequest.Builder b = t.request().toBuilder();
    b.getResourceSpansBuilder(0).getScopeSpansBuilder(0).getSpansBuilder(0).setName("evil\nFAKE LINE\u001b[31m");
    sender(DebugExporterConfig.Verbosity.NORMAL).send(Batch.of(b.build()));

    assertThat(out.get(1)).doesNotContain("\n").contains("\"evil\\nFAKE LINE\\u001b[31m\"");
  }

  @Test
  void detailed_dumpsTheRequestAsOtlpJson() {
    TraceBatch t = traces("dump", 1);
    sender(DebugExporterConfig.Verbosity.DETAILED).send(t);

    String spanId = Hex.encode(t.request().getResourceSpans(0).getScopeSpans(0).getSpans(0).getSpanId().toByteArray());
    assertThat(out).hasSize(2);
    assertThat(out.get(1)).contains("\"resourceSpans\"", "\"spanId\" : \"" + spanId + "\"", "\"name\" : \"dump-0\"");
  }

  @Test
  void sampler_logsTheFirstOnesThenEveryNthPerSecond() {
    DebugSender.Sampler sampler = new DebugSender.Sampler(2, 3);
    List<Boolean> decisions = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      decisions.add(sampler.allow(1_000L + i));
    }
    assertThat(decisions).containsExactly(true, true, false, false, true, false, false, true);
    // A new second starts a new window.
    assertThat(sampler.allow(2_000_001_000L)).isTrue();
  }

  @Test
  void exporter_countsSampledBatchesAsSent() throws Exception {
    SelfTelemetry telemetry = SelfTelemetry.forTesting();
    DebugExporterFactory f = new DebugExporterFactory();
    Exporter e = f.create(ExporterTesting.settings("debug", telemetry), ExporterTesting.parse(f, "debug", "").config());
    e.start(NO_EXTENSIONS);

    assertThat(e.consume(traces("a", 2)).isSuccess()).isTrue();
    assertThat(e.consume(logs("b", 1)).isSuccess()).isTrue();
    e.shutdown();

    assertThat(telemetry.value("traceyard_exporter_sent_spans", "debug")).isEqualTo(2);
    assertThat(telemetry.value("traceyard_exporter_sent_log_records", "debug")).isEqualTo(1);
  }
}
