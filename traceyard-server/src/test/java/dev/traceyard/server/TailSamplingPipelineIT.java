package dev.traceyard.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.traceyard.collector.Components;
import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.config.ConfigLoader;
import dev.traceyard.collector.otlp.Hex;
import dev.traceyard.collector.otlp.OtlpJson;
import dev.traceyard.collector.service.Service;
import dev.traceyard.collector.service.ServiceConfig;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Mixed traffic from {@code traceyard loadgen} through the gateway's pipelines: one copy of everything
 * (the reference), a tail-sampled copy (errors, slow traces, 1% of the rest) and span metrics computed
 * before sampling. Every error and slow trace must be kept whole; span metrics must count every span.
 */
class TailSamplingPipelineIT {
  private static final long THRESHOLD_MS = 100;

  @TempDir Path dir;

  @Test
  void errorsAndSlowTracesAreAllKeptWhole_restAtTheConfiguredRatio_spanMetricsCountEverything() throws Exception {
    Path all = dir.resolve("all.jsonl");
    Path sampled = dir.resolve("sampled.jsonl");
    Path metrics = dir.resolve("metrics.jsonl");
    String yaml = String.join("\n",
        "receivers:",
        "  otlp:",
        "    protocols:",
        "      grpc: {endpoint: '127.0.0.1:0'}",
        "processors:",
        "  tail_sampling:",
        "    decision_wait: 2s",
        "    policies:",
        "      - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}",
        "      - {name: slow, type: latency, latency: {threshold_ms: " + THRESHOLD_MS + "}}",
        "      - {name: baseline, type: probabilistic, probabilistic: {sampling_percentage: 1}}",
        "connectors:",
        "  spanmetrics:",
        "    aggregation_temporality: AGGREGATION_TEMPORALITY_DELTA",
        "    metrics_flush_interval: 1s",
        "exporters:",
        "  file/all: {path: '" + all + "'}",
        "  file/sampled: {path: '" + sampled + "'}",
        "  file/metrics: {path: '" + metrics + "'}",
        "service:",
        "  telemetry: {metrics: {level: none}}",
        "  pipelines:",
        "    traces/all: {receivers: [otlp], exporters: [file/all, spanmetrics]}",
        "    traces/sampled: {receivers: [otlp], processors: [tail_sampling], exporters: [file/sampled]}",
        "    metrics: {receivers: [spanmetrics], exporters: [file/metrics]}",
        "");
    Service service = Service.create(ServiceConfig.parse(new ConfigLoader(k -> null).loadString("test", yaml),
        Components.builtIn()), SelfTelemetry.forTesting());
    service.start();
    int port = service.receiver(ComponentId.of("otlp")).boundAddresses().get("grpc").getPort();

    StringWriter out = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    int exit = cl.execute("loadgen", "--otlp-endpoint", "127.0.0.1:" + port, "--insecure", "--traces", "5000",
        "--rate", "0", "--spans-per-trace", "6", "--error-ratio", "0.05", "--slow-ratio", "0.05", "--seed", "7");
    assertThat(exit).as(out.toString()).isZero();
    assertThat(out.toString()).contains("sent=30000 failed=0");
    // Shutdown decides every buffered trace and flushes the connector: nothing is left in memory.
    assertThat(service.shutdown(Duration.ofSeconds(60))).isTrue();

    Map<String, List<Span>> reference = traces(all);
    Map<String, List<Span>> kept = traces(sampled);
    assertThat(reference.values().stream().mapToInt(List::size).sum()).isEqualTo(30000);

    int mustKeep = 0;
    int rest = 0;
    int restKept = 0;
    for (Map.Entry<String, List<Span>> t : reference.entrySet()) {
      List<Span> spans = t.getValue();
      boolean error = spans.stream().anyMatch(s -> s.getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR);
      long start = spans.stream().mapToLong(Span::getStartTimeUnixNano).min().orElseThrow();
      long end = spans.stream().mapToLong(Span::getEndTimeUnixNano).max().orElseThrow();
      boolean slow = end - start > (THRESHOLD_MS + 1) * 1_000_000L;
      List<Span> got = kept.get(t.getKey());
      if (error || slow) {
        mustKeep++;
        assertThat(got).as("trace %s (error=%s, slow=%s) is kept", t.getKey(), error, slow).isNotNull();
        assertThat(ids(got)).as("trace %s is complete", t.getKey()).isEqualTo(ids(spans));
        assertThat(got).allSatisfy(s -> assertThat(policy(s)).isIn("errors", "slow"));
      } else if (end - start < (THRESHOLD_MS - 1) * 1_000_000L) {
        rest++;
        if (got != null) {
          restKept++;
          assertThat(ids(got)).isEqualTo(ids(spans));
        }
      }
    }
    assertThat(mustKeep).as("the traffic has error and slow traces").isGreaterThan(400);
    // 1% of the rest: expected ~45 of ~4500; a binomial stays within 4 standard deviations.
    double expected = rest * 0.01;
    double sd = Math.sqrt(rest * 0.01 * 0.99);
    assertThat((double) restKept).isBetween(expected - 4 * sd, expected + 4 * sd);

    assertThat(spanMetricCalls(metrics)).as("span metrics count every span, before sampling").isEqualTo(30000);
  }

  private static Set<String> ids(List<Span> spans) {
    return spans.stream().map(s -> Hex.encode(s.getSpanId())).collect(Collectors.toSet());
  }

  private static String policy(Span s) {
    for (KeyValue kv : s.getAttributesList()) {
      if (kv.getKey().equals("sampling.policy")) {
        return kv.getValue().getStringValue();
      }
    }
    return null;
  }

  private static Map<String, List<Span>> traces(Path file) throws Exception {
    Map<String, List<Span>> out = new HashMap<>();
    Set<String> seen = new HashSet<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (line.isBlank()) {
        continue;
      }
      for (ResourceSpans rs : OtlpJson.decodeTraces(line.getBytes(StandardCharsets.UTF_8)).getResourceSpansList()) {
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          for (Span s : ss.getSpansList()) {
            assertThat(seen.add(Hex.encode(s.getSpanId()))).as("no duplicate span").isTrue();
            out.computeIfAbsent(Hex.encode(s.getTraceId()), k -> new java.util.ArrayList<>()).add(s);
          }
        }
      }
    }
    return out;
  }

  private static long spanMetricCalls(Path file) throws Exception {
    long calls = 0;
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (line.isBlank()) {
        continue;
      }
      for (var rm : OtlpJson.decodeMetrics(line.getBytes(StandardCharsets.UTF_8)).getResourceMetricsList()) {
        for (var sm : rm.getScopeMetricsList()) {
          for (Metric m : sm.getMetricsList()) {
            if (m.getName().endsWith(".calls")) {
              for (NumberDataPoint p : m.getSum().getDataPointsList()) {
                calls += p.getAsInt();
              }
            }
          }
        }
      }
    }
    return calls;
  }
}
