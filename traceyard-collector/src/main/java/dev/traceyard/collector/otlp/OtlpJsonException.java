package dev.traceyard.collector.otlp;

/** An OTLP/JSON document that cannot be decoded; the message says where and why. */
public final class OtlpJsonException extends Exception {
  private static final long serialVersionUID = 1L;

  public OtlpJsonException(String message) {
    super(message);
  }

  public OtlpJsonException(String message, Throwable cause) {
    super(message, cause);
  }
}
