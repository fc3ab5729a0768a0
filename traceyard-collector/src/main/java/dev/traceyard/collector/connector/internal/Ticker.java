package dev.traceyard.collector.connector.internal;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * One daemon thread running a connector's periodic work (flushes, expiry). A task that throws is
 * logged and runs again next time: a scheduled executor would otherwise cancel it silently.
 */
public final class Ticker {
  private final ScheduledExecutorService executor;
  private final Logger logger;

  public Ticker(String threadName, Logger logger) {
    this.logger = logger;
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, threadName);
      t.setDaemon(true);
      return t;
    });
  }

  /** Runs {@code task} every {@code period}, first after one period; a zero period schedules nothing. */
  public void every(Duration period, String what, Runnable task) {
    if (period.isZero() || period.isNegative()) {
      return;
    }
    long nanos = period.toNanos();
    executor.scheduleWithFixedDelay(() -> {
      try {
        task.run();
      } catch (RuntimeException e) {
        logger.warn("{} failed; will try again in {}", what, period, e);
      }
    }, nanos, nanos, TimeUnit.NANOSECONDS);
  }

  /** Stops scheduling and waits up to {@code timeout} for a running task to finish. */
  public boolean stop(Duration timeout) {
    executor.shutdown();
    try {
      return executor.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
