package dev.traceyard.store.db;

/** The store cannot be opened or used; the message is meant for the operator. */
public final class StoreException extends Exception {
  private static final long serialVersionUID = 1L;

  public StoreException(String message) {
    super(message);
  }

  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
