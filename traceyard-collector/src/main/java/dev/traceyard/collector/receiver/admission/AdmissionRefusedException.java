package dev.traceyard.collector.receiver.admission;

/**
 * Aborts a request whose body would take the receiver past its admission limit while it streams
 * in; the protocol's service maps it to its retryable "over a resource limit" answer. Without a
 * stack trace: it is a routine refusal under load, not a bug.
 */
public final class AdmissionRefusedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public AdmissionRefusedException(String message) {
    super(message, null, false, false);
  }

  /** The refusal in {@code t} or its causes, or null. */
  public static AdmissionRefusedException find(Throwable t) {
    for (int depth = 0; t != null && depth < 10; depth++, t = t.getCause()) {
      if (t instanceof AdmissionRefusedException) {
        return (AdmissionRefusedException) t;
      }
    }
    return null;
  }
}
