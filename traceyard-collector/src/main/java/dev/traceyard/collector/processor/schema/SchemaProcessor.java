package dev.traceyard.collector.processor.schema;

import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Processor;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.consumer.Consumer;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.processor.schema.SchemaConfig.Action;
import dev.traceyard.collector.processor.schema.SchemaConfig.KeyRule;
import dev.traceyard.collector.processor.schema.SchemaConfig.LimitRule;
import dev.traceyard.collector.telemetry.ProcessorMetrics;
import dev.traceyard.collector.telemetry.RateLimitedLogger;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.prometheus.metrics.core.metrics.Counter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Applies a {@link SchemaConfig} to each batch of spans. Resource-level violations (a missing
 * required attribute, a bad key or value on the resource) affect every span of that resource: the
 * resource is fixed, its spans tagged, or all of them refused. A batch without violations is passed on
 * unchanged. Every violation is counted in {@code traceyard_processor_schema_violations} by rule and
 * action: attributes for fix, spans for tag and refuse.
 */
final class SchemaProcessor implements Processor {
  private final String name;
  private final SchemaConfig config;
  private final Consumer next;
  private final ProcessorMetrics metrics;
  private final Counter violations;
  private final Map<String, io.prometheus.metrics.core.datapoints.CounterDataPoint> series = new ConcurrentHashMap<>();
  private final RateLimitedLogger log;

  SchemaProcessor(ComponentSettings settings, SchemaConfig config, Consumer next) {
    this.name = settings.id().toString();
    this.config = config;
    this.next = next;
    this.metrics = settings.telemetry().processor(settings.id());
    this.violations = settings.telemetry().counter("traceyard_processor_schema_violations",
        "Schema violations by rule and action: attributes dropped or truncated (fix), spans tagged (tag), "
            + "spans refused (refuse).", "processor", "rule", "action");
    this.log = new RateLimitedLogger(settings.logger(), Duration.ofSeconds(10));
  }

  private void count(String rule, Action action, long n) {
    if (n > 0) {
      series.computeIfAbsent(rule + "|" + action, k -> violations.labelValues(name, rule,
          action.name().toLowerCase(java.util.Locale.ROOT))).inc(n);
    }
  }

  /** Per-batch outcome; counters are advanced only once the batch's fate is known. */
  private final class Tally {
    final Map<String, long[]> counts = new java.util.LinkedHashMap<>();
    long refused;
    final TreeSet<String> refusedRules = new TreeSet<>();

    void add(String rule, Action action, long n) {
      counts.computeIfAbsent(rule + "|" + action.name(), k -> new long[1])[0] += n;
    }

    void publish() {
      counts.forEach((k, v) -> {
        int bar = k.indexOf('|');
        count(k.substring(0, bar), Action.valueOf(k.substring(bar + 1)), v[0]);
      });
    }
  }

  @Override
  public ConsumeResult consume(Batch batch) {
    metrics.incoming(Signal.TRACES, batch.itemCount());
    TraceBatch out;
    Tally tally = new Tally();
    try {
      out = apply((TraceBatch) batch, tally);
    } catch (RuntimeException e) {
      metrics.dropped(Signal.TRACES, batch.itemCount());
      log.warn("refusing a batch of {} spans: unexpected failure: {}", batch.itemCount(), e.toString());
      return ConsumeResult.permanent(name + ": unexpected failure: " + e);
    }
    tally.publish();
    if (tally.refused > 0) {
      String why = name + ": " + tally.refused + " spans violate " + String.join(", ", tally.refusedRules);
      log.warn("refused {} spans violating {}", tally.refused, tally.refusedRules);
      if (config.refuseMode() == SchemaConfig.RefuseMode.REJECT_REQUEST) {
        metrics.refused(Signal.TRACES, batch.itemCount());
        return ConsumeResult.permanent(why);
      }
      metrics.dropped(Signal.TRACES, tally.refused);
      if (out.itemCount() == 0) {
        return ConsumeResult.partialSuccess(tally.refused, why);
      }
      metrics.outgoing(Signal.TRACES, out.itemCount());
      return next.consume(out).combine(ConsumeResult.partialSuccess(tally.refused, why));
    }
    metrics.outgoing(Signal.TRACES, out.itemCount());
    return next.consume(out);
  }

