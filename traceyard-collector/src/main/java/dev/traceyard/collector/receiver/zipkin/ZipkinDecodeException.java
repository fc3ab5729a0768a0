package dev.traceyard.collector.receiver.zipkin;

/** A request body that is not a valid Zipkin v2 span list; the message is fit for a 400 response. */
final class ZipkinDecodeException extends Exception {
  private static final long serialVersionUID = 1L;

  private final int spanCount;

  ZipkinDecodeException(String message, int spanCount) {
    super(message, null, false, false);
    this.spanCount = spanCount;
  }

  /** Spans the refused request held, when the body was well-formed enough to count them; else 0. */
  int spanCount() {
    return spanCount;
  }
}
