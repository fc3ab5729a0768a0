package dev.traceyard.collector.processor.schema;

import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Processor;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.consumer.Consumer;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.LogBatch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.processor.schema.SchemaConfig.Action;
import dev.traceyard.collector.processor.schema.SchemaConfig.KeyRule;
import dev.traceyard.collector.processor.schema.SchemaConfig.LimitRule;
import dev.traceyard.collector.telemetry.ProcessorMetrics;
import dev.traceyard.collector.telemetry.RateLimitedLogger;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
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
 * Applies a {@link SchemaConfig} to each batch of spans or log records (one instance per pipeline, so
 * one signal each). Resource-level violations (a missing required attribute, a bad key or value on
 * the resource) affect every item of that resource: the resource is fixed, its items tagged, or all
 * of them refused. Spans and log records carry the same attribute lists, so the rules are evaluated by
 * one shared path ({@link #resource}, {@link #item}); only the walk over the OTLP structure differs.
 * A batch without violations is passed on unchanged. Every violation is counted in
 * {@code traceyard_processor_schema_violations} by rule and action: attributes for fix, items (spans
 * or log records) for tag and refuse.
 */
final class SchemaProcessor implements Processor {
  private final String name;
  private final SchemaConfig config;
  private final Signal signal;
  /** Item noun for messages and logs: "spans" or "log records". */
  private final String items;
  private final Consumer next;
  private final ProcessorMetrics metrics;
  private final Counter violations;
  private final Map<String, io.prometheus.metrics.core.datapoints.CounterDataPoint> series = new ConcurrentHashMap<>();
  private final RateLimitedLogger log;

  SchemaProcessor(ComponentSettings settings, SchemaConfig config, Signal signal, Consumer next) {
    if (signal != Signal.TRACES && signal != Signal.LOGS) {
      throw new IllegalArgumentException("schema processor does not support " + signal.configName());
    }
    this.name = settings.id().toString();
    this.config = config;
    this.signal = signal;
    this.items = signal == Signal.LOGS ? "log records" : "spans";
    this.next = next;
    this.metrics = settings.telemetry().processor(settings.id());
    this.violations = settings.telemetry().counter("traceyard_processor_schema_violations",
        "Schema violations by rule and action: attributes dropped or truncated (fix), spans or log records "
            + "tagged (tag), spans or log records refused (refuse).", "processor", "rule", "action");
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

    void refuse(String rule, long n) {
      add(rule, Action.REFUSE, n);
      refused += n;
      refusedRules.add(rule);
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
    metrics.incoming(signal, batch.itemCount());
    Batch out;
    Tally tally = new Tally();
    try {
      out = batch instanceof LogBatch logs ? apply(logs, tally) : apply((TraceBatch) batch, tally);
    } catch (RuntimeException e) {
      metrics.dropped(signal, batch.itemCount());
      log.warn("refusing a batch of {} {}: unexpected failure: {}", batch.itemCount(), items, e.toString());
      return ConsumeResult.permanent(name + ": unexpected failure: " + e);
    }
    tally.publish();
    if (tally.refused > 0) {
      String why = name + ": " + tally.refused + " " + items + " violate " + String.join(", ", tally.refusedRules);
      log.warn("refused {} {} violating {}", tally.refused, items, tally.refusedRules);
      if (config.refuseMode() == SchemaConfig.RefuseMode.REJECT_REQUEST) {
        metrics.refused(signal, batch.itemCount());
        return ConsumeResult.permanent(why);
      }
      metrics.dropped(signal, tally.refused);
      if (out.itemCount() == 0) {
        return ConsumeResult.partialSuccess(tally.refused, why);
      }
      metrics.outgoing(signal, out.itemCount());
      return next.consume(out).combine(ConsumeResult.partialSuccess(tally.refused, why));
    }
    metrics.outgoing(signal, out.itemCount());
    return next.consume(out);
  }

  // ---- traces: the walk over ResourceSpans / ScopeSpans / Span ----

  /** Returns the batch itself when nothing was changed. */
  private TraceBatch apply(TraceBatch batch, Tally tally) {
    ExportTraceServiceRequest req = batch.request();
    ExportTraceServiceRequest.Builder outReq = null;
    for (int ri = 0; ri < req.getResourceSpansCount(); ri++) {
      ResourceSpans rs = req.getResourceSpans(ri);
      ResourceSpans fixed = resourceSpans(rs, tally);
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
  private ResourceSpans resourceSpans(ResourceSpans rs, Tally tally) {
    ResourceVerdict rv = resource(rs.getResource(), tally);
    if (rv.refusal != null) {
      int spans = 0;
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        spans += ss.getSpansCount();
      }
      tally.refuse(rv.refusal, spans);
      return null;
    }
    boolean changed = rv.resource != rs.getResource();
    ResourceSpans.Builder out = rs.toBuilder().clearScopeSpans().setResource(rv.resource);
    for (ScopeSpans ss : rs.getScopeSpansList()) {
      ScopeSpans.Builder ssOut = ss.toBuilder().clearSpans();
      for (Span span : ss.getSpansList()) {
        Span checked = span(span, rv.tags, tally);
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
    ItemVerdict v = item(span.getAttributesList(), resourceTags, tally);
    return switch (v.outcome) {
      case KEEP -> span;
      case REFUSE -> null;
      case CHANGE -> span.toBuilder().clearAttributes().addAllAttributes(v.attributes)
          .setDroppedAttributesCount(span.getDroppedAttributesCount() + v.droppedByLimit).build();
    };
  }

  // ---- logs: the same walk over ResourceLogs / ScopeLogs / LogRecord ----

  /** Returns the batch itself when nothing was changed. */
  private LogBatch apply(LogBatch batch, Tally tally) {
    ExportLogsServiceRequest req = batch.request();
    ExportLogsServiceRequest.Builder outReq = null;
    for (int ri = 0; ri < req.getResourceLogsCount(); ri++) {
      ResourceLogs rl = req.getResourceLogs(ri);
      ResourceLogs fixed = resourceLogs(rl, tally);
      if (fixed != rl && outReq == null) {
        outReq = ExportLogsServiceRequest.newBuilder();
        outReq.addAllResourceLogs(req.getResourceLogsList().subList(0, ri));
      }
      if (outReq != null && fixed != null) {
        outReq.addResourceLogs(fixed);
      }
    }
    return outReq == null ? batch : LogBatch.of(outReq.build());
  }

  /** The resource's log records after the rules: the same object when untouched, null when all are refused. */
  private ResourceLogs resourceLogs(ResourceLogs rl, Tally tally) {
    ResourceVerdict rv = resource(rl.getResource(), tally);
    if (rv.refusal != null) {
      int records = 0;
      for (ScopeLogs sl : rl.getScopeLogsList()) {
        records += sl.getLogRecordsCount();
      }
      tally.refuse(rv.refusal, records);
      return null;
    }
    boolean changed = rv.resource != rl.getResource();
    ResourceLogs.Builder out = rl.toBuilder().clearScopeLogs().setResource(rv.resource);
    for (ScopeLogs sl : rl.getScopeLogsList()) {
      ScopeLogs.Builder slOut = sl.toBuilder().clearLogRecords();
      for (LogRecord record : sl.getLogRecordsList()) {
        LogRecord checked = logRecord(record, rv.tags, tally);
        if (checked != record) {
          changed = true;
        }
        if (checked != null) {
          slOut.addLogRecords(checked);
        }
      }
      if (slOut.getLogRecordsCount() > 0) {
        out.addScopeLogs(slOut);
      }
    }
    if (!changed) {
      return rl;
    }
    return out.getScopeLogsCount() == 0 ? null : out.build();
  }

  /** The log record after the rules: itself when untouched, null when refused. Its body is not checked. */
  private LogRecord logRecord(LogRecord record, TreeSet<String> resourceTags, Tally tally) {
    ItemVerdict v = item(record.getAttributesList(), resourceTags, tally);
    return switch (v.outcome) {
      case KEEP -> record;
      case REFUSE -> null;
      case CHANGE -> record.toBuilder().clearAttributes().addAllAttributes(v.attributes)
          .setDroppedAttributesCount(record.getDroppedAttributesCount() + v.droppedByLimit).build();
    };
  }

  // ---- the rules, shared by both signals ----

  /** What the rules make of one resource; applies to every item under it. */
  private static final class ResourceVerdict {
    /** The resource to pass on: the same object when untouched. */
    Resource resource;
    /** Rule names every item of the resource is tagged with. */
    final TreeSet<String> tags = new TreeSet<>();
    /** The rule that refuses every item of the resource, or null. */
    String refusal;
  }

  private ResourceVerdict resource(Resource resource, Tally tally) {
    ResourceVerdict v = new ResourceVerdict();
    KeyRule required = config.required();
    if (required != null) {
      for (String key : required.exact()) {
        if (!present(resource.getAttributesList(), key)) {
          if (required.action() == Action.TAG) {
            v.tags.add(required.name());
          } else if (v.refusal == null) {
            v.refusal = required.name();
          }
        }
      }
    }
    AttrResult r = attributes(resource.getAttributesList(), tally, false);
    v.tags.addAll(r.tags);
    if (v.refusal == null) {
      v.refusal = r.refusal;
    }
    v.resource = r.changed ? resource.toBuilder().clearAttributes().addAllAttributes(r.attributes).build() : resource;
    return v;
  }

  /** What the rules make of one span's or log record's attributes. */
  private static final class ItemVerdict {
    enum Outcome { KEEP, CHANGE, REFUSE }

    static final ItemVerdict KEEP = new ItemVerdict(Outcome.KEEP, null, 0);
    static final ItemVerdict REFUSE = new ItemVerdict(Outcome.REFUSE, null, 0);

    final Outcome outcome;
    /** The item's new attributes (CHANGE only). */
    final List<KeyValue> attributes;
    /** Attributes removed by the count limit, to add to the item's {@code dropped_attributes_count}. */
    final int droppedByLimit;

    ItemVerdict(Outcome outcome, List<KeyValue> attributes, int droppedByLimit) {
      this.outcome = outcome;
      this.attributes = attributes;
      this.droppedByLimit = droppedByLimit;
    }
  }

  /** Evaluates the item's attributes and tallies the outcome (a refusal counts one item). */
  private ItemVerdict item(List<KeyValue> itemAttributes, TreeSet<String> resourceTags, Tally tally) {
    AttrResult r = attributes(itemAttributes, tally, true);
    if (r.refusal != null) {
      tally.refuse(r.refusal, 1);
      return ItemVerdict.REFUSE;
    }
    TreeSet<String> tags = new TreeSet<>(resourceTags);
    tags.addAll(r.tags);
    if (!r.changed && tags.isEmpty()) {
      return ItemVerdict.KEEP;
    }
    List<KeyValue> attrs = new ArrayList<>(r.attributes);
    if (!tags.isEmpty()) {
      tags.forEach(rule -> tally.add(rule, Action.TAG, 1));
      attrs.removeIf(kv -> kv.getKey().equals(config.tagAttribute()));
      attrs.add(KeyValue.newBuilder().setKey(config.tagAttribute())
          .setValue(AnyValue.newBuilder().setStringValue(String.join(",", tags))).build());
    }
    return new ItemVerdict(ItemVerdict.Outcome.CHANGE, attrs, r.droppedByLimit);
  }

  /** Attributes after the key, value-length and (for items, not resources) count rules. */
  private static final class AttrResult {
    List<KeyValue> attributes;
    boolean changed;
    int droppedByLimit;
    String refusal;
    final TreeSet<String> tags = new TreeSet<>();
  }

  private AttrResult attributes(List<KeyValue> in, Tally tally, boolean isItem) {
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
    if (isItem && max != null && result.size() > max.limit()) {
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
