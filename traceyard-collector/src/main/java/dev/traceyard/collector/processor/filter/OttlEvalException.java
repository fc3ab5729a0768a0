package dev.traceyard.collector.processor.filter;

/** A condition that cannot be evaluated for one item, e.g. arithmetic on a string attribute. */
final class OttlEvalException extends Exception {
  OttlEvalException(String message) {
    super(message, null, false, false);
  }
}
