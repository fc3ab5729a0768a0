package dev.traceyard.collector.processor.tailsampling;

import dev.traceyard.collector.processor.tailsampling.policy.Decision;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.datapoints.GaugeDataPoint;
import java.util.List;

/**
 * The processor's own metrics, labelled by processor id. Gauges move by deltas so that several
 * instances of one id (one per pipeline) add up instead of overwriting each other.
 */
final class TailSamplingMetrics {
  static final String TRACES_IN_MEMORY = "traceyard_processor_tail_sampling_traces_in_memory";
  static final String BYTES_IN_MEMORY = "traceyard_processor_tail_sampling_bytes_in_memory";
  static final String POLICY_DECISIONS = "traceyard_processor_tail_sampling_policy_decisions";
  static final String TRACE_DECISIONS = "traceyard_processor_tail_sampling_trace_decisions";
  static final String LATE_SPANS = "traceyard_processor_tail_sampling_late_spans";
  static final String EARLY_DECISIONS = "traceyard_processor_tail_sampling_early_decisions";
  static final String DECISION_LATENCY = "traceyard_processor_tail_sampling_decision_latency_seconds";
  static final String SAMPLED_OUT_SPANS = "traceyard_processor_tail_sampling_sampled_out_spans";
  static final String REPLAY_DUPLICATES = "traceyard_processor_tail_sampling_replay_duplicates";
  static final String HANDED_OVER = "traceyard_processor_tail_sampling_handed_over_traces";

  private static final double[] LATENCY_BUCKETS = {0.1, 0.25, 0.5, 1, 2, 5, 10, 15, 20, 30, 45, 60, 120, 300};

  final GaugeDataPoint traces;
  final GaugeDataPoint bytes;
  final CounterDataPoint sampledTraces;
  final CounterDataPoint notSampledTraces;
  final CounterDataPoint lateSampled;
  final CounterDataPoint lateNotSampled;
  final CounterDataPoint earlyForBytes;
  final CounterDataPoint earlyForNumTraces;
  final CounterDataPoint sampledOutSpans;
  final DistributionDataPoint decisionLatency;
  final CounterDataPoint replayDuplicates;
  final CounterDataPoint handedOver;
  /** [policy index][decision ordinal]. */
  private final CounterDataPoint[][] policyDecisions;

  TailSamplingMetrics(SelfTelemetry t, String processor, List<String> policyNames) {
    traces = t.gauge(TRACES_IN_MEMORY, "Traces waiting for a sampling decision.", "processor").labelValues(processor);
    bytes = t.gauge(BYTES_IN_MEMORY, "Bytes of spans held: undecided traces and kept spans not yet sent.",
        "processor").labelValues(processor);
    traces.inc(0);
    bytes.inc(0);
    var decisions = t.counter(TRACE_DECISIONS, "Traces decided, by outcome.", "processor", "decision");
    sampledTraces = decisions.labelValues(processor, "sampled");
    notSampledTraces = decisions.labelValues(processor, "not_sampled");
    var late = t.counter(LATE_SPANS, "Spans that arrived after their trace's decision and followed it.",
        "processor", "decision");
    lateSampled = late.labelValues(processor, "sampled");
    lateNotSampled = late.labelValues(processor, "not_sampled");
    var early = t.counter(EARLY_DECISIONS, "Traces decided before their wait was over because the buffer was full "
        + "(reason bytes: max_buffered_bytes, num_traces: num_traces).", "processor", "reason");
    earlyForBytes = early.labelValues(processor, "bytes");
    earlyForNumTraces = early.labelValues(processor, "num_traces");
    sampledOutSpans = t.counter(SAMPLED_OUT_SPANS, "Spans dropped on purpose because their trace was not sampled.",
        "processor").labelValues(processor);
    decisionLatency = t.histogram(DECISION_LATENCY, "Time from a trace's first span to its decision.",
        LATENCY_BUCKETS, "processor").labelValues(processor);
    replayDuplicates = t.counter(REPLAY_DUPLICATES, "Kafka gateway mode: replayed spans dropped because they were "
        + "exported before their trace's decision was stored.", "processor").labelValues(processor);
    handedOver = t.counter(HANDED_OVER, "Kafka gateway mode: undecided traces let go when their partition moved to "
        + "another gateway, which replays and decides them.", "processor").labelValues(processor);
    var byPolicy = t.counter(POLICY_DECISIONS, "Answers of each top-level policy.", "processor", "policy", "decision");
    policyDecisions = new CounterDataPoint[policyNames.size()][Decision.values().length];
    for (int i = 0; i < policyNames.size(); i++) {
      for (Decision d : Decision.values()) {
        policyDecisions[i][d.ordinal()] = byPolicy.labelValues(processor, policyNames.get(i), d.label());
      }
    }
  }

  void policyDecision(int policyIndex, Decision d) {
    policyDecisions[policyIndex][d.ordinal()].inc();
  }
}
