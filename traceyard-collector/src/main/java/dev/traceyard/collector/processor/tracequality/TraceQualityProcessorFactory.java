package dev.traceyard.collector.processor.tracequality;

import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Processor;
import dev.traceyard.collector.component.ProcessorFactory;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.consumer.Consumer;
import dev.traceyard.collector.processor.tracequality.TraceQualityConfig.AttributeAction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The {@code trace_quality} processor (traces): passes spans through unchanged (unless an attribute
 * action is configured) and, beside the pipeline, assembles each trace over {@code trace_window} and
 * reports instrumentation mistakes and the cost breakdown as log records into
 * {@code findings_pipelines} every {@code report_interval}.
 */
public final class TraceQualityProcessorFactory implements ProcessorFactory<TraceQualityConfig> {
  private static final String[] ACTIONS = {"none", "drop", "hash", "move_to_event"};

  @Override
  public String type() {
    return "trace_quality";
  }

  @Override
  public Set<Signal> signals() {
    return EnumSet.of(Signal.TRACES);
  }

  @Override
  public TraceQualityConfig parseConfig(ConfigNode node) {
    Duration window = positive(node, "trace_window", TraceQualityConfig.DEFAULT_TRACE_WINDOW);
    Duration interval = positive(node, "report_interval", TraceQualityConfig.DEFAULT_REPORT_INTERVAL);
    List<String> pipelines = node.stringList("findings_pipelines");
    for (int i = 0; i < pipelines.size(); i++) {
      String p = pipelines.get(i);
      String type = p.contains("/") ? p.substring(0, p.indexOf('/')) : p;
      if (!type.equals("logs")) {
        node.errors().add(node.pathOf("findings_pipelines") + "[" + i + "]",
            "findings are log records: expected a logs pipeline (logs or logs/<name>), got '" + p + "'");
      }
    }
    int maxTraces = node.intAtLeast("max_traces", TraceQualityConfig.DEFAULT_MAX_TRACES, 1);
    int maxSpans = node.intAtLeast("max_spans_per_trace", TraceQualityConfig.DEFAULT_MAX_SPANS_PER_TRACE, 1);
    int maxQueued = node.intAtLeast("max_queued_spans", TraceQualityConfig.DEFAULT_MAX_QUEUED_SPANS, 1);
    Duration skew = node.nonNegativeDuration("clock_skew_tolerance", TraceQualityConfig.DEFAULT_CLOCK_SKEW_TOLERANCE);
    double sampling = node.doubleValue("sampling_percentage", TraceQualityConfig.DEFAULT_SAMPLING_PERCENTAGE);
    if (!(sampling > 0 && sampling <= 100)) {
      node.error("sampling_percentage", "must be greater than 0 and at most 100, was " + sampling);
    }

    ConfigNode card = node.child("cardinality");
    int precision = (int) card.longInRange("precision", TraceQualityConfig.DEFAULT_PRECISION,
        HyperLogLog.MIN_PRECISION, HyperLogLog.MAX_PRECISION);
    long threshold = card.longInRange("threshold", TraceQualityConfig.DEFAULT_CARDINALITY_THRESHOLD, 2, Long.MAX_VALUE);
    long patternMin = card.longInRange("pattern_min_distinct", TraceQualityConfig.DEFAULT_PATTERN_MIN_DISTINCT, 2,
        Long.MAX_VALUE);
    int maxSketches = card.intAtLeast("max_sketches", TraceQualityConfig.DEFAULT_MAX_SKETCHES, 0);
    int maxKeys = card.intAtLeast("max_tracked_keys", TraceQualityConfig.DEFAULT_MAX_TRACKED_KEYS, 1);
    AttributeAction flagged = action(card.oneOf("action", "none", ACTIONS));
    Map<String, AttributeAction> keyActions = new LinkedHashMap<>();
    ConfigNode keys = card.child("keys");
    for (String key : keys.keys()) {
      String a = keys.oneOf(key, "none", ACTIONS);
      if (a != null) {
        keyActions.put(key, action(a));
      }
    }

    ConfigNode limits = node.child("limits");
    int maxAttributes = limits.intAtLeast("max_attributes", TraceQualityConfig.DEFAULT_MAX_ATTRIBUTES, 1);
    int maxValueBytes = limits.intAtLeast("max_attribute_value_bytes",
        TraceQualityConfig.DEFAULT_MAX_ATTRIBUTE_VALUE_BYTES, 1);
    List<String> bodyKeys = limits.has("body_keys") ? limits.stringList("body_keys")
        : TraceQualityConfig.DEFAULT_BODY_KEYS;
    for (int i = 0; i < bodyKeys.size(); i++) {
      String pattern = bodyKeys.get(i);
      if (pattern.isEmpty() || pattern.indexOf('*', 1) >= 0 && pattern.indexOf('*', 1) != pattern.length() - 1) {
        limits.errors().add(limits.pathOf("body_keys") + "[" + i + "]",
            "expected a key, or a key with '*' at its start or end, got '" + pattern + "'");
      }
    }
    return new TraceQualityConfig(window, interval, new ArrayList<>(pipelines), maxTraces, maxSpans, maxQueued, skew,
        precision, threshold, patternMin, maxSketches, maxKeys, flagged, keyActions, maxAttributes, maxValueBytes,
        bodyKeys, sampling);
  }

  private static Duration positive(ConfigNode node, String key, Duration dflt) {
    Duration d = node.duration(key, dflt);
    if (d.isNegative() || d.isZero()) {
      node.error(key, "must be greater than 0");
      return dflt;
    }
    return d;
  }

  private static AttributeAction action(String s) {
    return AttributeAction.valueOf(s.toUpperCase(Locale.ROOT));
  }

  @Override
  public Map<String, String> pipelineReferences(TraceQualityConfig config) {
    Map<String, String> refs = new LinkedHashMap<>();
    for (int i = 0; i < config.findingsPipelines().size(); i++) {
      refs.put("findings_pipelines[" + i + "]", config.findingsPipelines().get(i));
    }
    return refs;
  }

  @Override
  public Processor create(ComponentSettings settings, TraceQualityConfig config, Signal signal, Consumer next) {
    return new TraceQualityProcessor(settings, config, next, System::nanoTime, System::currentTimeMillis);
  }
}
