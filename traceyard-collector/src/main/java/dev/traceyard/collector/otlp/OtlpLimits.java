package dev.traceyard.collector.otlp;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.metrics.v1.Exemplar;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.SummaryDataPoint;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.List;

/**
 * What every received OTLP request must respect, whichever way it came in (gRPC, HTTP protobuf,
 * OTLP/JSON, Zipkin translated to OTLP): ids of the length the specification gives, and bounds on
 * attributes so that one hostile request cannot make processors, exporters or the store do
 * unbounded work per item (a million attributes on one span, a value nested a thousand levels deep).
 *
 * <p>The byte size of a request is bounded elsewhere (the receivers' body and message limits, also
 * after decompression); these limits bound its shape. They are far above what instrumentation
 * produces (the OpenTelemetry SDKs keep 128 attributes per span by default), so they refuse only
 * broken or hostile senders. Protobuf itself refuses messages nested deeper than 100 levels, about
 * 47 levels of AnyValue; the depth limit here is lower so that protobuf and OTLP/JSON agree.
 *
 * <p>A violation refuses the whole request (INVALID_ARGUMENT / 400), as the OpenTelemetry Collector
 * does for an id of the wrong length: the message names the item, e.g.
 * {@code resourceSpans[0].scopeSpans[0].spans[3].traceId: expected 16 bytes, got 5}.
 */
public final class OtlpLimits {
  /** A trace id is 16 bytes, or empty (absent). */
  public static final int TRACE_ID_BYTES = 16;
  /** A span id is 8 bytes, or empty (absent). */
  public static final int SPAN_ID_BYTES = 8;
  /** Attributes of one resource, scope, span, event, link, log record, data point or exemplar; entries of one kvlist value. */
  public static final int MAX_ATTRIBUTES = 1024;
  /** Elements of one array value. */
  public static final int MAX_ARRAY_VALUES = 10_000;
  /** Levels of AnyValue: a plain attribute value is level 1, a value inside an array or kvlist value level 2... */
  public static final int MAX_VALUE_DEPTH = 32;
  /** UTF-8 bytes of one attribute key. */
  public static final int MAX_KEY_BYTES = 4 * 1024;
  /** UTF-8 bytes of one string attribute value, bytes of one bytes value (log bodies are bounded only by the request size). */
  public static final int MAX_VALUE_BYTES = 1024 * 1024;

  private OtlpLimits() {}

  /** The first violation in a trace request, or null when it respects every limit. */
  public static String violation(ExportTraceServiceRequest request) {
    for (int r = 0; r < request.getResourceSpansCount(); r++) {
      ResourceSpans rs = request.getResourceSpans(r);
      String problem = resource(rs.getResource());
      if (problem == null) {
        problem = scopeSpans(rs);
      }
      if (problem != null) {
        return "resourceSpans[" + r + "]." + problem;
      }
    }
    return null;
  }

  /** The first violation in a metrics request, or null when it respects every limit. */
  public static String violation(ExportMetricsServiceRequest request) {
    List<ResourceMetrics> resources = request.getResourceMetricsList();
    for (int r = 0; r < resources.size(); r++) {
      ResourceMetrics rm = resources.get(r);
      String problem = resource(rm.getResource());
      if (problem == null) {
        problem = scopeMetrics(rm.getScopeMetricsList());
      }
      if (problem != null) {
        return "resourceMetrics[" + r + "]." + problem;
      }
    }
    return null;
  }

  /** The first violation in a logs request, or null when it respects every limit. */
  public static String violation(ExportLogsServiceRequest request) {
    List<ResourceLogs> resources = request.getResourceLogsList();
    for (int r = 0; r < resources.size(); r++) {
      ResourceLogs rl = resources.get(r);
      String problem = resource(rl.getResource());
      if (problem == null) {
        problem = scopeLogs(rl.getScopeLogsList());
      }
      if (problem != null) {
        return "resourceLogs[" + r + "]." + problem;
      }
    }
    return null;
  }

  private static String resource(Resource resource) {
    return prefix("resource.", attributes("attributes", resource.getAttributesList()));
  }

  private static String scope(InstrumentationScope scope) {
    return prefix("scope.", attributes("attributes", scope.getAttributesList()));
  }

  private static String scopeSpans(ResourceSpans rs) {
    for (int s = 0; s < rs.getScopeSpansCount(); s++) {
      ScopeSpans ss = rs.getScopeSpans(s);
      String problem = scope(ss.getScope());
      for (int i = 0; problem == null && i < ss.getSpansCount(); i++) {
        problem = indexed("spans", i, span(ss.getSpans(i)));
      }
      if (problem != null) {
        return "scopeSpans[" + s + "]." + problem;
      }
    }
    return null;
  }

