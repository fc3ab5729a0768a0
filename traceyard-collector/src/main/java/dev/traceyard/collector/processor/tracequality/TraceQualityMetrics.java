package dev.traceyard.collector.processor.tracequality;

import dev.traceyard.collector.telemetry.SelfTelemetry;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.GaugeDataPoint;
import io.prometheus.metrics.core.metrics.Counter;

/** Self-telemetry of one trace_quality processor id, labelled by processor. */
final class TraceQualityMetrics implements Analyzer.Events {
  static final String FINDINGS = "traceyard_processor_trace_quality_findings";
  static final String TRACES_ANALYSED = "traceyard_processor_trace_quality_traces_analysed";
  static final String TRACES_EVICTED = "traceyard_processor_trace_quality_traces_evicted";
  static final String BOUND_HITS = "traceyard_processor_trace_quality_memory_bound_hits";
  static final String SPANS_NOT_ANALYSED = "traceyard_processor_trace_quality_spans_not_analysed";
  static final String TRACES_IN_MEMORY = "traceyard_processor_trace_quality_traces_in_memory";
  static final String REPORTS = "traceyard_processor_trace_quality_reports";
  static final String RECORDS_REFUSED = "traceyard_processor_trace_quality_records_refused";

  private final String processor;
  private final Counter findings;
  private final Counter boundHits;
  private final CounterDataPoint analysed;
  private final CounterDataPoint evicted;
  final CounterDataPoint spansNotAnalysed;
  final CounterDataPoint recordsRefused;
  final CounterDataPoint reports;
  private final GaugeDataPoint tracesInMemory;

  TraceQualityMetrics(SelfTelemetry t, String processor) {
    this.processor = processor;
    findings = t.counter(FINDINGS, "Instrumentation mistakes found (spans or traces, per kind).", "processor",
        "service", "kind");
    boundHits = t.counter(BOUND_HITS, "Times a memory bound of the analysis was hit, by the config key that sets it.",
        "processor", "bound");
    analysed = t.counter(TRACES_ANALYSED, "Traces analysed when their window closed.", "processor")
        .labelValues(processor);
    evicted = t.counter(TRACES_EVICTED, "Traces evicted unanalysed because max_traces was reached.", "processor")
        .labelValues(processor);
    spansNotAnalysed = t.counter(SPANS_NOT_ANALYSED, "Spans passed on without analysis because the analysis queue "
        + "(max_queued_spans) was full.", "processor").labelValues(processor);
    recordsRefused = t.counter(RECORDS_REFUSED, "Finding and cost log records the findings pipelines refused.",
        "processor").labelValues(processor);
    reports = t.counter(REPORTS, "Report intervals closed (records sent when there was anything to report).",
        "processor").labelValues(processor);
    tracesInMemory = t.gauge(TRACES_IN_MEMORY, "Traces waiting for their window to close.", "processor")
        .labelValues(processor);
    analysed.inc(0);
    reports.inc(0);
    evicted.inc(0);
    spansNotAnalysed.inc(0);
    recordsRefused.inc(0);
  }

  /** Moves the gauge by a delta, so instances of one id in several pipelines add up. */
  void tracesInMemoryChanged(long delta) {
    if (delta != 0) {
      tracesInMemory.inc(delta);
    }
  }

  @Override
  public void traceAnalysed() {
    analysed.inc();
  }

  @Override
  public void traceEvicted() {
    evicted.inc();
  }

  @Override
  public void boundHit(String bound) {
    boundHits.labelValues(processor, bound).inc();
  }

  @Override
  public void finding(String service, FindingKind kind, long count) {
    findings.labelValues(processor, service, kind.wireName()).inc(count);
  }
}
