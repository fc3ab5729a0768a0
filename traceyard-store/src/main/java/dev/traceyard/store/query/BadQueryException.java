package dev.traceyard.store.query;

/** A query the store cannot answer as asked (bad value, inverted range...); the message says what to fix. */
public final class BadQueryException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BadQueryException(String message) {
    super(message);
  }
}
