package dev.traceyard.server.loadgen;

import dev.traceyard.collector.telemetry.RateLimitedLogger;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One load generation run: {@code workers} threads, each with its own generator, batch and pacer,
 * sending blocking requests until the duration or the trace budget is used up.
 */
final class LoadRun {
  private static final Logger LOG = LoggerFactory.getLogger(LoadRun.class);
  /** A partial batch waits at most this long for more spans, so low rates still send promptly. */
  static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  static final int MAX_RETRIES = 5;
  private static final long INITIAL_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(2);
  private static final long MAX_RETRY_AFTER_NANOS = TimeUnit.SECONDS.toNanos(5);
  private static final long PARK_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private final LoadgenSettings settings;
  private final OtlpSender sender;
  private final AtomicBoolean stop = new AtomicBoolean();
  private final AtomicLong nextTrace = new AtomicLong();
  private final LongAdder sent = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final LongAdder requests = new LongAdder();
  private final RateLimitedLogger retryLog = new RateLimitedLogger(LOG, Duration.ofSeconds(5));
  private final RateLimitedLogger failureLog = new RateLimitedLogger(LOG, Duration.ofSeconds(5));
  private long epochOffsetNanos;
  private long deadlineNanos;

  LoadRun(LoadgenSettings settings, OtlpSender sender) {
    this.settings = settings;
    this.sender = sender;
  }

  /** Asks the workers to stop generating; they still send what they hold. */
  void stop() {
    stop.set(true);
  }

  LoadResult run() {
    long start = System.nanoTime();
    epochOffsetNanos = System.currentTimeMillis() * 1_000_000L - start;
    deadlineNanos = settings.duration() == null ? 0 : start + settings.duration().toNanos();
    List<Thread> threads = new ArrayList<>();
    // Worker seeds come from one generator: seeds that differ by a constant could give two
    // SplittableRandoms the same sequence shifted by a step, i.e. the same trace ids.
    SplittableRandom seeds = new SplittableRandom(settings.seed());
    for (int w = 0; w < settings.workers(); w++) {
      int worker = w;
      long seed = seeds.nextLong();
      Thread t = new Thread(() -> runWorker(worker, seed, start), "loadgen-worker-" + w);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      joinUninterruptibly(t);
    }
    return new LoadResult(sent.sum(), failed.sum(), requests.sum(), System.nanoTime() - start);
  }

  private void runWorker(int worker, long seed, long start) {
    try {
      work(seed, start);
    } catch (RuntimeException | Error e) {
      // A bug here must not hang the run: report it and let the other workers finish.
      LOG.error("loadgen worker {} failed", worker, e);
    }
  }

  private void work(long seed, long start) {
    TraceGenerator generator = new TraceGenerator(settings.spansPerTrace(), settings.attributes(), seed);
    SplittableRandom jitter = new SplittableRandom(~seed);
    RequestBatcher batcher = new RequestBatcher(generator);
    TraceBuffer trace = new TraceBuffer(settings.spansPerTrace());
    Pacer pacer = new Pacer(settings.rate() / settings.workers(), start);
    long batchOpened = 0;
    while (!stop.get()) {
      long now = System.nanoTime();
      long due = pacer.due(now);
      if (deadlineNanos != 0 && Math.max(due, now) - deadlineNanos >= 0) {
        break;
      }
      if (batcher.size() > 0 && due - (batchOpened + LINGER_NANOS) > 0) {
        // Waiting for the next trace would hold these spans back too long.
        parkUntil(batchOpened + LINGER_NANOS);
        send(batcher, jitter);
      }
      if (!parkUntil(due)) {
        break;
      }
      long index = nextTrace.getAndIncrement();
      if (settings.maxTraces() > 0 && index >= settings.maxTraces()) {
        break;
      }
      trace.clear();
      generator.generate(Ratios.selected(index, settings.errorRatio(), 0),
          Ratios.selected(index, settings.slowRatio(), 0.5), epochOffsetNanos + System.nanoTime(), trace);
      pacer.consumed(trace.size);
      for (int i = 0; i < trace.size; i++) {
        if (batcher.size() == 0) {
          batchOpened = System.nanoTime();
        }
        batcher.add(trace.services[i], trace.spans[i]);
        if (batcher.size() >= settings.batchSize()) {
          send(batcher, jitter);
        }
      }
    }
    if (batcher.size() > 0) {
      send(batcher, jitter);
    }
  }

  private void send(RequestBatcher batcher, SplittableRandom jitter) {
    int spans = batcher.size();
    ExportTraceServiceRequest request = batcher.drain();
    long backoff = INITIAL_BACKOFF_NANOS;
    for (int attempt = 0; ; attempt++) {
      requests.increment();
      SendOutcome outcome = sender.send(request);
      switch (outcome.kind()) {
        case ACCEPTED:
          long rejected = Math.min(spans, outcome.rejectedSpans());
          sent.add(spans - rejected);
          if (rejected > 0) {
            failed.add(rejected);
            failureLog.warn("receiver rejected {} of {} spans (partial success)", rejected, spans);
          }
          return;
        case PERMANENT:
          failed.add(spans);
          failureLog.warn("export of {} spans refused, not retrying: {}", spans, outcome.message());
          return;
        default:
          if (attempt >= MAX_RETRIES) {
            failed.add(spans);
            failureLog.warn("export of {} spans failed after {} attempts: {}", spans, attempt + 1, outcome.message());
            return;
          }
          retryLog.warn("export refused, retrying: {}", outcome.message());
          // Full jitter keeps the workers from retrying in lockstep.
          long wait = Math.max(Math.min(outcome.retryAfter().toNanos(), MAX_RETRY_AFTER_NANOS),
              backoff / 2 + jitter.nextLong(backoff / 2 + 1));
          parkUntilIgnoringStop(System.nanoTime() + wait);
          backoff = Math.min(backoff * 2, MAX_BACKOFF_NANOS);
      }
    }
  }

  /** @return false when asked to stop while waiting */
  private boolean parkUntil(long deadline) {
    long remaining;
    while ((remaining = deadline - System.nanoTime()) > 0) {
      if (stop.get()) {
        return false;
      }
      LockSupport.parkNanos(Math.min(remaining, PARK_SLICE_NANOS));
    }
    return !stop.get();
  }

  private static void parkUntilIgnoringStop(long deadline) {
    long remaining;
    while ((remaining = deadline - System.nanoTime()) > 0) {
      LockSupport.parkNanos(remaining);
    }
  }

  private static void joinUninterruptibly(Thread t) {
    boolean interrupted = false;
    while (true) {
      try {
        t.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** The spans of the trace being generated, before they are spread over batches. */
  private static final class TraceBuffer implements TraceGenerator.SpanSink {
    final int[] services;
    final Span[] spans;
    int size;

    TraceBuffer(int capacity) {
      services = new int[capacity];
      spans = new Span[capacity];
    }

    void clear() {
      size = 0;
    }

    @Override
    public void accept(int service, Span span) {
      services[size] = service;
      spans[size] = span;
      size++;
    }
  }
}
