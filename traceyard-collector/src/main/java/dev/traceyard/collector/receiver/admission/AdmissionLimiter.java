package dev.traceyard.collector.receiver.admission;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the request bytes a receiver transport holds, from the moment they are read off the
 * socket until the request's answer is sent (that is, after the pipeline's {@code consume()}
 * returned), and refuses bytes beyond a limit.
 *
 * <p>A request larger than the whole limit is admitted only while it is the only one in flight, so
 * that it is not refused forever (its size is bounded by the receiver's message size limit); the
 * bytes in flight therefore stay under {@code max(limit, largest allowed request)}.
 */
public final class AdmissionLimiter {
  private final long limitBytes;
  private final AtomicLong inFlight = new AtomicLong();

  public AdmissionLimiter(long limitBytes) {
    if (limitBytes <= 0) {
      throw new IllegalArgumentException("limitBytes must be positive, got " + limitBytes);
    }
    this.limitBytes = limitBytes;
  }

  public long limitBytes() {
    return limitBytes;
  }

  public long inFlightBytes() {
    return inFlight.get();
  }

  /** A new request's account; close it when the request is done (idempotent). */
  public Ticket open() {
    return new Ticket();
  }

  private boolean tryAcquire(long bytes, long heldByCaller) {
    while (true) {
      long current = inFlight.get();
      if (current + bytes > limitBytes && current != heldByCaller) {
        return false;
      }
      if (inFlight.compareAndSet(current, current + bytes)) {
        return true;
      }
    }
  }

  /** The bytes one request holds. Thread-safe: chunks arrive on an event loop, close may come from elsewhere. */
  public final class Ticket implements AutoCloseable {
    private long held;
    private boolean closed;

    private Ticket() {}

    /** Takes {@code bytes} more for this request; false (nothing taken) when that would pass the limit. */
    public synchronized boolean acquire(long bytes) {
      if (closed) {
        return false;
      }
      if (bytes <= 0) {
        return true;
      }
      if (!tryAcquire(bytes, held)) {
        return false;
      }
      held += bytes;
      return true;
    }

    public synchronized long held() {
      return held;
    }

    /** Gives back everything this request took; later acquisitions fail. */
    @Override
    public synchronized void close() {
      if (!closed) {
        closed = true;
        inFlight.addAndGet(-held);
        held = 0;
      }
    }
  }
}
