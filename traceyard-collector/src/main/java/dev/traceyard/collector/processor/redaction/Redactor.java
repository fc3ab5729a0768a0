package dev.traceyard.collector.processor.redaction;

import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.LogBatch;
import dev.traceyard.collector.data.MetricBatch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.processor.internal.matching.AnyValues;
import dev.traceyard.collector.processor.internal.matching.AttrMap;
import dev.traceyard.collector.processor.internal.matching.DataPoints;
import dev.traceyard.collector.processor.internal.matching.Rewrite;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Applies a {@link RedactionConfig} to resources, spans (with their events and links), log records
 * (attributes and body) and metric data points. Per attribute, in otelcol's order: an ignored key
 * passes; a key not allowed is deleted; a value matching {@code allowed_values} passes; a key
 * matching {@code blocked_key_patterns} has its whole value masked; otherwise every match of
 * {@code blocked_values} inside the value is masked. Strings inside list and map values are checked
 * too (otelcol skips them), since header attributes are lists of strings.
 */
final class Redactor {
  static final String MASK = "****";
  private static final String REDACTED_KEYS = "redaction.redacted.keys";
  private static final String REDACTED_COUNT = "redaction.redacted.count";
  private static final String MASKED_KEYS = "redaction.masked.keys";
  private static final String MASKED_COUNT = "redaction.masked.count";
  private static final String ALLOWED_KEYS = "redaction.allowed.keys";
  private static final String ALLOWED_COUNT = "redaction.allowed.count";
  private static final String IGNORED_COUNT = "redaction.ignored.count";
  private static final String BODY = "redaction.body.";
  private static final Set<String> SUMMARY_KEYS = Set.of(REDACTED_KEYS, REDACTED_COUNT, MASKED_KEYS, MASKED_COUNT,
      ALLOWED_KEYS, ALLOWED_COUNT, IGNORED_COUNT, BODY + "redacted.keys", BODY + "redacted.count",
      BODY + "masked.keys", BODY + "masked.count", BODY + "allowed.keys", BODY + "allowed.count", BODY + "ignored.count");

  private final RedactionConfig config;
  private final Set<String> allowed;
  private final CounterDataPoint deletedCounter;
  private final CounterDataPoint maskedCounter;

  Redactor(RedactionConfig config, CounterDataPoint deletedCounter, CounterDataPoint maskedCounter) {
    this.config = config;
    Set<String> a = new HashSet<>(config.allowedKeys());
    // The processor's own summary attributes survive a second redaction further down the line.
    a.addAll(SUMMARY_KEYS);
    this.allowed = a;
    this.deletedCounter = deletedCounter;
    this.maskedCounter = maskedCounter;
  }

  Batch apply(Batch batch) {
    Rewrite.ResourceFn resourceFn = this::resource;
    if (batch instanceof TraceBatch t) {
      return Rewrite.traces(t, resourceFn, (resource, scope, span) -> span(span));
    }
    if (batch instanceof LogBatch l) {
      return Rewrite.logs(l, resourceFn, (resource, scope, log) -> log(log));
    }
    return Rewrite.metrics((MetricBatch) batch, resourceFn, (resource, scope, metric) ->
        DataPoints.map(metric, point -> {
          List<KeyValue> before = DataPoints.attributes(point);
          List<KeyValue> after = attributes(before);
          return after == before ? point : DataPoints.withAttributes(point, after);
        }));
  }

  private Resource resource(Resource resource) {
    List<KeyValue> attrs = attributes(resource.getAttributesList());
    return attrs == resource.getAttributesList() ? resource
        : resource.toBuilder().clearAttributes().addAllAttributes(attrs).build();
  }

  private Span span(Span span) {
    Span.Builder b = null;
    List<KeyValue> attrs = attributes(span.getAttributesList());
    if (attrs != span.getAttributesList()) {
      b = span.toBuilder().clearAttributes().addAllAttributes(attrs);
    }
    for (int i = 0; i < span.getEventsCount(); i++) {
      Span.Event e = span.getEvents(i);
      List<KeyValue> ea = attributes(e.getAttributesList());
      if (ea != e.getAttributesList()) {
        b = b == null ? span.toBuilder() : b;
        b.setEvents(i, e.toBuilder().clearAttributes().addAllAttributes(ea));
      }
    }
    for (int i = 0; i < span.getLinksCount(); i++) {
      Span.Link l = span.getLinks(i);
      List<KeyValue> la = attributes(l.getAttributesList());
      if (la != l.getAttributesList()) {
        b = b == null ? span.toBuilder() : b;
        b.setLinks(i, l.toBuilder().clearAttributes().addAllAttributes(la));
      }
    }
    return b == null ? span : b.build();
  }

