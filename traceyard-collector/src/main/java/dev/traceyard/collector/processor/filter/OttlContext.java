package dev.traceyard.collector.processor.filter;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import dev.traceyard.collector.processor.internal.matching.AnyValues;
import dev.traceyard.collector.processor.internal.matching.DataPoints;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.SummaryDataPoint;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The OTTL contexts the filter processor evaluates conditions in, and the paths each one offers.
 * A path may start with the context's own name ({@code span.name} and {@code name} are the same in
 * the span context); {@code resource.*} and {@code instrumentation_scope.*} exist everywhere.
 */
enum OttlContext {
  SPAN("span", "traces.span"),
  SPANEVENT("spanevent", "traces.spanevent"),
  METRIC("metric", "metrics.metric"),
  DATAPOINT("datapoint", "metrics.datapoint"),
  LOG("log", "logs.log_record"),
  /** Only the resource: used by the routing connector's {@code context: resource}. */
  RESOURCE("resource", "resource");

  /** Reads a value from the item being evaluated; null for an absent value. */
  @FunctionalInterface
  interface Getter {
    Object get(EvalContext c) throws OttlEvalException;
  }

  private final String prefix;
  private final String configName;

  OttlContext(String prefix, String configName) {
    this.prefix = prefix;
    this.configName = configName;
  }

  String configName() {
    return configName;
  }

  private static final List<String> SPAN_KINDS = List.of("Unspecified", "Internal", "Server", "Client", "Producer", "Consumer");
  private static final Map<String, Function<EvalContext, Object>> RESOURCE_FIELDS = new LinkedHashMap<>();
  private static final Map<String, Function<EvalContext, Object>> SCOPE = new LinkedHashMap<>();
  private static final Map<String, Function<Span, Object>> SPAN_FIELDS = new LinkedHashMap<>();
  private static final Map<String, Function<Span.Event, Object>> EVENT_FIELDS = new LinkedHashMap<>();
  private static final Map<String, Function<Metric, Object>> METRIC_FIELDS = new LinkedHashMap<>();
  private static final Map<String, Function<Message, Object>> POINT_FIELDS = new LinkedHashMap<>();
  private static final Map<String, Function<io.opentelemetry.proto.logs.v1.LogRecord, Object>> LOG_FIELDS = new LinkedHashMap<>();

