package dev.traceyard.demo;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Calls frontend's {@code /checkout} at a fixed rate, like shoppers would. Untraced on purpose: frontend's
 * SERVER span is the root of each trace. At most {@value #MAX_IN_FLIGHT} requests wait at once; ticks beyond
 * that are skipped and counted rather than queued, so a slow demo does not build an unbounded backlog.
 */
public final class LoadDriver implements AutoCloseable {

  static final int MAX_IN_FLIGHT = 64;
  private static final List<String> USERS = List.of("ada", "grace", "linus", "barbara", "ken", "margaret");
  private static final List<String> ITEMS =
      List.of("sku-headphones", "sku-keyboard", "sku-monitor", "sku-mouse", "sku-webcam", "sku-laptop");

  private final URI frontend;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final ScheduledExecutorService ticker;
  private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
  private final SplittableRandom random;
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong succeeded = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong skipped = new AtomicLong();

  LoadDriver(URI frontend, double requestsPerSecond, long seed) {
    if (!(requestsPerSecond > 0) || Double.isInfinite(requestsPerSecond)) {
      throw new IllegalArgumentException("requests per second must be a number > 0, got " + requestsPerSecond);
    }
    this.frontend = frontend;
    this.random = new SplittableRandom(seed);
    this.ticker = Executors.newSingleThreadScheduledExecutor(task -> {
      Thread t = new Thread(task, "demo-load-driver");
      t.setDaemon(true);
      return t;
    });
    long periodNanos = Math.max(1, (long) (1e9 / requestsPerSecond));
    ticker.scheduleAtFixedRate(this::tick, 0, periodNanos, TimeUnit.NANOSECONDS);
  }

  private void tick() {
    if (!inFlight.tryAcquire()) {
      skipped.incrementAndGet();
      return;
    }
    String user = USERS.get(random.nextInt(USERS.size()));
    String item = ITEMS.get(random.nextInt(ITEMS.size()));
    int quantity = 1 + random.nextInt(3);
    HttpRequest request =
        HttpRequest.newBuilder(frontend.resolve("/checkout?user=" + user + "&item=" + item + "&quantity=" + quantity))
            .timeout(Duration.ofSeconds(15))
            .build();
    sent.incrementAndGet();
    http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
        .whenComplete((response, error) -> {
          inFlight.release();
          if (error == null && response.statusCode() == 200) {
            succeeded.incrementAndGet();
          } else {
            failed.incrementAndGet();
          }
        });
  }

  public long sent() {
    return sent.get();
  }

  public long succeeded() {
    return succeeded.get();
  }

  /** Answered with an error status, or not answered. */
  public long failed() {
    return failed.get();
  }

  /** Ticks not sent because {@value #MAX_IN_FLIGHT} requests were still waiting. */
  public long skipped() {
    return skipped.get();
  }

  @Override
  public void close() {
    ticker.shutdownNow();
    try {
      // let the last requests finish so their traces are complete
      if (inFlight.tryAcquire(MAX_IN_FLIGHT, 10, TimeUnit.SECONDS)) {
        inFlight.release(MAX_IN_FLIGHT);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
