package dev.traceyard.server.loadgen;

import java.time.Duration;

/** What the receiving end said about one export request. */
record SendOutcome(Kind kind, long rejectedSpans, Duration retryAfter, String message) {
  enum Kind {
    /** Accepted, possibly with some spans rejected (OTLP partial success). */
    ACCEPTED,
    /** Refused for now (overloaded, unavailable): try again later. */
    RETRYABLE,
    /** Refused for good: retrying the same request cannot help. */
    PERMANENT
  }

  static SendOutcome accepted(long rejectedSpans) {
    return new SendOutcome(Kind.ACCEPTED, rejectedSpans, Duration.ZERO, "");
  }

  static SendOutcome retryable(String message, Duration retryAfter) {
    return new SendOutcome(Kind.RETRYABLE, 0, retryAfter, message);
  }

  static SendOutcome permanent(String message) {
    return new SendOutcome(Kind.PERMANENT, 0, Duration.ZERO, message);
  }
}
