package dev.traceyard.collector.processor.batch;

import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Host;
import dev.traceyard.collector.component.Processor;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.consumer.Consumer;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.Batches;
import dev.traceyard.collector.telemetry.ProcessorMetrics;
import dev.traceyard.collector.telemetry.RateLimitedLogger;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.datapoints.GaugeDataPoint;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;

/**
 * Buffers one pipeline's batches and sends them downstream merged, when {@code send_batch_size}
 * items are pending or {@code timeout} after the oldest pending item arrived, in pieces of at most
 * {@code send_batch_max_size}.
 *
 * <p>This is an asynchronous boundary: {@link #consume} only appends to the buffer and returns. One
 * sender thread per instance does every flush, both size- and time-triggered, so that:
 * <ul>
 *   <li>a slow downstream never blocks the receiver's thread (which may be an event loop); it fills
 *       the bounded buffer instead, and past the bound consume() answers {@code throttled}, which is
 *       the backpressure the receiver turns into a retryable status;</li>
 *   <li>downstream sees one call at a time, in arrival order, as with otelcol's single batcher;</li>
 *   <li>the timer needs no thread of its own: the sender waits on the buffer until the deadline.</li>
 * </ul>
 *
 * <p>Once a batch is accepted, the client has been told it is safe, so a flush that downstream refuses
 * with a retryable result is not dropped: the sender holds the refused pieces and retries them (in
 * order, before anything newer) with exponential backoff, honouring the refusal's retry-after. Held
 * items count against the buffer's bound, so while downstream keeps refusing the buffer fills and
 * new data is refused as {@code throttled}: the backpressure reaches the receiver and the client
 * retries. Only a permanent refusal (retrying cannot help) drops data, and at shutdown what is still
 * refused after {@link #DEFAULT_SHUTDOWN_RETRY_WAIT} of retries; both are counted in
 * {@code traceyard_processor_dropped_items} and logged (rate-limited).
 *
 * <p>Metrics: {@code incoming_items} counts every item handed in (refused ones too),
 * {@code refused_items} those refused because the buffer was full, {@code outgoing_items} those
 * downstream took (or permanently refused), {@code dropped_items} those lost,
 * {@code batch_retried_sends} the retries of refused flushes.
 */
final class BatchProcessor implements Processor {
  /** otelcol's buckets for the batch size histogram. */
  private static final double[] SIZE_BUCKETS = {10, 25, 50, 75, 100, 250, 500, 750, 1000, 2000, 3000, 4000,
      5000, 6000, 7000, 8000, 9000, 10000, 20000, 30000, 50000, 100000};
  /** How long shutdown waits for a flush in progress before draining the rest itself. */
  private static final Duration SENDER_STOP_WAIT = Duration.ofSeconds(30);
  /** Suggested retry delay when the buffer is full: long enough for a few flushes to go out. */
  static final Duration THROTTLED_RETRY_AFTER = Duration.ofSeconds(1);
  /** First wait before re-sending a refused flush; doubles per refusal up to {@link #MAX_RETRY_BACKOFF}. */
  static final Duration INITIAL_RETRY_BACKOFF = Duration.ofMillis(100);
  static final Duration MAX_RETRY_BACKOFF = Duration.ofSeconds(5);
  /** How long shutdown keeps retrying refused data before it counts the rest as dropped. */
  static final Duration DEFAULT_SHUTDOWN_RETRY_WAIT = Duration.ofSeconds(5);

  private enum Trigger { SIZE, TIMEOUT, SHUTDOWN }

  private final Signal signal;
  private final Consumer next;
  private final int sendBatchSize;
  private final int sendBatchMaxSize;
  private final long timeoutNanos;
  private final long pendingBound;
  private final String name;
  private final Logger logger;
  private final RateLimitedLogger dropLog;
  private final RateLimitedLogger refuseLog;
  private final ProcessorMetrics metrics;
  private final DistributionDataPoint sendSize;
  private final CounterDataPoint sizeTriggered;
  private final CounterDataPoint timeoutTriggered;
  private final GaugeDataPoint pendingGauge;
  private final CounterDataPoint retriedSends;
  private final RateLimitedLogger holdLog;
  private final Duration shutdownRetryWait;

  private final ReentrantLock lock = new ReentrantLock();
  /** Signalled when data arrives into an empty buffer, when a size trigger is reached and on stop. */
  private final Condition changed = lock.newCondition();
  // Guarded by lock.
  private final ArrayDeque<Batch> pending = new ArrayDeque<>();
  private long pendingItems;
  /** Pieces downstream refused (retryable), oldest first: sent again before anything in {@code pending}. */
  private final ArrayDeque<Batch> held = new ArrayDeque<>();
  private long heldItems;
  private long retryAtNanos;
  private long backoffNanos;
  private long deadlineNanos;
  private boolean stopping;
  /** Set once shutdown took the held and pending data for its final delivery. */
  private boolean drained;
  private Thread sender;

