package dev.traceyard.collector.consumer;

import java.time.Duration;
import java.util.Objects;

/**
 * Outcome of handing a batch to a {@link Consumer}. Retryable failures travel back to the receiver,
 * which turns them into the protocol's retryable status so that clients retry instead of dropping.
 */
public final class ConsumeResult {
  /** What the caller should do with the batch. */
  public enum Status {
    /** Accepted (possibly partially: see {@link #rejectedItems()}). */
    SUCCESS,
    /** Refused for now (a queue is full, a backend is down): the sender should retry later. */
    RETRYABLE,
    /** Refused because of the data itself (or the configuration): retrying cannot help. */
    PERMANENT
  }

  private static final ConsumeResult SUCCESS = new ConsumeResult(Status.SUCCESS, "", null, false, 0);

  private final Status status;
  private final String message;
  private final Duration retryAfter;
  private final boolean throttled;
  private final long rejectedItems;

  private ConsumeResult(Status status, String message, Duration retryAfter, boolean throttled, long rejectedItems) {
    this.status = status;
    this.message = message;
    this.retryAfter = retryAfter;
    this.throttled = throttled;
    this.rejectedItems = rejectedItems;
  }

  public static ConsumeResult success() {
    return SUCCESS;
  }

  /** Accepted, but {@code rejectedItems} items were dropped for the reason given (OTLP partial success). */
  public static ConsumeResult partialSuccess(long rejectedItems, String message) {
    if (rejectedItems <= 0) {
      return SUCCESS;
    }
    return new ConsumeResult(Status.SUCCESS, Objects.requireNonNull(message, "message"), null, false, rejectedItems);
  }

  /** Temporarily unavailable (gRPC UNAVAILABLE, HTTP 503). {@code retryAfter} may be null. */
  public static ConsumeResult retryable(String message, Duration retryAfter) {
    return new ConsumeResult(Status.RETRYABLE, Objects.requireNonNull(message, "message"), retryAfter, false, 0);
  }

  /** Refused because we are over a resource limit (gRPC RESOURCE_EXHAUSTED, HTTP 429); retryable. */
  public static ConsumeResult throttled(String message, Duration retryAfter) {
    return new ConsumeResult(Status.RETRYABLE, Objects.requireNonNull(message, "message"), retryAfter, true, 0);
  }

  public static ConsumeResult permanent(String message) {
    return new ConsumeResult(Status.PERMANENT, Objects.requireNonNull(message, "message"), null, false, 0);
  }

  public Status status() {
    return status;
  }

  public boolean isSuccess() {
    return status == Status.SUCCESS;
  }

  public boolean isRetryable() {
    return status == Status.RETRYABLE;
  }

  public boolean isPermanent() {
    return status == Status.PERMANENT;
  }

  /** True for refusals caused by our own resource limits rather than by an unavailable downstream. */
  public boolean isThrottled() {
    return throttled;
  }

  public String message() {
    return message;
  }

  /** Suggested delay before a retry, or null when the refusing component has no opinion. */
  public Duration retryAfter() {
    return retryAfter;
  }

  public long rejectedItems() {
    return rejectedItems;
  }

  /**
   * Combines the results of a fan-out: any failure wins over success, permanent wins over retryable
   * (a retry would fail again for that branch), the longest retry-after wins.
   */
  public ConsumeResult combine(ConsumeResult other) {
    if (other.status == Status.SUCCESS && other.rejectedItems == 0) {
      return this;
    }
    if (this.status == Status.SUCCESS && this.rejectedItems == 0) {
      return other;
    }
    if (this.status != other.status) {
      return rank(this.status) >= rank(other.status) ? this : other;
    }
    switch (status) {
      case SUCCESS:
        return partialSuccess(Math.max(rejectedItems, other.rejectedItems), message + "; " + other.message);
      case RETRYABLE:
        Duration after = retryAfter == null ? other.retryAfter
            : other.retryAfter == null ? retryAfter
            : (retryAfter.compareTo(other.retryAfter) >= 0 ? retryAfter : other.retryAfter);
        return new ConsumeResult(Status.RETRYABLE, message + "; " + other.message, after,
            throttled || other.throttled, 0);
      default:
        return permanent(message + "; " + other.message);
    }
  }

  private static int rank(Status s) {
    return s == Status.PERMANENT ? 2 : s == Status.RETRYABLE ? 1 : 0;
  }

  @Override
  public String toString() {
    return status + (message.isEmpty() ? "" : ": " + message)
        + (retryAfter == null ? "" : " (retry after " + retryAfter + ")")
        + (rejectedItems == 0 ? "" : " (rejected " + rejectedItems + ")");
  }
}
