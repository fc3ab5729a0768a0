package dev.traceyard.collector.processor.tracequality;

import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Host;
import dev.traceyard.collector.component.Processor;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.consumer.Consumer;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.LogBatch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.telemetry.ProcessorMetrics;
import dev.traceyard.collector.telemetry.RateLimitedLogger;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * Passes every batch on at once, on the caller's thread (applying attribute actions if configured),
 * then, unless downstream refused it retryably, hands the original request to one analysis thread
 * through a queue bounded in spans
 * ({@code max_queued_spans}). When the queue is full the batch still passes; only its analysis is
 * skipped, and counted. The analysis thread owns the {@link Analyzer}: it closes trace windows and,
 * every {@code report_interval}, sends the interval's records into the findings pipelines.
 */
final class TraceQualityProcessor implements Processor {
  private static final Duration STOP_WAIT = Duration.ofSeconds(10);

  private final TraceQualityConfig config;
  private final Consumer next;
  private final LongSupplier nanoClock;
  private final LongSupplier millisClock;
  private final String name;
  private final ProcessorMetrics metrics;
  private final TraceQualityMetrics qualityMetrics;
  private final Logger logger;
  private final RateLimitedLogger dropLog;
  private final RateLimitedLogger deliveryLog;
  private final AttributeRewriter rewriter;
  private final LinkedBlockingQueue<ExportTraceServiceRequest> queue = new LinkedBlockingQueue<>();
  private final AtomicInteger queuedSpans = new AtomicInteger();
  private final List<Consumer> findingsPipelines = new ArrayList<>();
  private final long tickMillis;
  private volatile boolean stopping;
  private Thread analysis;

  TraceQualityProcessor(ComponentSettings settings, TraceQualityConfig config, Consumer next, LongSupplier nanoClock,
      LongSupplier millisClock) {
    this.config = config;
    this.next = next;
    this.nanoClock = nanoClock;
    this.millisClock = millisClock;
    this.name = settings.id().toString();
    this.metrics = settings.telemetry().processor(settings.id());
    this.qualityMetrics = new TraceQualityMetrics(settings.telemetry(), name);
    this.logger = settings.logger();
    this.dropLog = new RateLimitedLogger(logger, Duration.ofSeconds(10));
    this.deliveryLog = new RateLimitedLogger(logger, Duration.ofSeconds(10));
    this.rewriter = new AttributeRewriter(config.keyActions(), config.flaggedAction());
    long smallest = Math.min(config.traceWindow().toMillis(), config.reportInterval().toMillis());
    this.tickMillis = Math.max(10, Math.min(1000, smallest / 10));
  }

  @Override
  public synchronized void start(Host host) {
    for (String id : config.findingsPipelines()) {
      findingsPipelines.add(host.pipeline(id).orElseThrow(() -> new IllegalStateException(
          "findings_pipelines names pipeline '" + id + "' which does not exist")));
    }
    if (analysis == null) {
      analysis = new Thread(this::runAnalysis, "traceyard-trace-quality-" + name);
      analysis.setDaemon(true);
      analysis.start();
    }
  }

  @Override
  public ConsumeResult consume(Batch batch) {
    if (!(batch instanceof TraceBatch)) {
      return ConsumeResult.permanent("processor " + name + " (trace_quality) takes traces only, got "
          + batch.signal().configName());
    }
    int spans = batch.itemCount();
    metrics.incoming(Signal.TRACES, spans);
    ExportTraceServiceRequest request = ((TraceBatch) batch).request();
    Batch out = batch;
    if (rewriter.active()) {
      try {
        ExportTraceServiceRequest changed = rewriter.apply(request);
        if (changed != request) {
          out = new TraceBatch(changed, spans);
        }
      } catch (RuntimeException e) {
        // The actions are a courtesy: never lose the batch over them.
        dropLog.warn("trace_quality {}: attribute actions failed, batch passed unchanged: {}", name, e.toString());
      }
    }
    ConsumeResult r = next.consume(out);
    if (r.isSuccess()) {
      metrics.outgoing(Signal.TRACES, spans);
    }
    // A retryable refusal comes back: its client sends the same spans again, and analysing them twice
    // would count them twice (a re-sent root span would even make a false multiple_roots finding).
    // Data refused for good is still analysed: what it says about the instrumentation is true whether
    // or not it was stored.
    if (!r.isRetryable()) {
      enqueueForAnalysis(request, spans);
    }
    return r;
  }

