package dev.traceyard.store.http;

/** The thing asked for does not exist (HTTP 404). */
final class NotFoundException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  NotFoundException(String message) {
    super(message);
  }
}