  BatchProcessor(ComponentSettings settings, BatchProcessorConfig config, Signal signal, Consumer next) {
    this(settings, config, signal, next, DEFAULT_SHUTDOWN_RETRY_WAIT);
  }

  BatchProcessor(ComponentSettings settings, BatchProcessorConfig config, Signal signal, Consumer next,
      Duration shutdownRetryWait) {
    this.shutdownRetryWait = shutdownRetryWait;
    this.signal = signal;
    this.next = next;
    this.sendBatchSize = config.sendBatchSize();
    this.sendBatchMaxSize = config.sendBatchMaxSize();
    this.timeoutNanos = config.timeout().toNanos();
    this.pendingBound = config.pendingBound();
    this.name = settings.id().toString();
    this.logger = settings.logger();
    this.dropLog = new RateLimitedLogger(logger, Duration.ofSeconds(10));
    this.refuseLog = new RateLimitedLogger(logger, Duration.ofSeconds(10));
    this.holdLog = new RateLimitedLogger(logger, Duration.ofSeconds(10));
    this.metrics = settings.telemetry().processor(settings.id());
    this.sendSize = settings.telemetry().histogram("traceyard_processor_batch_batch_send_size",
        "Number of items in each batch sent downstream.", SIZE_BUCKETS, "processor").labelValues(name);
    this.sizeTriggered = settings.telemetry().counter("traceyard_processor_batch_batch_size_trigger_send",
        "Batches sent because send_batch_size was reached.", "processor").labelValues(name);
    this.timeoutTriggered = settings.telemetry().counter("traceyard_processor_batch_timeout_trigger_send",
        "Batches sent because the timeout expired.", "processor").labelValues(name);
    // A plain gauge set on every change: SelfTelemetry.gaugeCallback cannot register a second
    // series (another pipeline's instance) under the same name.
    this.pendingGauge = settings.telemetry().gauge("traceyard_processor_batch_pending_items",
        "Items waiting in the batch processor's buffer, including those held for a retry after downstream refused them.",
        "processor", "signal").labelValues(name, signal.configName());
    pendingGauge.set(0);
    this.retriedSends = settings.telemetry().counter("traceyard_processor_batch_retried_sends",
        "Flushes sent again after downstream refused them with a retryable result.", "processor").labelValues(name);
  }

