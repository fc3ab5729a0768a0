package dev.traceyard.collector.processor.memorylimiter;

import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Host;
import dev.traceyard.collector.component.Processor;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.consumer.Consumer;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.telemetry.ProcessorMetrics;
import dev.traceyard.collector.telemetry.RateLimitedLogger;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Refuses data while the heap is over the soft limit, so receivers answer with a retryable
 * "resource exhausted" and clients back off, instead of the collector running out of memory. Runs
 * on the caller's thread: the decision is a volatile read, the measuring happens in
 * {@link MemoryMonitor}'s own thread.
 *
 * <p>Metrics: {@code incoming_items} counts every item handed in, {@code refused_items} those
 * refused, {@code outgoing_items} those passed on.
 */
final class MemoryLimiterProcessor implements Processor {
  /** Clients should not come back sooner than this, whatever the check interval. */
  private static final Duration MIN_RETRY_AFTER = Duration.ofSeconds(1);

  private final Signal signal;
  private final Consumer next;
  private final MemoryMonitor monitor;
  private final String name;
  private final ProcessorMetrics metrics;
  private final RateLimitedLogger refuseLog;
  private final Duration retryAfter;
  private final AtomicBoolean started = new AtomicBoolean();

  MemoryLimiterProcessor(ComponentSettings settings, Signal signal, Consumer next, MemoryMonitor monitor) {
    this.signal = signal;
    this.next = next;
    this.monitor = monitor;
    this.name = settings.id().toString();
    this.metrics = settings.telemetry().processor(settings.id());
    this.refuseLog = new RateLimitedLogger(settings.logger(), Duration.ofSeconds(10));
    Duration interval = monitor.checkInterval();
    this.retryAfter = interval.compareTo(MIN_RETRY_AFTER) > 0 ? interval : MIN_RETRY_AFTER;
  }

  MemoryMonitor monitor() {
    return monitor;
  }

  @Override
  public void start(Host host) {
    if (started.compareAndSet(false, true)) {
      monitor.acquire();
    }
  }

  @Override
  public void shutdown() {
    if (started.compareAndSet(true, false)) {
      monitor.release();
    }
  }

  @Override
  public ConsumeResult consume(Batch batch) {
    int n = batch.itemCount();
    metrics.incoming(signal, n);
    if (monitor.mustRefuse()) {
      metrics.refused(signal, n);
      long used = MemoryMonitor.mib(monitor.lastHeapUsed());
      long soft = MemoryMonitor.mib(monitor.softLimit());
      refuseLog.warn("refusing {} {}: heap used {} MiB is above the soft limit of {} MiB", n, signal.itemName(), used, soft);
      return ConsumeResult.throttled("memory limit exceeded: heap used " + used + " MiB is above the soft limit of " + soft
          + " MiB (" + name + ")", retryAfter);
    }
    metrics.outgoing(signal, n);
    return next.consume(batch);
  }
}