  static {
    RESOURCE_FIELDS.put("attributes", c -> map(c.resource.getAttributesList()));
    RESOURCE_FIELDS.put("dropped_attributes_count", c -> (long) c.resource.getDroppedAttributesCount());
    SCOPE.put("name", c -> c.scope.getName());
    SCOPE.put("version", c -> c.scope.getVersion());
    SCOPE.put("attributes", c -> map(c.scope.getAttributesList()));
    SCOPE.put("dropped_attributes_count", c -> (long) c.scope.getDroppedAttributesCount());

    SPAN_FIELDS.put("name", Span::getName);
    SPAN_FIELDS.put("kind", s -> (long) s.getKindValue());
    SPAN_FIELDS.put("kind.string", s -> s.getKindValue() >= 0 && s.getKindValue() < SPAN_KINDS.size()
        ? SPAN_KINDS.get(s.getKindValue()) : "Unspecified");
    SPAN_FIELDS.put("status.code", s -> (long) s.getStatus().getCodeValue());
    SPAN_FIELDS.put("status.message", s -> s.getStatus().getMessage());
    SPAN_FIELDS.put("attributes", s -> map(s.getAttributesList()));
    SPAN_FIELDS.put("trace_id", Span::getTraceId);
    SPAN_FIELDS.put("trace_id.string", s -> hex(s.getTraceId()));
    SPAN_FIELDS.put("span_id", Span::getSpanId);
    SPAN_FIELDS.put("span_id.string", s -> hex(s.getSpanId()));
    SPAN_FIELDS.put("parent_span_id", Span::getParentSpanId);
    SPAN_FIELDS.put("parent_span_id.string", s -> hex(s.getParentSpanId()));
    SPAN_FIELDS.put("trace_state", Span::getTraceState);
    SPAN_FIELDS.put("flags", s -> (long) s.getFlags());
    SPAN_FIELDS.put("start_time_unix_nano", Span::getStartTimeUnixNano);
    SPAN_FIELDS.put("end_time_unix_nano", Span::getEndTimeUnixNano);
    SPAN_FIELDS.put("dropped_attributes_count", s -> (long) s.getDroppedAttributesCount());
    SPAN_FIELDS.put("dropped_events_count", s -> (long) s.getDroppedEventsCount());
    SPAN_FIELDS.put("dropped_links_count", s -> (long) s.getDroppedLinksCount());

    EVENT_FIELDS.put("name", Span.Event::getName);
    EVENT_FIELDS.put("time_unix_nano", Span.Event::getTimeUnixNano);
    EVENT_FIELDS.put("attributes", e -> map(e.getAttributesList()));
    EVENT_FIELDS.put("dropped_attributes_count", e -> (long) e.getDroppedAttributesCount());

    METRIC_FIELDS.put("name", Metric::getName);
    METRIC_FIELDS.put("description", Metric::getDescription);
    METRIC_FIELDS.put("unit", Metric::getUnit);
    METRIC_FIELDS.put("type", OttlContext::metricType);
    METRIC_FIELDS.put("aggregation_temporality", OttlContext::temporality);
    METRIC_FIELDS.put("is_monotonic", m -> m.hasSum() && m.getSum().getIsMonotonic());

    POINT_FIELDS.put("attributes", p -> map(DataPoints.attributes(p)));
    POINT_FIELDS.put("start_time_unix_nano", p -> (Long) field(p, "start_time_unix_nano"));
    POINT_FIELDS.put("time_unix_nano", p -> (Long) field(p, "time_unix_nano"));
    POINT_FIELDS.put("value_double", p -> p instanceof NumberDataPoint n ? (Object) n.getAsDouble() : null);
    POINT_FIELDS.put("value_int", p -> p instanceof NumberDataPoint n ? (Object) n.getAsInt() : null);
    POINT_FIELDS.put("count", OttlContext::pointCount);
    POINT_FIELDS.put("sum", OttlContext::pointSum);
    POINT_FIELDS.put("flags", p -> ((Integer) field(p, "flags")).longValue());

    LOG_FIELDS.put("body", l -> AnyValues.toJava(l.getBody()));
    LOG_FIELDS.put("severity_number", l -> (long) l.getSeverityNumberValue());
    LOG_FIELDS.put("severity_text", l -> l.getSeverityText());
    LOG_FIELDS.put("attributes", l -> map(l.getAttributesList()));
    LOG_FIELDS.put("time_unix_nano", l -> l.getTimeUnixNano());
    LOG_FIELDS.put("observed_time_unix_nano", l -> l.getObservedTimeUnixNano());
    LOG_FIELDS.put("trace_id", l -> l.getTraceId());
    LOG_FIELDS.put("trace_id.string", l -> hex(l.getTraceId()));
    LOG_FIELDS.put("span_id", l -> l.getSpanId());
    LOG_FIELDS.put("span_id.string", l -> hex(l.getSpanId()));
    LOG_FIELDS.put("flags", l -> (long) l.getFlags());
    LOG_FIELDS.put("event_name", l -> l.getEventName());
    LOG_FIELDS.put("dropped_attributes_count", l -> (long) l.getDroppedAttributesCount());
  }

  /**
   * The getter for a path of dot-separated {@code names}; {@code hasKeys} tells whether indexes
   * ({@code ["key"]}) follow, which only maps and lists accept.
   */
  Getter resolve(List<String> names, int column) throws OttlSyntaxException {
    String full = String.join(".", names);
    if (this == RESOURCE) {
      // "attributes" and "resource.attributes" name the same thing here; nothing else is in scope.
      List<String> own = names.size() > 1 && names.get(0).equals("resource") ? names.subList(1, names.size()) : names;
      Function<EvalContext, Object> f = RESOURCE_FIELDS.get(String.join(".", own));
      if (f != null) {
        return f::apply;
      }
      throw unknown(full, column, "attributes, dropped_attributes_count, resource.attributes");
    }
    List<String> rest = names;
    if (names.size() > 1 && names.get(0).equals(prefix)) {
      rest = names.subList(1, names.size());
    }
    String head = rest.get(0);
    String tail = String.join(".", rest.subList(1, rest.size()));
    if (head.equals("resource") && rest.size() > 1) {
      Function<EvalContext, Object> f = RESOURCE_FIELDS.get(tail);
      if (f != null) {
        return f::apply;
      }
      throw unknown(full, column, "resource." + String.join(", resource.", RESOURCE_FIELDS.keySet()));
    }
    if (head.equals("instrumentation_scope") && rest.size() > 1) {
      Function<EvalContext, Object> f = SCOPE.get(tail);
      if (f != null) {
        return f::apply;
      }
      throw unknown(full, column, "instrumentation_scope." + String.join(", instrumentation_scope.", SCOPE.keySet()));
    }
    String field = String.join(".", rest);
    switch (this) {
      case SPAN: {
        Function<Span, Object> f = SPAN_FIELDS.get(field);
        if (f != null) {
          return c -> f.apply(c.span);
        }
        break;
      }
      case SPANEVENT: {
        if (head.equals("span") && rest.size() > 1) {
          Function<Span, Object> f = SPAN_FIELDS.get(tail);
          if (f != null) {
            return c -> f.apply(c.span);
          }
          throw unknown(full, column, "span." + String.join(", span.", SPAN_FIELDS.keySet()));
        }
        Function<Span.Event, Object> f = EVENT_FIELDS.get(field);
        if (f != null) {
          return c -> f.apply(c.event);
        }
        break;
      }
      case METRIC: {
        Function<Metric, Object> f = METRIC_FIELDS.get(field);
        if (f != null) {
          return c -> f.apply(c.metric);
        }
        break;
      }
      case DATAPOINT: {
        if (head.equals("metric") && rest.size() > 1) {
          Function<Metric, Object> f = METRIC_FIELDS.get(tail);
          if (f != null) {
            return c -> f.apply(c.metric);
          }
          throw unknown(full, column, "metric." + String.join(", metric.", METRIC_FIELDS.keySet()));
        }
        Function<Message, Object> f = POINT_FIELDS.get(field);
        if (f != null) {
          return c -> f.apply(c.point);
        }
        break;
      }
      default: {
        Function<io.opentelemetry.proto.logs.v1.LogRecord, Object> f = LOG_FIELDS.get(field);
        if (f != null) {
          return c -> f.apply(c.log);
        }
      }
    }
    throw unknown(full, column, String.join(", ", knownPaths()));
  }

