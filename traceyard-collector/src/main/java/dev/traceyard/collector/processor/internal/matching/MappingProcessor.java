package dev.traceyard.collector.processor.internal.matching;

import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Host;
import dev.traceyard.collector.component.Processor;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.consumer.Consumer;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.LogBatch;
import dev.traceyard.collector.data.MetricBatch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.telemetry.ProcessorMetrics;
import dev.traceyard.collector.telemetry.RateLimitedLogger;
import java.time.Duration;

/**
 * A processor that maps each batch to a new one on the caller's thread (possibly the same batch, or
 * one with fewer items) and passes it on. Counts incoming and outgoing items; a batch left with no
 * data is not passed on. A failing function never throws into the receiver: the batch is refused as
 * permanent with the reason, its items are counted as dropped and the failure is logged at a bounded rate.
 */
public final class MappingProcessor implements Processor {

  /** Maps a batch; returns the batch itself when nothing changed. */
  @FunctionalInterface
  public interface Fn {
    Batch apply(Batch batch) throws ProcessingException;
  }

  /** A failure that refuses the whole batch, e.g. a filter condition failing with {@code error_mode: propagate}. */
  public static final class ProcessingException extends Exception {
    public ProcessingException(String message) {
      super(message);
    }
  }

  private final String name;
  private final Signal signal;
  private final Consumer next;
  private final Fn fn;
  private final String startError;
  private final ProcessorMetrics metrics;
  private final RateLimitedLogger errorLog;

  /**
   * @param startError when not null the processor cannot run in this pipeline (a config valid in
   *     general but not for this signal) and {@link #start} fails with this message
   */
  public MappingProcessor(ComponentSettings settings, Signal signal, Consumer next, Fn fn, String startError) {
    this.name = settings.id().toString();
    this.signal = signal;
    this.next = next;
    this.fn = fn;
    this.startError = startError;
    this.metrics = settings.telemetry().processor(settings.id());
    this.errorLog = new RateLimitedLogger(settings.logger(), Duration.ofSeconds(10));
  }

  @Override
  public void start(Host host) {
    if (startError != null) {
      throw new IllegalStateException(startError);
    }
  }

  @Override
  public ConsumeResult consume(Batch batch) {
    metrics.incoming(signal, batch.itemCount());
    Batch out;
    try {
      out = fn.apply(batch);
    } catch (ProcessingException e) {
      metrics.dropped(signal, batch.itemCount());
      errorLog.warn("refusing a batch of {} {}: {}", batch.itemCount(), signal.itemName(), e.getMessage());
      return ConsumeResult.permanent(name + ": " + e.getMessage());
    } catch (RuntimeException e) {
      metrics.dropped(signal, batch.itemCount());
      errorLog.warn("refusing a batch of {} {}: unexpected failure: {}", batch.itemCount(), signal.itemName(), e.toString());
      return ConsumeResult.permanent(name + ": unexpected failure: " + e);
    }
    if (out != batch && isEmpty(out)) {
      return ConsumeResult.success();
    }
    metrics.outgoing(signal, out.itemCount());
    return next.consume(out);
  }

  private static boolean isEmpty(Batch b) {
    if (b instanceof TraceBatch t) {
      return t.request().getResourceSpansCount() == 0;
    }
    if (b instanceof LogBatch l) {
      return l.request().getResourceLogsCount() == 0;
    }
    return ((MetricBatch) b).request().getResourceMetricsCount() == 0;
  }
}
