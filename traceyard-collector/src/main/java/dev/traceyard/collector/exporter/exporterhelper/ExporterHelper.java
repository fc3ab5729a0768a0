package dev.traceyard.collector.exporter.exporterhelper;

import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Exporter;
import dev.traceyard.collector.component.Extension;
import dev.traceyard.collector.component.Host;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.Durations;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.telemetry.ExporterMetrics;
import dev.traceyard.collector.telemetry.RateLimitedLogger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;

/**
 * Wraps a {@link Sender} into an {@link Exporter} with otelcol's exporter helper behaviour: a
 * bounded sending queue drained by {@code num_consumers} threads, retries with jittered exponential
 * backoff that honour the destination's retry-after, self-telemetry, and a bounded drain on shutdown.
 *
 * <p>With the queue enabled, {@code consume} returns success once the batch is queued and a
 * throttled refusal when the queue is full, so backpressure reaches the receiver instead of data
 * being dropped. With the queue disabled it sends (and retries) on the caller's thread and returns
 * the outcome.
 */
public final class ExporterHelper implements Exporter {
  /** How long shutdown keeps draining the queue before it gives up on what is left. */
  static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration LOG_INTERVAL = Duration.ofSeconds(10);

  private enum State { NEW, RUNNING, STOPPING, STOPPED }

  private final ComponentId id;
  private final Logger logger;
  private final ExporterHelperConfig config;
  private final Sender sender;
  private final ExporterMetrics metrics;
  private final RateLimitedLogger failureLog;
  private final RateLimitedLogger refusalLog;
  private final Duration drainTimeout;
  private final List<Thread> consumers = new ArrayList<>();
  private final ReentrantLock pauseLock = new ReentrantLock();
  private final Condition pauseChanged = pauseLock.newCondition();
  private final Object lifecycle = new Object();

  private volatile State state = State.NEW;
  private volatile ExportQueue queue;
  // Guarded by pauseLock; set once when shutdown begins.
  private boolean draining;
  private long drainDeadline;

  private ExporterHelper(ComponentSettings settings, ExporterHelperConfig config, Sender sender, Duration drainTimeout) {
    this.id = settings.id();
    this.logger = settings.logger();
    this.config = Objects.requireNonNull(config, "config");
    this.sender = Objects.requireNonNull(sender, "sender");
    this.metrics = settings.telemetry().exporter(id);
    this.failureLog = new RateLimitedLogger(logger, LOG_INTERVAL);
    this.refusalLog = new RateLimitedLogger(logger, LOG_INTERVAL);
    this.drainTimeout = Objects.requireNonNull(drainTimeout, "drainTimeout");
  }

  public static ExporterHelper create(ComponentSettings settings, ExporterHelperConfig config, Sender sender) {
    return new ExporterHelper(settings, config, sender, DEFAULT_DRAIN_TIMEOUT);
  }

  public static Builder builder(ComponentSettings settings, ExporterHelperConfig config, Sender sender) {
    return new Builder(settings, config, sender);
  }

  public static final class Builder {
    private final ComponentSettings settings;
    private final ExporterHelperConfig config;
    private final Sender sender;
    private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;

    private Builder(ComponentSettings settings, ExporterHelperConfig config, Sender sender) {
      this.settings = Objects.requireNonNull(settings, "settings");
      this.config = config;
      this.sender = sender;
    }

    /** Bound on how long shutdown keeps sending what is queued (default 10s). */
    public Builder drainTimeout(Duration d) {
      if (d.isNegative()) {
        throw new IllegalArgumentException("drainTimeout must not be negative");
      }
      this.drainTimeout = d;
      return this;
    }

    public ExporterHelper build() {
      return new ExporterHelper(settings, config, sender, drainTimeout);
    }
  }

  @Override
  public void start(Host host) throws Exception {
    synchronized (lifecycle) {
      if (state != State.NEW) {
        throw new IllegalStateException("exporter '" + id + "' was already started");
      }
      sender.start(host);
      try {
        if (config.queue().enabled()) {
          ExportQueue q = createQueue(host);
          queue = q;
          metrics.queue(q::size, q::capacity);
          for (int i = 0; i < config.queue().numConsumers(); i++) {
            Thread t = new Thread(() -> consumeLoop(q), "traceyard-exporter-" + id + "-" + i);
            t.setDaemon(true);
            consumers.add(t);
          }
          consumers.forEach(Thread::start);
        }
      } catch (Exception | Error e) {
        sender.shutdown();
        throw e;
      }
      state = State.RUNNING;
    }
  }

  private ExportQueue createQueue(Host host) throws Exception {
    QueueConfig q = config.queue();
    if (q.storage() == null) {
      return new MemoryQueue(q.queueSize(), q.sizer());
    }
    Extension ext = host.extension(q.storage()).orElseThrow(() -> new IllegalStateException(
        "sending_queue.storage names extension '" + q.storage() + "', which is not configured and listed in service.extensions"));
    if (!(ext instanceof ExportQueueFactory)) {
      throw new IllegalStateException(
          "sending_queue.storage names extension '" + q.storage() + "', which cannot hold a sending queue");
    }
    return ((ExportQueueFactory) ext).createQueue(id, q);
  }

