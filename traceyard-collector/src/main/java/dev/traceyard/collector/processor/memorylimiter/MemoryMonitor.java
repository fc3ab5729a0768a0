package dev.traceyard.collector.processor.memorylimiter;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * Measures heap use every {@code check_interval} and decides whether data must be refused: from the
 * soft limit (hard limit minus spike) on, until a later check finds the heap below it again.
 *
 * <p>The JVM's "heap used" includes garbage not yet collected, so crossing the soft limit first
 * forces a GC (at most every {@code min_gc_interval_when_soft_limited}) and decides on the heap
 * that is left; above the hard limit a GC is forced at most every
 * {@code min_gc_interval_when_hard_limited}. This is otelcol's policy; a JVM started with
 * {@code -XX:+DisableExplicitGC} ignores the request and the decision rests on the next natural GC.
 *
 * <p>Shared by the processors of one id: the check thread runs while at least one of them is started.
 */
final class MemoryMonitor {
  private final Logger logger;
  private final LongSupplier heapUsed;
  private final Runnable gc;
  private final LongSupplier nanoClock;
  private final Duration checkInterval;
  private final long minGcSoftNanos;
  private final long minGcHardNanos;
  private final long maxHeap;
  /** Null when the limits cannot be computed; then {@link #configError} says why. */
  private final MemoryLimiterConfig.Limits limits;
  private final String configError;

  private volatile boolean refusing;
  private volatile long lastUsed;
  // Guarded by this.
  private boolean gcDone;
  private long lastGcNanos;
  private int users;
  private ScheduledExecutorService timer;

  MemoryMonitor(MemoryLimiterConfig config, long maxHeap, LongSupplier heapUsed, Runnable gc, LongSupplier nanoClock,
      Logger logger) {
    this.logger = logger;
    this.heapUsed = heapUsed;
    this.gc = gc;
    this.nanoClock = nanoClock;
    this.checkInterval = config.checkInterval();
    this.minGcSoftNanos = config.minGcIntervalWhenSoftLimited().toNanos();
    this.minGcHardNanos = config.minGcIntervalWhenHardLimited().toNanos();
    this.maxHeap = maxHeap;
    MemoryLimiterConfig.Limits l = null;
    String error = null;
    try {
      l = config.limits(maxHeap);
    } catch (IllegalStateException e) {
      error = e.getMessage();
    }
    this.limits = l;
    this.configError = error;
  }

  /** Tests pass their own heap reading; {@code heapUsed} is the only thing that varies between checks. */
  MemoryMonitor(MemoryLimiterConfig config, long maxHeap, LongSupplier heapUsed, Runnable gc, Logger logger) {
    this(config, maxHeap, heapUsed, gc, System::nanoTime, logger);
  }

  static MemoryMonitor forJvmHeap(MemoryLimiterConfig config, Logger logger) {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    return new MemoryMonitor(config, Runtime.getRuntime().maxMemory(), () -> memory.getHeapMemoryUsage().getUsed(),
        System::gc, System::nanoTime, logger);
  }

  /**
   * Starts the check thread for the first user.
   *
   * @throws IllegalStateException when the limits cannot apply to this JVM
   */
  synchronized void acquire() {
    if (configError != null) {
      throw new IllegalStateException(configError);
    }
    if (users++ > 0) {
      return;
    }
    logger.info("memory limiter: refusing data above {} MiB of heap used, forcing GC above {} MiB; checking every {} ms",
        mib(limits.soft()), mib(limits.hard()), checkInterval.toMillis());
    if (maxHeap != Long.MAX_VALUE && limits.hard() > maxHeap) {
      logger.warn("memory limiter: the limit of {} MiB is above the JVM's maximum heap of {} MiB, so the JVM runs out of "
          + "memory before the limit is reached; lower limit_mib or raise -Xmx", mib(limits.hard()), mib(maxHeap));
    }
    timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "traceyard-memory-limiter");
      t.setDaemon(true);
      return t;
    });
    long period = Math.max(1, checkInterval.toNanos());
    timer.scheduleWithFixedDelay(this::checkQuietly, 0, period, TimeUnit.NANOSECONDS);
  }

  /** Stops the check thread when the last user is gone. */
  synchronized void release() {
    if (users == 0 || --users > 0) {
      return;
    }
    timer.shutdownNow();
    timer = null;
    refusing = false;
  }

  boolean mustRefuse() {
    return refusing;
  }

  long lastHeapUsed() {
    return lastUsed;
  }

  long softLimit() {
    return limits.soft();
  }

  Duration checkInterval() {
    return checkInterval;
  }

  private void checkQuietly() {
    try {
      check();
    } catch (RuntimeException e) {
      // A throwing task would silently end the schedule, freezing the refusal state.
      logger.error("memory limiter: heap check failed", e);
    }
  }

  /** One measurement and decision; the timer calls it, tests call it directly. */
  synchronized void check() {
    long used = heapUsed.getAsLong();
    if (used >= limits.hard() && gcAllowed(minGcHardNanos)) {
      logger.warn("memory limiter: heap used {} MiB is above the hard limit of {} MiB; forcing a GC",
          mib(used), mib(limits.hard()));
      used = gcAndMeasure();
    }
    boolean was = refusing;
    boolean must = used >= limits.soft();
    if (!was && must) {
      if (gcAllowed(minGcSoftNanos)) {
        logger.info("memory limiter: heap used {} MiB is above the soft limit of {} MiB; forcing a GC",
            mib(used), mib(limits.soft()));
        used = gcAndMeasure();
        must = used >= limits.soft();
      }
      if (must) {
        logger.warn("memory limiter: heap used {} MiB is above the soft limit of {} MiB; refusing data",
            mib(used), mib(limits.soft()));
      }
    } else if (was && !must) {
      logger.info("memory limiter: heap used {} MiB is back below the soft limit of {} MiB; accepting data again",
          mib(used), mib(limits.soft()));
    }
    lastUsed = used;
    refusing = must;
  }

  private boolean gcAllowed(long minIntervalNanos) {
    return !gcDone || nanoClock.getAsLong() - lastGcNanos >= minIntervalNanos;
  }

  private long gcAndMeasure() {
    gc.run();
    gcDone = true;
    lastGcNanos = nanoClock.getAsLong();
    long used = heapUsed.getAsLong();
    logger.info("memory limiter: heap used after GC: {} MiB", mib(used));
    return used;
  }

  static long mib(long bytes) {
    return bytes / MemoryLimiterConfig.MIB;
  }
}
