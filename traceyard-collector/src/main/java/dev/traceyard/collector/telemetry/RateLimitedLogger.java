package dev.traceyard.collector.telemetry;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * Logs a repeated warning at most once per interval, saying how many were suppressed in between, so
 * a failing backend or a flood of bad requests cannot fill the disk with logs.
 */
public final class RateLimitedLogger {
  private final Logger logger;
  private final long intervalNanos;
  private final AtomicLong nextAllowed = new AtomicLong(Long.MIN_VALUE);
  private final AtomicLong suppressed = new AtomicLong();

  public RateLimitedLogger(Logger logger, Duration interval) {
    this.logger = logger;
    this.intervalNanos = interval.toNanos();
  }

  public void warn(String format, Object... args) {
    long now = System.nanoTime();
    long next = nextAllowed.get();
    if ((next == Long.MIN_VALUE || now - next >= 0) && nextAllowed.compareAndSet(next, now + intervalNanos)) {
      long n = suppressed.getAndSet(0);
      if (n > 0) {
        logger.warn(format + " (" + n + " similar messages suppressed)", args);
      } else {
        logger.warn(format, args);
      }
    } else {
      suppressed.incrementAndGet();
    }
  }
}
