package dev.traceyard.collector.service;

/** The service could not start; the message names the component and the cause. */
public final class ServiceStartException extends Exception {
  private static final long serialVersionUID = 1L;

  public ServiceStartException(String message, Throwable cause) {
    super(message, cause);
  }
}