  private LogRecord log(LogRecord log) {
    AttrMap attrs = new AttrMap(log.getAttributesList());
    Tally tally = new Tally();
    process(attrs, tally);
    summarize(attrs, tally, "redaction.");
    Tally bodyTally = new Tally();
    AnyValue body = body(log.getBody(), bodyTally);
    summarize(attrs, bodyTally, BODY);
    if (!attrs.changed() && body == log.getBody()) {
      return log;
    }
    LogRecord.Builder b = log.toBuilder();
    if (attrs.changed()) {
      b.clearAttributes().addAllAttributes(attrs.list());
    }
    if (body != log.getBody()) {
      b.setBody(body);
    }
    return b.build();
  }

  /** The redacted attribute list with its summary attributes; the same list when nothing changed. */
  List<KeyValue> attributes(List<KeyValue> in) {
    if (in.isEmpty()) {
      return in;
    }
    AttrMap attrs = new AttrMap(in);
    Tally tally = new Tally();
    process(attrs, tally);
    summarize(attrs, tally, "redaction.");
    return attrs.list();
  }

  private void process(AttrMap attrs, Tally tally) {
    for (int i = 0; i < attrs.size(); i++) {
      String key = attrs.at(i).getKey();
      if (config.ignoredKeys().contains(key)) {
        tally.ignored.add(key);
        continue;
      }
      if (!config.allowAllKeys() && !allowed.contains(key)) {
        tally.redacted.add(key);
        attrs.removeAt(i--);
        continue;
      }
      if (SUMMARY_KEYS.contains(key)) {
        continue;
      }
      AnyValue value = attrs.at(i).getValue();
      if (isAllowedValue(value)) {
        tally.allowed.add(key);
        continue;
      }
      AnyValue masked = matchesAny(config.blockedKeyPatterns(), key) ? maskWhole(value) : maskValues(value);
      if (masked != value) {
        tally.masked.add(key);
        attrs.set(i, masked);
      }
    }
  }

  /** A log body: strings are checked for blocked values; map keys follow the attribute rules, recursively. */
  private AnyValue body(AnyValue body, Tally tally) {
    return bodyValue("body", body, tally, true);
  }

