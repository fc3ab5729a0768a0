package dev.traceyard.collector.processor.filter;

/** A condition that does not parse, with the 1-based column where the problem is. */
final class OttlSyntaxException extends Exception {
  private final int column;

  OttlSyntaxException(int column, String message) {
    super(message);
    this.column = column;
  }

  int column() {
    return column;
  }
}