  /** Returns the batch itself when nothing was changed. */
  private TraceBatch apply(TraceBatch batch, Tally tally) {
    ExportTraceServiceRequest req = batch.request();
    ExportTraceServiceRequest.Builder outReq = null;
    for (int ri = 0; ri < req.getResourceSpansCount(); ri++) {
      ResourceSpans rs = req.getResourceSpans(ri);
      ResourceSpans fixed = resource(rs, tally);
      if (fixed != rs && outReq == null) {
        outReq = ExportTraceServiceRequest.newBuilder();
        outReq.addAllResourceSpans(req.getResourceSpansList().subList(0, ri));
      }
      if (outReq != null && fixed != null) {
        outReq.addResourceSpans(fixed);
      }
    }
    return outReq == null ? batch : TraceBatch.of(outReq.build());
  }

  /** The resource's spans after the rules: the same object when untouched, null when all are refused. */
  private ResourceSpans resource(ResourceSpans rs, Tally tally) {
    int spans = 0;
    for (ScopeSpans ss : rs.getScopeSpansList()) {
      spans += ss.getSpansCount();
    }
    TreeSet<String> resourceTags = new TreeSet<>();
    String resourceRefusal = null;
    Resource resource = rs.getResource();

    KeyRule required = config.required();
    if (required != null) {
      for (String key : required.exact()) {
        if (!present(resource.getAttributesList(), key)) {
          if (required.action() == Action.TAG) {
            resourceTags.add(required.name());
          } else {
            resourceRefusal = resourceRefusal == null ? required.name() : resourceRefusal;
          }
        }
      }
    }
    AttrResult r = attributes(resource.getAttributesList(), tally, false);
    resourceTags.addAll(r.tags);
    if (resourceRefusal == null) {
      resourceRefusal = r.refusal;
    }
    if (resourceRefusal != null) {
      tally.add(resourceRefusal, Action.REFUSE, spans);
      tally.refused += spans;
      tally.refusedRules.add(resourceRefusal);
      return null;
    }
    boolean changed = r.changed;
    ResourceSpans.Builder out = ResourceSpans.newBuilder().setSchemaUrl(rs.getSchemaUrl())
        .setResource(r.changed ? resource.toBuilder().clearAttributes().addAllAttributes(r.attributes).build() : resource);
    for (ScopeSpans ss : rs.getScopeSpansList()) {
      ScopeSpans.Builder ssOut = ScopeSpans.newBuilder().setScope(ss.getScope()).setSchemaUrl(ss.getSchemaUrl());
      for (Span span : ss.getSpansList()) {
        Span checked = span(span, resourceTags, tally);
        if (checked != span) {
          changed = true;
        }
        if (checked != null) {
          ssOut.addSpans(checked);
        }
      }
      if (ssOut.getSpansCount() > 0) {
        out.addScopeSpans(ssOut);
      }
    }
    if (!changed) {
      return rs;
    }
    return out.getScopeSpansCount() == 0 ? null : out.build();
  }

  /** The span after the rules: itself when untouched, null when refused. */
  private Span span(Span span, TreeSet<String> resourceTags, Tally tally) {
    AttrResult r = attributes(span.getAttributesList(), tally, true);
    if (r.refusal != null) {
      tally.add(r.refusal, Action.REFUSE, 1);
      tally.refused++;
      tally.refusedRules.add(r.refusal);
      return null;
    }
    TreeSet<String> tags = new TreeSet<>(resourceTags);
    tags.addAll(r.tags);
    if (!r.changed && tags.isEmpty()) {
      return span;
    }
    List<KeyValue> attrs = new ArrayList<>(r.attributes);
    int dropped = r.droppedByLimit;
    if (!tags.isEmpty()) {
      tags.forEach(rule -> tally.add(rule, Action.TAG, 1));
      attrs.removeIf(kv -> kv.getKey().equals(config.tagAttribute()));
      attrs.add(KeyValue.newBuilder().setKey(config.tagAttribute())
          .setValue(AnyValue.newBuilder().setStringValue(String.join(",", tags))).build());
    }
    return span.toBuilder().clearAttributes().addAllAttributes(attrs)
        .setDroppedAttributesCount(span.getDroppedAttributesCount() + dropped).build();
  }