  private static String span(Span span) {
    String problem = ids(span.getTraceId(), span.getSpanId());
    if (problem == null) {
      problem = id("parentSpanId", span.getParentSpanId(), SPAN_ID_BYTES);
    }
    if (problem == null) {
      problem = attributes("attributes", span.getAttributesList());
    }
    for (int i = 0; problem == null && i < span.getEventsCount(); i++) {
      problem = indexed("events", i, attributes("attributes", span.getEvents(i).getAttributesList()));
    }
    for (int i = 0; problem == null && i < span.getLinksCount(); i++) {
      Span.Link link = span.getLinks(i);
      String p = ids(link.getTraceId(), link.getSpanId());
      if (p == null) {
        p = attributes("attributes", link.getAttributesList());
      }
      problem = indexed("links", i, p);
    }
    return problem;
  }

  private static String scopeMetrics(List<ScopeMetrics> scopes) {
    for (int s = 0; s < scopes.size(); s++) {
      ScopeMetrics sm = scopes.get(s);
      String problem = scope(sm.getScope());
      List<Metric> metrics = sm.getMetricsList();
      for (int i = 0; problem == null && i < metrics.size(); i++) {
        problem = indexed("metrics", i, metric(metrics.get(i)));
      }
      if (problem != null) {
        return "scopeMetrics[" + s + "]." + problem;
      }
    }
    return null;
  }

  private static String metric(Metric metric) {
    String problem = attributes("metadata", metric.getMetadataList());
    if (problem != null) {
      return problem;
    }
    switch (metric.getDataCase()) {
      case GAUGE:
        return numberPoints("gauge.", metric.getGauge().getDataPointsList());
      case SUM:
        return numberPoints("sum.", metric.getSum().getDataPointsList());
      case HISTOGRAM: {
        List<HistogramDataPoint> points = metric.getHistogram().getDataPointsList();
        for (int i = 0; i < points.size(); i++) {
          HistogramDataPoint p = points.get(i);
          problem = point(p.getAttributesList(), p.getExemplarsList());
          if (problem != null) {
            return "histogram.dataPoints[" + i + "]." + problem;
          }
        }
        return null;
      }
      case EXPONENTIAL_HISTOGRAM: {
        List<ExponentialHistogramDataPoint> points = metric.getExponentialHistogram().getDataPointsList();
        for (int i = 0; i < points.size(); i++) {
          ExponentialHistogramDataPoint p = points.get(i);
          problem = point(p.getAttributesList(), p.getExemplarsList());
          if (problem != null) {
            return "exponentialHistogram.dataPoints[" + i + "]." + problem;
          }
        }
        return null;
      }
      case SUMMARY: {
        List<SummaryDataPoint> points = metric.getSummary().getDataPointsList();
        for (int i = 0; i < points.size(); i++) {
          problem = attributes("attributes", points.get(i).getAttributesList());
          if (problem != null) {
            return "summary.dataPoints[" + i + "]." + problem;
          }
        }
        return null;
      }
      default:
        return null;
    }
  }

  private static String numberPoints(String prefix, List<NumberDataPoint> points) {
    for (int i = 0; i < points.size(); i++) {
      NumberDataPoint p = points.get(i);
      String problem = point(p.getAttributesList(), p.getExemplarsList());
      if (problem != null) {
        return prefix + "dataPoints[" + i + "]." + problem;
      }
    }
    return null;
  }

  private static String point(List<KeyValue> attributes, List<Exemplar> exemplars) {
    String problem = attributes("attributes", attributes);
    for (int i = 0; problem == null && i < exemplars.size(); i++) {
      Exemplar e = exemplars.get(i);
      String p = ids(e.getTraceId(), e.getSpanId());
      if (p == null) {
        p = attributes("filteredAttributes", e.getFilteredAttributesList());
      }
      problem = indexed("exemplars", i, p);
    }
    return problem;
  }

  private static String scopeLogs(List<ScopeLogs> scopes) {
    for (int s = 0; s < scopes.size(); s++) {
      ScopeLogs sl = scopes.get(s);
      String problem = scope(sl.getScope());
      List<LogRecord> records = sl.getLogRecordsList();
      for (int i = 0; problem == null && i < records.size(); i++) {
        problem = indexed("logRecords", i, logRecord(records.get(i)));
      }
      if (problem != null) {
        return "scopeLogs[" + s + "]." + problem;
      }
    }
    return null;
  }

  private static String logRecord(LogRecord record) {
    String problem = ids(record.getTraceId(), record.getSpanId());
    if (problem == null) {
      problem = attributes("attributes", record.getAttributesList());
    }
    if (problem == null && record.hasBody()) {
      problem = prefix("body", value(record.getBody(), 1, false));
    }
    return problem;
  }