  private TreeSet<String> knownPaths() {
    TreeSet<String> out = new TreeSet<>();
    switch (this) {
      case SPAN -> out.addAll(SPAN_FIELDS.keySet());
      case SPANEVENT -> {
        out.addAll(EVENT_FIELDS.keySet());
        SPAN_FIELDS.keySet().forEach(k -> out.add("span." + k));
      }
      case METRIC -> out.addAll(METRIC_FIELDS.keySet());
      case DATAPOINT -> {
        out.addAll(POINT_FIELDS.keySet());
        METRIC_FIELDS.keySet().forEach(k -> out.add("metric." + k));
      }
      default -> out.addAll(LOG_FIELDS.keySet());
    }
    out.add("resource.attributes");
    out.add("instrumentation_scope.name");
    return out;
  }

  private OttlSyntaxException unknown(String path, int column, String known) {
    return new OttlSyntaxException(column, "unknown path '" + path + "' in " + configName + " conditions (known: " + known + ")");
  }

  private static Attrs map(List<KeyValue> attributes) {
    return new Attrs(attributes);
  }

  /**
   * An attribute list as a path value: {@code attributes["k"]} looks the key up directly, so no map
   * is built unless a condition uses the whole list (e.g. {@code Len(attributes)}).
   */
  record Attrs(List<KeyValue> list) {
    Object get(String key) {
      for (KeyValue kv : list) {
        if (kv.getKey().equals(key)) {
          return AnyValues.toJava(kv.getValue());
        }
      }
      return null;
    }

    Map<String, Object> toMap() {
      Map<String, Object> out = new LinkedHashMap<>();
      for (KeyValue kv : list) {
        out.putIfAbsent(kv.getKey(), AnyValues.toJava(kv.getValue()));
      }
      return out;
    }
  }

  private static String hex(ByteString b) {
    return HexFormat.of().formatHex(b.toByteArray());
  }

  private static Object field(Message m, String name) {
    return m.getField(m.getDescriptorForType().findFieldByName(name));
  }

  private static long metricType(Metric m) {
    switch (m.getDataCase()) {
      case GAUGE:
        return 1;
      case SUM:
        return 2;
      case HISTOGRAM:
        return 3;
      case EXPONENTIAL_HISTOGRAM:
        return 4;
      case SUMMARY:
        return 5;
      default:
        return 0;
    }
  }

  private static long temporality(Metric m) {
    switch (m.getDataCase()) {
      case SUM:
        return m.getSum().getAggregationTemporalityValue();
      case HISTOGRAM:
        return m.getHistogram().getAggregationTemporalityValue();
      case EXPONENTIAL_HISTOGRAM:
        return m.getExponentialHistogram().getAggregationTemporalityValue();
      default:
        return 0;
    }
  }

  private static Object pointCount(Message p) {
    if (p instanceof HistogramDataPoint h) {
      return h.getCount();
    }
    if (p instanceof ExponentialHistogramDataPoint e) {
      return e.getCount();
    }
    if (p instanceof SummaryDataPoint s) {
      return s.getCount();
    }
    return null;
  }

  private static Object pointSum(Message p) {
    if (p instanceof HistogramDataPoint h) {
      return h.getSum();
    }
    if (p instanceof ExponentialHistogramDataPoint e) {
      return e.getSum();
    }
    if (p instanceof SummaryDataPoint s) {
      return s.getSum();
    }
    return null;
  }
}
