package dev.traceyard.collector.processor.tracequality;

import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.ComponentKind;
import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.consumer.Consumer;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

/**
 * Lets the benchmarks run the processor's whole per-span work on one thread: the pass-through on the
 * caller's thread and then, instead of the analysis thread (not started), the analysis of what was
 * queued, on a manual clock. Lives in the processor's package so the processor needs no public hooks.
 */
public final class TraceQualityBenchmarkAccess {
  private final TraceQualityProcessor processor;
  private final Analyzer analyzer;
  private long records;

  public TraceQualityBenchmarkAccess(ConfigNode config, Consumer next) {
    TraceQualityConfig c = new TraceQualityProcessorFactory().parseConfig(config);
    config.reportUnknownKeys();
    config.errors().list().forEach(e -> {
      throw new IllegalArgumentException(e);
    });
    SelfTelemetry telemetry = SelfTelemetry.forTesting();
    processor = new TraceQualityProcessor(new ComponentSettings(ComponentId.of("trace_quality"), ComponentKind.PROCESSOR,
        telemetry), c, next, System::nanoTime, System::currentTimeMillis);
    analyzer = new Analyzer(c, new TraceQualityMetrics(telemetry, "trace_quality_analysis"), 0);
  }

  /** Passes the batch on, then analyses it and closes the windows due at {@code nowNanos}. */
  public ConsumeResult consumeAndAnalyse(Batch batch, long nowNanos) {
    ConsumeResult r = processor.consume(batch);
    ExportTraceServiceRequest req;
    while ((req = processor.pollQueued()) != null) {
      analyzer.accept(req, nowNanos);
    }
    analyzer.closeExpired(nowNanos);
    return r;
  }

  /** Ends the interval: builds its records (and their OTLP request) as the processor would send them. */
  public long report(long nowMillis) {
    Analyzer.Report report = analyzer.report(nowMillis);
    records += Records.toRequest(report.records()).getSerializedSize();
    return records;
  }

  public int tracesInMemory() {
    return analyzer.tracesInMemory();
  }
}