  private void enqueueForAnalysis(ExportTraceServiceRequest request, int spans) {
    if (stopping || spans <= 0) {
      return;
    }
    if (queuedSpans.addAndGet(spans) <= config.maxQueuedSpans()) {
      queue.add(request);
    } else {
      queuedSpans.addAndGet(-spans);
      qualityMetrics.spansNotAnalysed.inc(spans);
      qualityMetrics.boundHit("max_queued_spans");
      dropLog.warn("trace_quality {}: analysis queue full (max_queued_spans {}); {} spans passed on unanalysed",
          name, config.maxQueuedSpans(), spans);
    }
  }

  private void runAnalysis() {
    Analyzer analyzer = new Analyzer(config, qualityMetrics, millisClock.getAsLong());
    long reportNanos = config.reportInterval().toNanos();
    long nextReport = nanoClock.getAsLong() + reportNanos;
    long inMemory = 0;
    while (true) {
      ExportTraceServiceRequest req;
      try {
        req = queue.poll(tickMillis, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        break;
      }
      try {
        long now = nanoClock.getAsLong();
        if (req != null) {
          dequeued(req);
          analyzer.accept(req, now);
        }
        analyzer.closeExpired(now);
        long held = analyzer.tracesInMemory();
        qualityMetrics.tracesInMemoryChanged(held - inMemory);
        inMemory = held;
        if (now - nextReport >= 0) {
          nextReport = now + reportNanos;
          deliver(analyzer.report(millisClock.getAsLong()));
          qualityMetrics.reports.inc();
        }
      } catch (RuntimeException e) {
        logger.error("trace_quality {}: analysis failed; continuing", name, e);
      }
      if (stopping && queue.isEmpty()) {
        break;
      }
    }
    try {
      ExportTraceServiceRequest req;
      while ((req = queue.poll()) != null) {
        analyzer.accept(req, nanoClock.getAsLong());
      }
      analyzer.closeAll();
      qualityMetrics.tracesInMemoryChanged(-inMemory);
      deliver(analyzer.report(millisClock.getAsLong()));
    } catch (RuntimeException e) {
      logger.error("trace_quality {}: final report failed", name, e);
    }
  }

  private void dequeued(ExportTraceServiceRequest req) {
    queuedSpans.addAndGet(-TraceBatch.of(req).itemCount());
  }

  /** The next request waiting for analysis, or null: for a benchmark that analyses on its own thread. */
  ExportTraceServiceRequest pollQueued() {
    ExportTraceServiceRequest req = queue.poll();
    if (req != null) {
      dequeued(req);
    }
    return req;
  }

  private void deliver(Analyzer.Report report) {
    rewriter.flagged(report.flaggedKeys());
    if (report.records().isEmpty() || findingsPipelines.isEmpty()) {
      return;
    }
    LogBatch batch = LogBatch.of(Records.toRequest(report.records()));
    for (Consumer pipeline : findingsPipelines) {
      ConsumeResult r = pipeline.consume(batch);
      if (!r.isSuccess()) {
        qualityMetrics.recordsRefused.inc(batch.itemCount());
        deliveryLog.warn("trace_quality {}: a findings pipeline refused {} records: {}", name, batch.itemCount(), r);
      }
    }
  }

  @Override
  public void shutdown() {
    Thread t;
    synchronized (this) {
      stopping = true;
      t = analysis;
    }
    if (t != null) {
      try {
        t.join(STOP_WAIT.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
