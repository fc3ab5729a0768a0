package dev.traceyard.collector.exporter.debug;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.LogBatch;
import dev.traceyard.collector.data.MetricBatch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.exporter.exporterhelper.Sender;
import dev.traceyard.collector.otlp.Hex;
import dev.traceyard.collector.otlp.OtlpJson;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;

/**
 * Formats batches as log lines: a summary (basic), plus one line per span, metric or log record
 * (normal), or the summary plus the whole request as indented OTLP/JSON (detailed). Values are
 * written on one line each with control characters escaped, so data cannot forge log lines.
 */
final class DebugSender implements Sender {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final DebugExporterConfig config;
  private final Consumer<String> sink;
  private final Sampler sampler;

  DebugSender(DebugExporterConfig config, Consumer<String> sink) {
    this.config = config;
    this.sink = sink;
    this.sampler = new Sampler(config.samplingInitial(), config.samplingThereafter());
  }

  static Consumer<String> sink(DebugExporterConfig config, Logger logger) {
    if (config.useInternalLogger()) {
      return logger::info;
    }
    return line -> {
      synchronized (System.out) {
        System.out.println(line);
      }
    };
  }

  @Override
  public ConsumeResult send(Batch batch) {
    // Sampled-out batches are not failures: the debug exporter's output is advisory.
    if (!sampler.allow(System.nanoTime())) {
      return ConsumeResult.success();
    }
    if (batch instanceof TraceBatch) {
      traces((TraceBatch) batch);
    } else if (batch instanceof MetricBatch) {
      metrics((MetricBatch) batch);
    } else {
      logs((LogBatch) batch);
    }
    if (config.verbosity() == DebugExporterConfig.Verbosity.DETAILED) {
      sink.accept(pretty(OtlpJson.encode(batch.request())));
    }
    return ConsumeResult.success();
  }

  private boolean normal() {
    return config.verbosity() == DebugExporterConfig.Verbosity.NORMAL;
  }