  /** Attributes after the key, value-length and (for spans) count rules. */
  private static final class AttrResult {
    List<KeyValue> attributes;
    boolean changed;
    int droppedByLimit;
    String refusal;
    final TreeSet<String> tags = new TreeSet<>();
  }

  private AttrResult attributes(List<KeyValue> in, Tally tally, boolean isSpan) {
    AttrResult r = new AttrResult();
    List<KeyValue> out = null;
    KeyRule allowed = config.allowed();
    KeyRule denied = config.denied();
    LimitRule length = config.maxValueLength();
    for (int i = 0; i < in.size(); i++) {
      KeyValue kv = in.get(i);
      String key = kv.getKey();
      KeyRule violated = null;
      if (denied != null && denied.matches(key)) {
        violated = denied;
      } else if (allowed != null && !allowed.matches(key) && !key.equals(config.tagAttribute())) {
        violated = allowed;
      }
      KeyValue keep = kv;
      if (violated != null) {
        if (!apply(violated.name(), violated.action(), r, tally)) {
          keep = null;
        }
      } else if (length != null && kv.getValue().hasStringValue() && kv.getValue().getStringValue().length() > length.limit()) {
        if (!apply(length.name(), length.action(), r, tally)) {
          keep = KeyValue.newBuilder().setKey(key)
              .setValue(AnyValue.newBuilder().setStringValue(truncate(kv.getValue().getStringValue(), length.limit()))).build();
        }
      }
      if (keep != kv && out == null) {
        out = new ArrayList<>(in.subList(0, i));
      }
      if (out != null && keep != null) {
        out.add(keep);
      }
    }
    List<KeyValue> result = out == null ? in : out;
    LimitRule max = config.maxAttributes();
    if (isSpan && max != null && result.size() > max.limit()) {
      if (!apply(max.name(), max.action(), r, tally)) {
        // fix: keep the first attributes; the rest count as dropped, as SDK attribute limits do.
        int over = result.size() - max.limit();
        tally.add(max.name(), Action.FIX, over - 1);
        r.droppedByLimit = over;
        result = new ArrayList<>(result.subList(0, max.limit()));
        out = result;
      }
    }
    r.attributes = result;
    r.changed = out != null;
    return r;
  }

  /**
   * Records a violation; returns true when the item stays as it is (tag, refuse), false when the
   * caller must fix it. A fix counts one attribute here.
   */
  private static boolean apply(String rule, Action action, AttrResult r, Tally tally) {
    switch (action) {
      case TAG:
        r.tags.add(rule);
        return true;
      case REFUSE:
        if (r.refusal == null) {
          r.refusal = rule;
        }
        return true;
      default:
        tally.add(rule, Action.FIX, 1);
        return false;
    }
  }

  private static boolean present(List<KeyValue> attrs, String key) {
    for (KeyValue kv : attrs) {
      if (kv.getKey().equals(key)) {
        AnyValue v = kv.getValue();
        return !(v.hasStringValue() && v.getStringValue().isEmpty()) && v.getValueCase() != AnyValue.ValueCase.VALUE_NOT_SET;
      }
    }
    return false;
  }

  /** Cuts to at most {@code limit} chars without splitting a surrogate pair. */
  static String truncate(String s, int limit) {
    int end = limit;
    if (end > 0 && Character.isHighSurrogate(s.charAt(end - 1))) {
      end--;
    }
    return s.substring(0, end);
  }
}
