package dev.traceyard.store.http;

import dev.traceyard.collector.config.Durations;
import dev.traceyard.store.query.QueryService;
import dev.traceyard.store.query.TraceId;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;

/**
 * Looks up stored traces in the background right after a start, as the trace-by-id endpoint does
 * (read, rebuild, encode to OTLP/JSON, answer thrown away), so that the first lookups users make
 * after a restart do not pay for the JVM compiling the read path and for filling the dictionary
 * caches: on a 10M-span store the first 100 lookups after a restart took 2.4 times as long as the
 * thousandth (docs/benchmarks.md). Bounded by {@code query.warm_up} (wall time) and
 * {@link #MAX_LOOKUPS}; does nothing on an empty store; stops at the first failure (a store
 * shutting down, say), since it only saves time.
 */
public final class QueryWarmUp {
  /** About where the lookup time stops falling (docs/benchmarks.md). */
  static final int MAX_LOOKUPS = 1000;

  private final QueryService qs;
  private final Duration budget;
  private final Logger log;
  private final Thread thread;
  private volatile boolean stopped;
  private volatile int lookups;

  private QueryWarmUp(QueryService qs, Duration budget, Logger log) {
    this.qs = qs;
    this.budget = budget;
    this.log = log;
    this.thread = new Thread(this::run, "traceyard-query-warm-up");
    thread.setDaemon(true);
  }

  /** Starts warming up on a thread of its own; null when {@code budget} is zero. */
  public static QueryWarmUp start(QueryService qs, Duration budget, Logger log) {
    if (budget.isZero()) {
      return null;
    }
    QueryWarmUp w = new QueryWarmUp(qs, budget, log);
    w.thread.start();
    return w;
  }

  private void run() {
    long t0 = System.nanoTime();
    long deadline = t0 + budget.toNanos();
    try {
      List<TraceId> ids = qs.sampleTraceIds(MAX_LOOKUPS);
      long bytes = 0;
      for (TraceId id : ids) {
        if (stopped || System.nanoTime() - deadline > 0) {
          break;
        }
        bytes += qs.trace(id).map(t -> OtlpJsonWriter.encode(t).length).orElse(0);
        lookups++;
      }
      if (lookups > 0) {
        log.info("query warm-up: {} trace lookups in {} ({} KiB of OTLP/JSON; query.warm_up {})", lookups,
            String.format(Locale.ROOT, "%.1fs", (System.nanoTime() - t0) / 1e9), bytes / 1024,
            Durations.format(budget));
      }
    } catch (RuntimeException e) {
      // Only time is lost: the store may be closing, or a partition going away under retention.
      log.debug("query warm-up stopped after {} lookups: {}", lookups, e.toString());
    }
  }

  /** Lookups done so far. */
  int lookups() {
    return lookups;
  }

  /** True once the warm-up has finished or given up. */
  boolean done() {
    return !thread.isAlive();
  }

  /** Stops after the lookup in progress and waits for it (up to {@code wait}), before the store closes. */
  public void stop(Duration wait) {
    stopped = true;
    try {
      thread.join(Math.max(1, wait.toMillis()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