  @Override
  public ConsumeResult consume(Batch batch) {
    ExportQueue q = queue;
    if (state != State.RUNNING) {
      if (q != null) {
        metrics.enqueueFailed(batch.signal(), batch.itemCount());
      }
      return ConsumeResult.retryable("exporter '" + id + "' is not running", null);
    }
    if (q == null) {
      return deliver(batch);
    }
    ExportQueue.Offer offer;
    try {
      offer = config.queue().blockOnOverflow() ? q.offerWaiting(batch) : q.offer(batch);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      offer = ExportQueue.Offer.CLOSED;
    } catch (RuntimeException e) {
      // A persistent queue may fail on I/O; the batch is not ours yet, so the sender can retry it.
      metrics.enqueueFailed(batch.signal(), batch.itemCount());
      refusalLog.warn("cannot queue a batch of {} {}: {}", batch.itemCount(), noun(batch.signal()), e.toString());
      return ConsumeResult.retryable("exporter '" + id + "' cannot queue the batch: " + e.getMessage(), null);
    }
    switch (offer) {
      case ACCEPTED:
        return ConsumeResult.success();
      case FULL:
        metrics.enqueueFailed(batch.signal(), batch.itemCount());
        refusalLog.warn("sending queue is full ({} of {} {}), refusing {} {}; the sender will be asked to retry",
            q.size(), q.capacity(), sizerNoun(), batch.itemCount(), noun(batch.signal()));
        return ConsumeResult.throttled("sending queue of exporter '" + id + "' is full", null);
      case TOO_LARGE:
        metrics.enqueueFailed(batch.signal(), batch.itemCount());
        refusalLog.warn("refusing a batch of {} {}: larger than the whole sending queue ({} items)",
            batch.itemCount(), noun(batch.signal()), q.capacity());
        return ConsumeResult.permanent("batch of " + batch.itemCount() + " " + noun(batch.signal())
            + " is larger than the sending queue of exporter '" + id + "' (queue_size " + q.capacity() + ")");
      default:
        metrics.enqueueFailed(batch.signal(), batch.itemCount());
        return ConsumeResult.retryable("exporter '" + id + "' is shutting down", null);
    }
  }

  private void consumeLoop(ExportQueue q) {
    while (true) {
      ExportQueue.Entry entry;
      try {
        entry = q.take();
      } catch (InterruptedException e) {
        return;
      }
      if (entry == null) {
        return;
      }
      boolean ended = false;
      try {
        ended = deliver(entry.batch(), q.durable()) != KEPT;
      } finally {
        try {
          if (ended) {
            entry.done();
          } else {
            entry.release();
          }
        } catch (RuntimeException e) {
          failureLog.warn("sending queue failed to release a batch: {}", e.toString());
        }
      }
    }
  }

  /**
   * Returned by {@link #deliver} when shutdown cut the retries short and a durable queue keeps the
   * batch for the next start: nothing was lost, so nothing is counted as failed.
   */
  private static final ConsumeResult KEPT = ConsumeResult.retryable("kept in the persistent queue for the next start", null);

  private ConsumeResult deliver(Batch batch) {
    return deliver(batch, false);
  }

  /**
   * Sends with retries until success, a permanent error, or giving up; counts and logs the outcome.
   * With {@code durable}, a delivery cut short by shutdown returns {@link #KEPT} instead of giving up.
   */
  private ConsumeResult deliver(Batch batch, boolean durable) {
    Signal signal = batch.signal();
    int items = batch.itemCount();
    RetryConfig retry = config.retry();
    Backoff backoff = null;
    long startNanos = System.nanoTime();
    int attempts = 0;
    while (true) {
      attempts++;
      ConsumeResult r = attempt(batch);
      if (r.isSuccess()) {
        long rejected = Math.min(r.rejectedItems(), items);
        metrics.sent(signal, items - rejected);
        if (rejected > 0) {
          metrics.sendFailed(signal, rejected);
          failureLog.warn("destination accepted {} and rejected {} {}: {}", items - rejected, rejected, noun(signal),
              r.message());
        }
        return r;
      }
      if (r.isPermanent()) {
        metrics.sendFailed(signal, items);
        failureLog.warn("dropping {} {} after a permanent error: {}", items, noun(signal), r.message());
        return r;
      }
      if (!retry.enabled()) {
        metrics.sendFailed(signal, items);
        failureLog.warn("dropping {} {} after a retryable error, retry_on_failure is disabled: {}", items, noun(signal),
            r.message());
        return r;
      }
      if (backoff == null) {
        backoff = new Backoff(retry);
      }
      Duration delay = backoff.next();
      if (r.retryAfter() != null && r.retryAfter().compareTo(delay) > 0) {
        delay = r.retryAfter();
      }
      long elapsed = System.nanoTime() - startNanos;
      if (!retry.maxElapsedTime().isZero() && elapsed + delay.toNanos() > retry.maxElapsedTime().toNanos()) {
        metrics.sendFailed(signal, items);
        failureLog.warn("dropping {} {} after {} attempts: the next retry would pass max_elapsed_time {}; last error: {}",
            items, noun(signal), attempts, Durations.format(retry.maxElapsedTime()), r.message());
        return r;
      }
      if (logger.isDebugEnabled()) {
        logger.debug("retrying {} {} in {} after: {}", items, noun(signal), Durations.format(delay), r.message());
      }
      if (!pause(delay)) {
        if (durable) {
          failureLog.warn("shutting down before the next retry of {} {} was due; they stay in the persistent queue "
              + "for the next start; last error: {}", items, noun(signal), r.message());
          return KEPT;
        }
        metrics.sendFailed(signal, items);
        failureLog.warn("dropping {} {}: shutting down before the next retry was due; last error: {}", items,
            noun(signal), r.message());
        return r;
      }
    }
  }