  private void traces(TraceBatch batch) {
    List<ResourceSpans> list = batch.request().getResourceSpansList();
    sink.accept("Traces: " + list.size() + " resource spans, " + batch.itemCount() + " spans");
    if (!normal()) {
      return;
    }
    for (ResourceSpans rs : list) {
      String service = service(rs.getResource());
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span s : ss.getSpansList()) {
          StringBuilder sb = new StringBuilder()
              .append(service).append(' ').append(quote(s.getName()))
              .append(" trace_id=").append(Hex.encode(s.getTraceId().toByteArray()))
              .append(" span_id=").append(Hex.encode(s.getSpanId().toByteArray()));
          if (!s.getParentSpanId().isEmpty()) {
            sb.append(" parent_id=").append(Hex.encode(s.getParentSpanId().toByteArray()));
          }
          sb.append(" kind=").append(s.getKind().name().replace("SPAN_KIND_", "").toLowerCase(Locale.ROOT))
              .append(" status=").append(s.getStatus().getCode().name().replace("STATUS_CODE_", "").toLowerCase(Locale.ROOT))
              .append(" duration=").append(durationText(s.getEndTimeUnixNano() - s.getStartTimeUnixNano()));
          appendAttributes(sb, s.getAttributesList());
          sink.accept(sb.toString());
        }
      }
    }
  }

  private void metrics(MetricBatch batch) {
    List<ResourceMetrics> list = batch.request().getResourceMetricsList();
    int metricCount = 0;
    for (ResourceMetrics rm : list) {
      for (ScopeMetrics sm : rm.getScopeMetricsList()) {
        metricCount += sm.getMetricsCount();
      }
    }
    sink.accept("Metrics: " + list.size() + " resource metrics, " + metricCount + " metrics, " + batch.itemCount()
        + " data points");
    if (!normal()) {
      return;
    }
    for (ResourceMetrics rm : list) {
      String service = service(rm.getResource());
      for (ScopeMetrics sm : rm.getScopeMetricsList()) {
        for (Metric m : sm.getMetricsList()) {
          sink.accept(service + ' ' + quote(m.getName()) + " type=" + m.getDataCase().name().toLowerCase(Locale.ROOT)
              + (m.getUnit().isEmpty() ? "" : " unit=" + quote(m.getUnit()))
              + " data_points=" + MetricBatch.dataPointCount(m));
        }
      }
    }
  }

  private void logs(LogBatch batch) {
    List<ResourceLogs> list = batch.request().getResourceLogsList();
    sink.accept("Logs: " + list.size() + " resource logs, " + batch.itemCount() + " log records");
    if (!normal()) {
      return;
    }
    for (ResourceLogs rl : list) {
      String service = service(rl.getResource());
      for (ScopeLogs sl : rl.getScopeLogsList()) {
        for (LogRecord r : sl.getLogRecordsList()) {
          long nanos = r.getTimeUnixNano() != 0 ? r.getTimeUnixNano() : r.getObservedTimeUnixNano();
          StringBuilder sb = new StringBuilder()
              .append(service).append(' ')
              .append(Instant.ofEpochSecond(0, nanos)).append(' ')
              .append(r.getSeverityText().isEmpty()
                  ? r.getSeverityNumber().name().replace("SEVERITY_NUMBER_", "")
                  : quote(r.getSeverityText()))
              .append(' ').append(quote(render(r.getBody())));
          if (!r.getTraceId().isEmpty()) {
            sb.append(" trace_id=").append(Hex.encode(r.getTraceId().toByteArray()));
          }
          if (!r.getSpanId().isEmpty()) {
            sb.append(" span_id=").append(Hex.encode(r.getSpanId().toByteArray()));
          }
          appendAttributes(sb, r.getAttributesList());
          sink.accept(sb.toString());
        }
      }
    }
  }

  private static String service(Resource resource) {
    for (KeyValue kv : resource.getAttributesList()) {
      if (kv.getKey().equals("service.name")) {
        return quote(render(kv.getValue()));
      }
    }
    return "unknown_service";
  }

  private static void appendAttributes(StringBuilder sb, List<KeyValue> attributes) {
    for (KeyValue kv : attributes) {
      sb.append(' ').append(quote(kv.getKey())).append('=').append(quote(render(kv.getValue())));
    }
  }

  static String render(AnyValue v) {
    switch (v.getValueCase()) {
      case STRING_VALUE:
        return v.getStringValue();
      case BOOL_VALUE:
        return Boolean.toString(v.getBoolValue());
      case INT_VALUE:
        return Long.toString(v.getIntValue());
      case DOUBLE_VALUE:
        return Double.toString(v.getDoubleValue());
      case BYTES_VALUE:
        return Base64.getEncoder().encodeToString(v.getBytesValue().toByteArray());
      case ARRAY_VALUE:
        return v.getArrayValue().getValuesList().stream().map(DebugSender::render)
            .collect(Collectors.joining(", ", "[", "]"));
      case KVLIST_VALUE:
        return v.getKvlistValue().getValuesList().stream().map(kv -> kv.getKey() + "=" + render(kv.getValue()))
            .collect(Collectors.joining(", ", "{", "}"));
      default:
        return "";
    }
  }

  /** Keeps one value on one line: quotes it when needed and escapes control characters. */
  static String quote(String s) {
    boolean plain = !s.isEmpty();
    for (int i = 0; i < s.length() && plain; i++) {
      char c = s.charAt(i);
      plain = c > ' ' && c != '"' && c != '=' && c != '\\' && c < 0x7f;
    }
    if (plain) {
      return s;
    }
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"':
          sb.append("\\\"");
          break;
        case '\\':
          sb.append("\\\\");
          break;
        case '\n':
          sb.append("\\n");
          break;
        case '\r':
          sb.append("\\r");
          break;
        case '\t':
          sb.append("\\t");
          break;
        default:
          if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
      }
    }
    return sb.append('"').toString();
  }

  private static String durationText(long nanos) {
    if (nanos < 0) {
      return "invalid";
    }
    if (nanos < 1_000_000) {
      return nanos / 1000 + "us";
    }
    return String.format(Locale.ROOT, "%.3fms", nanos / 1e6);
  }

  private static String pretty(String json) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(JSON.readTree(json));
    } catch (IOException e) {
      return json;
    }
  }

  /** Per one-second window: the first {@code initial} batches, then every {@code thereafter}-th. */
  static final class Sampler {
    private static final long WINDOW_NANOS = 1_000_000_000L;
    private final int initial;
    private final int thereafter;
    private long windowStart;
    private long count;
    private boolean started;

    Sampler(int initial, int thereafter) {
      this.initial = initial;
      this.thereafter = thereafter;
    }

    synchronized boolean allow(long nowNanos) {
      if (!started || nowNanos - windowStart >= WINDOW_NANOS) {
        started = true;
        windowStart = nowNanos;
        count = 0;
      }
      count++;
      if (count <= initial) {
        return true;
      }
      return thereafter > 0 && (count - initial) % thereafter == 0;
    }
  }
}