  private static String ids(ByteString traceId, ByteString spanId) {
    String problem = id("traceId", traceId, TRACE_ID_BYTES);
    return problem != null ? problem : id("spanId", spanId, SPAN_ID_BYTES);
  }

  private static String id(String field, ByteString id, int length) {
    if (id.isEmpty() || id.size() == length) {
      return null;
    }
    return field + ": expected " + length + " bytes, got " + id.size();
  }

  /** Checks a list of attributes (or a kvlist value's entries) held by {@code field}. */
  private static String attributes(String field, List<KeyValue> attributes) {
    return keyValues(field, attributes, 1, true);
  }

  private static String keyValues(String field, List<KeyValue> list, int depth, boolean limitSize) {
    if (list.size() > MAX_ATTRIBUTES) {
      return field + ": " + list.size() + " attributes, more than the limit of " + MAX_ATTRIBUTES;
    }
    for (int i = 0; i < list.size(); i++) {
      KeyValue kv = list.get(i);
      int keyBytes = utf8Length(kv.getKey(), MAX_KEY_BYTES);
      if (keyBytes > MAX_KEY_BYTES) {
        return field + "[" + i + "].key: " + keyBytes + " bytes, more than the limit of " + MAX_KEY_BYTES;
      }
      if (kv.hasValue()) {
        String problem = value(kv.getValue(), depth, limitSize);
        if (problem != null) {
          return field + "[" + i + "].value" + problem;
        }
      }
    }
    return null;
  }

  /**
   * Checks one AnyValue at nesting level {@code depth}; the problem starts with the path below the
   * value ({@code .arrayValue.values[2]: ...}) or with ": " when the value itself is the problem.
   */
  private static String value(AnyValue value, int depth, boolean limitSize) {
    if (depth > MAX_VALUE_DEPTH) {
      return ": nested deeper than the limit of " + MAX_VALUE_DEPTH + " levels";
    }
    switch (value.getValueCase()) {
      case STRING_VALUE: {
        int size = limitSize ? utf8Length(value.getStringValue(), MAX_VALUE_BYTES) : 0;
        return limitSize && size > MAX_VALUE_BYTES
            ? ": a string of " + size + " bytes, more than the limit of " + MAX_VALUE_BYTES : null;
      }
      case BYTES_VALUE: {
        int size = value.getBytesValue().size();
        return limitSize && size > MAX_VALUE_BYTES
            ? ": " + size + " bytes, more than the limit of " + MAX_VALUE_BYTES : null;
      }
      case ARRAY_VALUE: {
        List<AnyValue> values = value.getArrayValue().getValuesList();
        if (values.size() > MAX_ARRAY_VALUES) {
          return ".arrayValue: " + values.size() + " values, more than the limit of " + MAX_ARRAY_VALUES;
        }
        for (int i = 0; i < values.size(); i++) {
          String problem = value(values.get(i), depth + 1, limitSize);
          if (problem != null) {
            return ".arrayValue.values[" + i + "]" + problem;
          }
        }
        return null;
      }
      case KVLIST_VALUE: {
        String problem = keyValues("values", value.getKvlistValue().getValuesList(), depth + 1, limitSize);
        return problem == null ? null : ".kvlistValue." + problem;
      }
      default:
        return null;
    }
  }

  /**
   * The UTF-8 length of {@code s} as {@link String#getBytes} would encode it (an unpaired surrogate
   * becomes one '?'), or {@code s.length()} when that alone shows it is within {@code limit}. Why
   * not {@code getKeyBytes().size()}: a parsed message holds its strings decoded, and the bytes
   * getter encodes them again and keeps the bytes in place of the string, so the next reader of
   * {@code getKey()} (processors, the exporters, the store) decodes them once more: two copies per
   * string on the hot path, for a length check.
   */
  static int utf8Length(String s, int limit) {
    int chars = s.length();
    if (chars <= limit / 3) {
      return chars; // at most 3 bytes per char: cannot exceed the limit
    }
    int bytes = 0;
    for (int i = 0; i < chars; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        bytes++;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < chars && Character.isLowSurrogate(s.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else if (Character.isSurrogate(c)) {
        bytes++; // unpaired: encoded as '?'
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }

  private static String prefix(String prefix, String problem) {
    return problem == null ? null : prefix + problem;
  }

  /**
   * {@code field[i].problem}, or null when there is no problem. The path is built only for a problem:
   * built for every span, event and link it was most of the walk's cost on a valid request.
   */
  private static String indexed(String field, int i, String problem) {
    return problem == null ? null : field + "[" + i + "]." + problem;
  }
}