  private ConsumeResult attempt(Batch batch) {
    try {
      ConsumeResult r = sender.send(batch);
      return r != null ? r : ConsumeResult.permanent("internal error: the exporter returned no result");
    } catch (RuntimeException e) {
      // The Sender contract says never throw; treat a bug as transient rather than lose the batch at once.
      failureLog.warn("exporter threw while sending (a bug): {}", e.toString());
      return ConsumeResult.retryable("internal error: " + e, null);
    }
  }

  /**
   * Waits {@code delay} before a retry. Returns false, at once, when shutdown has begun and the
   * retry would come after the drain deadline: retries are cut short so shutdown stays bounded.
   */
  private boolean pause(Duration delay) {
    long wakeAt = System.nanoTime() + delay.toNanos();
    pauseLock.lock();
    try {
      while (true) {
        long now = System.nanoTime();
        if (draining && wakeAt - drainDeadline > 0) {
          return false;
        }
        long remaining = wakeAt - now;
        if (remaining <= 0) {
          return true;
        }
        pauseChanged.awaitNanos(remaining);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      pauseLock.unlock();
    }
  }

  /**
   * Stops taking data, keeps sending what is queued for at most the drain bound (retries that would
   * come later are given up), counts what is left as failed, then stops the sender.
   */
  @Override
  public void shutdown() {
    synchronized (lifecycle) {
      if (state == State.STOPPING || state == State.STOPPED) {
        return;
      }
      boolean wasRunning = state == State.RUNNING;
      state = State.STOPPING;
      ExportQueue q = queue;
      // A durable queue keeps what is queued for the next start: no retry is waited for, only the
      // sends in flight, so that their outcome is recorded instead of the batch being sent twice.
      boolean durable = q != null && q.durable();
      Duration grace = config.timeout().isZero() ? Duration.ofSeconds(5) : config.timeout().plusSeconds(1);
      long deadline = System.nanoTime() + (durable ? 0 : drainTimeout.toNanos());
      pauseLock.lock();
      try {
        draining = true;
        drainDeadline = deadline;
        pauseChanged.signalAll();
      } finally {
        pauseLock.unlock();
      }
      if (q != null) {
        q.close();
        joinUntil(durable ? System.nanoTime() + grace.toNanos() : deadline);
        List<Batch> lost = q.stop();
        if (!lost.isEmpty()) {
          long items = 0;
          for (Batch b : lost) {
            metrics.sendFailed(b.signal(), b.itemCount());
            items += b.itemCount();
          }
          logger.warn("dropped {} queued batches ({} items) at shutdown: not sent within the drain bound of {}",
              lost.size(), items, Durations.format(drainTimeout));
        }
        // Batches already being sent end within the send timeout; wait for them, but not forever.
        joinUntil(System.nanoTime() + grace.toNanos());
        for (Thread t : consumers) {
          if (t.isAlive()) {
            logger.warn("consumer {} still sending after shutdown; abandoning it", t.getName());
            t.interrupt();
          }
        }
      }
      if (wasRunning) {
        try {
          sender.shutdown();
        } catch (RuntimeException e) {
          logger.warn("exporter failed to shut down cleanly", e);
        }
      }
      state = State.STOPPED;
    }
  }

  private void joinUntil(long deadlineNanos) {
    for (Thread t : consumers) {
      long remaining = deadlineNanos - System.nanoTime();
      if (remaining <= 0) {
        return;
      }
      try {
        TimeUnit.NANOSECONDS.timedJoin(t, remaining);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private String sizerNoun() {
    return config.queue().sizer() == QueueConfig.Sizer.ITEMS ? "items" : "batches";
  }

  private static String noun(Signal s) {
    return s.itemName().replace('_', ' ');
  }

  @Override
  public String toString() {
    return "ExporterHelper{" + id + "}";
  }
}
