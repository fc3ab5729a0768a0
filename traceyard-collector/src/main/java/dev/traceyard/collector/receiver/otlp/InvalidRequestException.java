package dev.traceyard.collector.receiver.otlp;

/**
 * A request body that cannot be accepted as it is: undecodable, or decoded but over an
 * {@link dev.traceyard.collector.otlp.OtlpLimits} limit. The message is fit for the 400 /
 * INVALID_ARGUMENT answer and names the field at fault.
 */
final class InvalidRequestException extends Exception {
  private static final long serialVersionUID = 1L;

  private final long itemCount;

  InvalidRequestException(String message, long itemCount, Throwable cause) {
    super(message, cause);
    this.itemCount = itemCount;
  }

  /** Items (spans, data points, log records) the refused request held, when it could be decoded; else 0. */
  long itemCount() {
    return itemCount;
  }
}
