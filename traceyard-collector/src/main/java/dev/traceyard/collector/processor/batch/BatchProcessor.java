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
 * <p>Once a batch is accepted, the client has been told it is safe; a failed flush therefore cannot
 * be handed back, and its items are counted in {@code traceyard_processor_dropped_items} and logged
 * (rate-limited). Retrying is the exporter's job ({@code retry_on_failure}, {@code sending_queue}).
 *
 * <p>Metrics: {@code incoming_items} counts every item handed in (refused ones too),
 * {@code refused_items} those refused because the buffer was full, {@code outgoing_items} those
 * handed downstream, {@code dropped_items} those downstream failed on.
 */
final class BatchProcessor implements Processor {
  /** otelcol's buckets for the batch size histogram. */
  private static final double[] SIZE_BUCKETS = {10, 25, 50, 75, 100, 250, 500, 750, 1000, 2000, 3000, 4000,
      5000, 6000, 7000, 8000, 9000, 10000, 20000, 30000, 50000, 100000};
  /** How long shutdown waits for a flush in progress before draining the rest itself. */
  private static final Duration SENDER_STOP_WAIT = Duration.ofSeconds(30);
  /** Suggested retry delay when the buffer is full: long enough for a few flushes to go out. */
  static final Duration THROTTLED_RETRY_AFTER = Duration.ofSeconds(1);

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

  private final ReentrantLock lock = new ReentrantLock();
  /** Signalled when data arrives into an empty buffer, when a size trigger is reached and on stop. */
  private final Condition changed = lock.newCondition();
  // Guarded by lock.
  private final ArrayDeque<Batch> pending = new ArrayDeque<>();
  private long pendingItems;
  private long deadlineNanos;
  private boolean stopping;
  private Thread sender;

  BatchProcessor(ComponentSettings settings, BatchProcessorConfig config, Signal signal, Consumer next) {
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
        "Items waiting in the batch processor's buffer.", "processor", "signal").labelValues(name, signal.configName());
    pendingGauge.set(0);
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
        if (pendingItems >= pendingBound) {
          metrics.refused(signal, n);
          refuseLog.warn("batch buffer full ({} {} pending, bound {}): refusing {} {}; downstream is slower than the input",
              pendingItems, signal.itemName(), pendingBound, n, signal.itemName());
          return ConsumeResult.throttled("batch processor " + name + " buffer is full (" + pendingItems
              + " items pending): downstream is too slow", THROTTLED_RETRY_AFTER);
        }
        boolean wasEmpty = pending.isEmpty();
        if (wasEmpty) {
          deadlineNanos = System.nanoTime() + timeoutNanos;
        }
        pending.addLast(batch);
        pendingItems += n;
        pendingGauge.set(pendingItems);
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
    List<Batch> rest = drain();
    if (!rest.isEmpty()) {
      flush(rest, Trigger.SHUTDOWN);
    }
  }

  private void runSender() {
    while (true) {
      List<Batch> batches;
      Trigger trigger;
      lock.lock();
      try {
        while (true) {
          if (stopping) {
            return;
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
        batches = drainLocked();
      } catch (InterruptedException e) {
        // Not how this thread is stopped (shutdown sets stopping); keep serving.
        continue;
      } finally {
        lock.unlock();
      }
      flush(batches, trigger);
    }
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
    pendingGauge.set(0);
    return out;
  }

  /** Merges, splits by {@code send_batch_max_size} and sends; never throws. */
  private void flush(List<Batch> batches, Trigger trigger) {
    List<Batch> pieces;
    try {
      Batch merged = Batches.merge(batches);
      pieces = sendBatchMaxSize > 0 ? Batches.split(merged, sendBatchMaxSize) : List.of(merged);
    } catch (RuntimeException e) {
      long n = batches.stream().mapToLong(Batch::itemCount).sum();
      metrics.dropped(signal, n);
      logger.error("could not merge {} pending batches; dropped {} {}", batches.size(), n, signal.itemName(), e);
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
    for (Batch piece : pieces) {
      if (trigger == Trigger.SIZE) {
        sizeTriggered.inc();
      } else if (trigger == Trigger.TIMEOUT) {
        timeoutTriggered.inc();
      }
      sendSize.observe(piece.itemCount());
      sendPiece(piece);
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
      pendingGauge.set(pendingItems);
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Sends one piece of an accepted batch: a failure here can only be counted and logged. */
  private void sendPiece(Batch piece) {
    int n = piece.itemCount();
    metrics.outgoing(signal, n);
    ConsumeResult r = callNext(piece);
    if (!r.isSuccess()) {
      metrics.dropped(signal, n);
      dropLog.warn("dropped {} {}: sending the batch downstream failed: {}", n, signal.itemName(), r);
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