  private AnyValue bodyValue(String path, AnyValue v, Tally tally, boolean top) {
    switch (v.getValueCase()) {
      case KVLIST_VALUE: {
        List<KeyValue> kvs = v.getKvlistValue().getValuesList();
        List<KeyValue> out = null;
        for (int i = 0; i < kvs.size(); i++) {
          KeyValue kv = kvs.get(i);
          String k = kv.getKey();
          String keyPath = top ? k : path + "." + k;
          KeyValue result = kv;
          if (config.ignoredKeys().contains(k)) {
            tally.ignored.add(keyPath);
          } else if (!config.allowAllKeys() && !allowed.contains(k)) {
            tally.redacted.add(keyPath);
            result = null;
          } else if (matchesAny(config.blockedKeyPatterns(), k)) {
            AnyValue masked = maskWhole(kv.getValue());
            tally.masked.add(keyPath);
            result = kv.toBuilder().setValue(masked).build();
          } else {
            AnyValue nv = bodyValue(keyPath, kv.getValue(), tally, false);
            if (nv != kv.getValue()) {
              result = kv.toBuilder().setValue(nv).build();
            }
          }
          if (result != kv && out == null) {
            out = new ArrayList<>(kvs.subList(0, i));
          }
          if (out != null && result != null) {
            out.add(result);
          }
        }
        return out == null ? v
            : AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder().addAllValues(out)).build();
      }
      case ARRAY_VALUE: {
        List<AnyValue> values = v.getArrayValue().getValuesList();
        List<AnyValue> out = null;
        for (int i = 0; i < values.size(); i++) {
          AnyValue e = values.get(i);
          AnyValue ne = bodyValue((top ? "" : path + ".") + "[" + i + "]", e, tally, false);
          if (ne != e && out == null) {
            out = new ArrayList<>(values.subList(0, i));
          }
          if (out != null) {
            out.add(ne);
          }
        }
        return out == null ? v
            : AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder().addAllValues(out)).build();
      }
      case VALUE_NOT_SET:
        return v;
      default: {
        if (isAllowedValue(v)) {
          tally.allowed.add(path);
          return v;
        }
        AnyValue masked = maskValues(v);
        if (masked != v) {
          tally.masked.add(path);
        }
        return masked;
      }
    }
  }

  private boolean isAllowedValue(AnyValue v) {
    if (config.allowedValues().isEmpty() || !(v.hasStringValue() || (config.redactAllTypes() && isScalar(v)))) {
      return false;
    }
    return matchesAny(config.allowedValues(), AnyValues.asString(v));
  }

  private static boolean isScalar(AnyValue v) {
    return v.hasIntValue() || v.hasDoubleValue() || v.hasBoolValue();
  }

  /** The whole value replaced by the mask (or the hash of its text). */
  private AnyValue maskWhole(AnyValue v) {
    maskedCounter.inc();
    return AnyValues.of(replacement(AnyValues.asString(v)));
  }

  /** Every blocked match inside the value masked; the same instance when nothing matched. */
  private AnyValue maskValues(AnyValue v) {
    if (config.blockedValues().isEmpty()) {
      return v;
    }
    switch (v.getValueCase()) {
      case STRING_VALUE: {
        String s = v.getStringValue();
        String masked = maskString(s);
        if (masked == null) {
          return v;
        }
        maskedCounter.inc();
        return AnyValues.of(masked);
      }
      case INT_VALUE:
      case DOUBLE_VALUE:
      case BOOL_VALUE: {
        if (!config.redactAllTypes()) {
          return v;
        }
        String masked = maskString(AnyValues.asString(v));
        if (masked == null) {
          return v;
        }
        maskedCounter.inc();
        return AnyValues.of(masked);
      }
      case ARRAY_VALUE: {
        List<AnyValue> values = v.getArrayValue().getValuesList();
        List<AnyValue> out = null;
        for (int i = 0; i < values.size(); i++) {
          AnyValue e = values.get(i);
          AnyValue ne = maskValues(e);
          if (ne != e && out == null) {
            out = new ArrayList<>(values.subList(0, i));
          }
          if (out != null) {
            out.add(ne);
          }
        }
        return out == null ? v : AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder().addAllValues(out)).build();
      }
      case KVLIST_VALUE: {
        List<KeyValue> kvs = v.getKvlistValue().getValuesList();
        List<KeyValue> out = null;
        for (int i = 0; i < kvs.size(); i++) {
          KeyValue kv = kvs.get(i);
          AnyValue nv = matchesAny(config.blockedKeyPatterns(), kv.getKey()) ? maskWhole(kv.getValue())
              : maskValues(kv.getValue());
          if (nv != kv.getValue() && out == null) {
            out = new ArrayList<>(kvs.subList(0, i));
          }
          if (out != null) {
            out.add(nv == kv.getValue() ? kv : kv.toBuilder().setValue(nv).build());
          }
        }
        return out == null ? v
            : AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder().addAllValues(out)).build();
      }
      default:
        return v;
    }
  }

  /** The string with every blocked match replaced, or null when nothing matched. */
  String maskString(String s) {
    String current = s;
    boolean changed = false;
    for (Pattern p : config.blockedValues()) {
      Matcher m = p.matcher(current);
      StringBuilder sb = null;
      int last = 0;
      while (m.find()) {
        String replacement = replacement(m.group());
        if (m.end() == m.start() || replacement.equals(m.group())) {
          continue; // an empty match hides nothing; an already-masked one needs no second mask
        }
        if (sb == null) {
          sb = new StringBuilder(current.length());
        }
        sb.append(current, last, m.start()).append(replacement);
        last = m.end();
      }
      if (sb != null) {
        sb.append(current, last, current.length());
        current = sb.toString();
        changed = true;
      }
    }
    return changed ? current : null;
  }

  private String replacement(String secret) {
    if (config.hashFunction() == RedactionConfig.HashFunction.NONE) {
      return MASK;
    }
    try {
      MessageDigest md = MessageDigest.getInstance(config.hashFunction().algorithm);
      return HexFormat.of().formatHex(md.digest(secret.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("JVM without " + config.hashFunction().algorithm, e);
    }
  }

  private static boolean matchesAny(List<Pattern> patterns, String s) {
    for (Pattern p : patterns) {
      if (p.matcher(s).find()) {
        return true;
      }
    }
    return false;
  }

  private void summarize(AttrMap attrs, Tally tally, String prefix) {
    if (!tally.redacted.isEmpty()) {
      deletedCounter.inc(tally.redacted.size());
    }
    if (config.summary() == RedactionConfig.Summary.SILENT) {
      return;
    }
    boolean debug = config.summary() == RedactionConfig.Summary.DEBUG;
    add(attrs, tally.redacted, debug ? prefix + "redacted.keys" : null, prefix + "redacted.count");
    add(attrs, tally.masked, debug ? prefix + "masked.keys" : null, prefix + "masked.count");
    add(attrs, tally.allowed, debug ? prefix + "allowed.keys" : null, prefix + "allowed.count");
    add(attrs, tally.ignored, null, prefix + "ignored.count");
  }

  /** Adds (or merges into existing) a sorted comma-separated key list and a count, as otelcol does. */
  private static void add(AttrMap attrs, List<String> keys, String keysAttr, String countAttr) {
    if (keys.isEmpty()) {
      return;
    }
    if (keysAttr != null) {
      TreeSet<String> all = new TreeSet<>(keys);
      AnyValue existing = attrs.get(keysAttr);
      if (existing != null && existing.hasStringValue() && !existing.getStringValue().isEmpty()) {
        all.addAll(Arrays.asList(existing.getStringValue().split(",")));
      }
      attrs.put(keysAttr, AnyValues.of(String.join(",", all)));
    }
    long count = keys.size();
    AnyValue existingCount = attrs.get(countAttr);
    if (existingCount != null && existingCount.hasIntValue()) {
      count += existingCount.getIntValue();
    }
    attrs.put(countAttr, AnyValues.of(count));
  }

  private static final class Tally {
    final List<String> redacted = new ArrayList<>();
    final List<String> masked = new ArrayList<>();
    final List<String> allowed = new ArrayList<>();
    final List<String> ignored = new ArrayList<>();
  }
}