  @Override
  public void start(Host host) {
    lock.lock();
    try {
      if (sender != null || stopping) {
        return;
      }
      sender = new Thread(this::runSender, "traceyard-batch-" + name + "-" + signal.configName());
      sender.setDaemon(true);
      sender.start();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public ConsumeResult consume(Batch batch) {
    int n = batch.itemCount();
    metrics.incoming(signal, n);
    lock.lock();
    try {
      if (!stopping) {
        if (pendingItems + heldItems >= pendingBound) {
          metrics.refused(signal, n);
          String why = heldItems > 0 ? "downstream is refusing data (" + heldItems + " items held for a retry)"
              : "downstream is too slow";
          refuseLog.warn("batch buffer full ({} {} pending, bound {}): refusing {} {}; {}",
              pendingItems + heldItems, signal.itemName(), pendingBound, n, signal.itemName(), why);
          return ConsumeResult.throttled("batch processor " + name + " buffer is full (" + (pendingItems + heldItems)
              + " items pending): " + why, THROTTLED_RETRY_AFTER);
        }
        boolean wasEmpty = pending.isEmpty();
        if (wasEmpty) {
          deadlineNanos = System.nanoTime() + timeoutNanos;
        }
        pending.addLast(batch);
        pendingItems += n;
        updateGauge();
        if (wasEmpty || pendingItems >= sendBatchSize) {
          changed.signal();
        }
        return ConsumeResult.success();
      }
    } finally {
      lock.unlock();
    }
    // After shutdown there is no one left to flush a buffer: pass the data straight through so the
    // caller learns the real outcome (and owns any failure).
    metrics.outgoing(signal, n);
    return callNext(batch);
  }

  @Override
  public void shutdown() {
    Thread s;
    lock.lock();
    try {
      if (stopping) {
        return;
      }
      stopping = true;
      changed.signalAll();
      s = sender;
    } finally {
      lock.unlock();
    }
    if (s != null) {
      try {
        s.join(SENDER_STOP_WAIT.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (s.isAlive()) {
        logger.warn("a flush downstream is still running after {}s; draining the rest of the buffer anyway",
            SENDER_STOP_WAIT.toSeconds());
      }
    }
    // Graceful drain on the caller's thread: receivers are already stopped, so this is the last data.
    // Held (refused) pieces go first, then the buffer; refusals are retried until the deadline.
    long deadline = System.nanoTime() + shutdownRetryWait.toNanos();
    List<Batch> pieces;
    List<Batch> rest;
    lock.lock();
    try {
      drained = true;
      pieces = new ArrayList<>(held);
      held.clear();
      heldItems = 0;
      rest = drainLocked();
    } finally {
      lock.unlock();
    }
    if (!rest.isEmpty()) {
      List<Batch> restPieces = pieces(rest);
      if (restPieces == null) {
        return;
      }
      pieces.addAll(restPieces);
    }
    deliverBefore(pieces, deadline);
  }

  /** Sends pieces in order, retrying refusals with backoff until {@code deadline}; the rest is dropped, counted. */
  private void deliverBefore(List<Batch> pieces, long deadline) {
    long backoff = INITIAL_RETRY_BACKOFF.toNanos();
    for (int i = 0; i < pieces.size(); i++) {
      Batch piece = pieces.get(i);
      while (true) {
        ConsumeResult r = callNext(piece);
        if (!r.isRetryable()) {
          settled(piece, r);
          break;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          long lost = pieces.subList(i, pieces.size()).stream().mapToLong(Batch::itemCount).sum();
          metrics.dropped(signal, lost);
          logger.error("shutdown: downstream still refuses after retrying for {} ms; dropped {} {}: {}",
              shutdownRetryWait.toMillis(), lost, signal.itemName(), r);
          return;
        }
        // A last try right at the deadline rather than none when the suggested wait is longer.
        long wait = Math.min(retryWait(r, backoff), left);
        retriedSends.inc();
        try {
          Thread.sleep(Math.max(1, wait / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          deadline = System.nanoTime();
        }
        backoff = Math.min(backoff * 2, MAX_RETRY_BACKOFF.toNanos());
      }
    }
  }

  private void runSender() {
    while (true) {
      List<Batch> batches = null;
      Trigger trigger = null;
      lock.lock();
      try {
        while (true) {
          if (stopping) {
            return;
          }
          if (!held.isEmpty()) {
            // Nothing newer goes out before the refused data, which keeps the order and spares downstream.
            long wait = retryAtNanos - System.nanoTime();
            if (wait <= 0) {
              break;
            }
            changed.awaitNanos(wait);
            continue;
          }
          if (pending.isEmpty()) {
            changed.await();
            continue;
          }
          if (pendingItems >= sendBatchSize) {
            trigger = Trigger.SIZE;
            break;
          }
          long wait = deadlineNanos - System.nanoTime();
          if (wait <= 0) {
            trigger = Trigger.TIMEOUT;
            break;
          }
          changed.awaitNanos(wait);
        }
        if (held.isEmpty()) {
          batches = drainLocked();
        }
      } catch (InterruptedException e) {
        // Not how this thread is stopped (shutdown sets stopping); keep serving.
        continue;
      } finally {
        lock.unlock();
      }
      if (batches == null) {
        retryHeld();
      } else {
        flush(batches, trigger);
      }
    }
  }

  /** Sends the held pieces again, oldest first, until one is refused again (then backs off further). */
  private void retryHeld() {
    while (true) {
      Batch piece;
      lock.lock();
      try {
        piece = held.peekFirst();
      } finally {
        lock.unlock();
      }
      if (piece == null) {
        return;
      }
      retriedSends.inc();
      ConsumeResult r = callNext(piece);
      lock.lock();
      try {
        if (r.isRetryable()) {
          backoffNanos = Math.min(Math.max(backoffNanos * 2, INITIAL_RETRY_BACKOFF.toNanos()), MAX_RETRY_BACKOFF.toNanos());
          long wait = retryWait(r, backoffNanos);
          retryAtNanos = System.nanoTime() + wait;
          holdLog.warn("downstream still refuses ({}): holding {} {}, next retry in {} ms", r, heldItems,
              signal.itemName(), wait / 1_000_000);
          return;
        }
        held.pollFirst();
        heldItems -= piece.itemCount();
        if (held.isEmpty()) {
          backoffNanos = 0;
        }
        updateGauge();
      } finally {
        lock.unlock();
      }
      settled(piece, r);
    }
  }

  /** The refusal's retry-after when it gives one (within the backoff bounds), else the backoff. */
  private static long retryWait(ConsumeResult r, long backoff) {
    Duration after = r.retryAfter();
    if (after == null || after.isNegative() || after.isZero()) {
      return backoff;
    }
    return Math.min(after.toNanos(), MAX_RETRY_BACKOFF.toNanos());
  }

  /**
   * Keeps refused pieces (the first one refused and every later one of the same flush) for a retry.
   * Once shutdown has taken the held data for its final delivery nobody would retry them (the sender
   * outlived shutdown's wait): they are counted as dropped instead.
   */
  private void hold(List<Batch> refused, ConsumeResult r) {
    long n = refused.stream().mapToLong(Batch::itemCount).sum();
    lock.lock();
    try {
      if (!drained) {
        held.addAll(refused);
        heldItems += n;
        backoffNanos = INITIAL_RETRY_BACKOFF.toNanos();
        long wait = retryWait(r, backoffNanos);
        retryAtNanos = System.nanoTime() + wait;
        updateGauge();
        holdLog.warn("downstream refused {} {} ({}): holding them, retry in {} ms; new data is refused once {} "
            + "items are buffered", n, signal.itemName(), r, wait / 1_000_000, pendingBound);
        return;
      }
    } finally {
      lock.unlock();
    }
    metrics.dropped(signal, n);
    dropLog.warn("dropped {} {} refused by downstream after shutdown's final delivery: {}", n, signal.itemName(), r);
  }

  /** Pending items plus held ones: what the buffer bound counts. Call with the lock held. */
  private void updateGauge() {
    pendingGauge.set(pendingItems + heldItems);
  }

  private List<Batch> drain() {
    lock.lock();
    try {
      return drainLocked();
    } finally {
      lock.unlock();
    }
  }

  private List<Batch> drainLocked() {
    List<Batch> out = new ArrayList<>(pending);
    pending.clear();
    pendingItems = 0;
    updateGauge();
    return out;
  }

  /** Merged and split by {@code send_batch_max_size}; null (dropped, counted) if merging fails. */
  private List<Batch> pieces(List<Batch> batches) {
    try {
      Batch merged = Batches.merge(batches);
      return new ArrayList<>(sendBatchMaxSize > 0 ? Batches.split(merged, sendBatchMaxSize) : List.of(merged));
    } catch (RuntimeException e) {
      long n = batches.stream().mapToLong(Batch::itemCount).sum();
      metrics.dropped(signal, n);
      logger.error("could not merge {} pending batches; dropped {} {}", batches.size(), n, signal.itemName(), e);
      return null;
    }
  }

  /** Merges, splits by {@code send_batch_max_size} and sends; never throws. */
  private void flush(List<Batch> batches, Trigger trigger) {
    List<Batch> pieces = pieces(batches);
    if (pieces == null) {
      return;
    }
    if (trigger == Trigger.SIZE && pieces.size() > 1) {
      // Like otelcol, a size-triggered flush sends full pieces and keeps a small remainder for the
      // next batch instead of sending an undersized one right away.
      Batch last = pieces.get(pieces.size() - 1);
      if (last.itemCount() < sendBatchSize && putBack(last)) {
        pieces = pieces.subList(0, pieces.size() - 1);
      }
    }
    for (int i = 0; i < pieces.size(); i++) {
      Batch piece = pieces.get(i);
      if (trigger == Trigger.SIZE) {
        sizeTriggered.inc();
      } else if (trigger == Trigger.TIMEOUT) {
        timeoutTriggered.inc();
      }
      sendSize.observe(piece.itemCount());
      ConsumeResult r = callNext(piece);
      if (r.isRetryable()) {
        hold(new ArrayList<>(pieces.subList(i, pieces.size())), r);
        return;
      }
      settled(piece, r);
    }
  }

  /** Returns a remainder to the head of the buffer; false when stopping (then it is sent now). */
  private boolean putBack(Batch remainder) {
    lock.lock();
    try {
      if (stopping) {
        return false;
      }
      if (pending.isEmpty()) {
        deadlineNanos = System.nanoTime() + timeoutNanos;
      }
      pending.addFirst(remainder);
      pendingItems += remainder.itemCount();
      updateGauge();
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Accounts for a piece downstream took or refused for good: a permanent refusal can only be counted and logged. */
  private void settled(Batch piece, ConsumeResult r) {
    int n = piece.itemCount();
    metrics.outgoing(signal, n);
    if (!r.isSuccess()) {
      metrics.dropped(signal, n);
      dropLog.warn("dropped {} {}: downstream refused the batch permanently: {}", n, signal.itemName(), r);
    } else if (r.rejectedItems() > 0) {
      // Counted by the component that rejected them; logged here because no client will hear of it.
      dropLog.warn("downstream rejected {} of {} {}: {}", r.rejectedItems(), n, signal.itemName(), r.message());
    }
  }

  /** Calls downstream, turning a contract breach (exception, null) into a failure instead of killing the sender. */
  private ConsumeResult callNext(Batch batch) {
    try {
      ConsumeResult r = next.consume(batch);
      return r == null ? ConsumeResult.permanent("internal error: consumer returned no result") : r;
    } catch (RuntimeException | LinkageError | AssertionError e) {
      logger.error("downstream threw while consuming a batch of {} items", batch.itemCount(), e);
      return ConsumeResult.permanent("internal error: " + e);
    }
  }
}
