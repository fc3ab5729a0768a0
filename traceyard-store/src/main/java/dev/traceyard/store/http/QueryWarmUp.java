package dev.traceyard.store.http;

import dev.traceyard.collector.config.Durations;
import dev.traceyard.store.query.QueryService;
import dev.traceyard.store.query.TraceId;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;

/**
 * Asks the query API for stored traces in the background right after a start, over loopback HTTP as
 * a user's browser would (answers thrown away), so that the first lookups users make after a restart
 * do not pay for the JVM compiling the whole request path (HTTP server, store reads, OTLP/JSON) and
 * for filling the dictionary caches: on a 10M-span store the first 100 lookups after a restart took
 * 2.4 times as long as the thousandth (docs/benchmarks.md); calling the query service in process
 * warmed only part of that. Bounded by {@code query.warm_up} (wall time) and {@link #MAX_LOOKUPS};
 * does nothing on an empty store; stops at the first failure (a store shutting down, say), since it
 * only saves time.
 */
public final class QueryWarmUp {
  /** About where the lookup time stops falling (docs/benchmarks.md). */
  static final int MAX_LOOKUPS = 1000;
  private static final int TIMEOUT_MILLIS = 30_000;

  private final QueryService qs;
  private final InetSocketAddress address;
  private final Duration budget;
  private final Logger log;
  private final Thread thread;
  private volatile boolean stopped;
  private volatile int lookups;

  private QueryWarmUp(QueryService qs, InetSocketAddress address, Duration budget, Logger log) {
    this.qs = qs;
    this.address = address;
    this.budget = budget;
    this.log = log;
    this.thread = new Thread(this::run, "traceyard-query-warm-up");
    thread.setDaemon(true);
  }

  /**
   * Starts warming up on a thread of its own, asking the query API at {@code address}; null when
   * {@code budget} is zero.
   */
  public static QueryWarmUp start(QueryService qs, InetSocketAddress address, Duration budget, Logger log) {
    if (budget.isZero()) {
      return null;
    }
    QueryWarmUp w = new QueryWarmUp(qs, address, budget, log);
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
        bytes += get("/api/v1/traces/" + id.toHex());
        lookups++;
      }
      if (lookups > 0) {
        log.info("query warm-up: {} trace lookups in {} ({} KiB of OTLP/JSON answers; query.warm_up {})", lookups,
            String.format(Locale.ROOT, "%.1fs", (System.nanoTime() - t0) / 1e9), bytes / 1024,
            Durations.format(budget));
      }
    } catch (IOException | RuntimeException e) {
      // Only time is lost: the store may be closing, or a partition going away under retention.
      log.debug("query warm-up stopped after {} lookups: {}", lookups, e.toString());
    }
  }

  /** The size of the answer to GET {@code path}, read whole; a trace gone meanwhile (404) is fine. */
  private long get(String path) throws IOException {
    URL url = new URL("http", address.getHostString(), address.getPort(), path);
    HttpURLConnection c = (HttpURLConnection) url.openConnection();
    c.setConnectTimeout(TIMEOUT_MILLIS);
    c.setReadTimeout(TIMEOUT_MILLIS);
    int status = c.getResponseCode();
    if (status != 200 && status != 404) {
      throw new IOException("GET " + path + " answered " + status);
    }
    // Read to the end so the kept-alive connection is reused for the next lookup.
    try (InputStream in = status == 200 ? c.getInputStream() : c.getErrorStream()) {
      return in == null ? 0 : in.transferTo(OutputStream.nullOutputStream());
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
