package dev.traceyard.store.query;

/** The store failed to answer a valid query (a database error); reported as an internal error. */
public final class StoreQueryException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StoreQueryException(String message, Throwable cause) {
    super(message, cause);
  }
}
