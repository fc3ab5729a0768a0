package dev.traceyard.collector.processor.tailsampling.policy;

/**
 * What one policy says about one trace, with otelcol's vocabulary. The inverted outcomes come from
 * {@code invert_match} and weigh differently when the processor combines the policies' answers
 * (see {@link PolicySet}).
 */
public enum Decision {
  SAMPLED("sampled"),
  NOT_SAMPLED("not_sampled"),
  /** {@code invert_match}: nothing matched, so keep unless another policy said not sampled. */
  INVERTED_SAMPLED("inverted_sampled"),
  /** {@code invert_match}: something matched, which vetoes sampling like a drop. */
  INVERTED_NOT_SAMPLED("inverted_not_sampled"),
  /** A {@code drop} policy matched: the trace is not sampled whatever the other policies say. */
  DROPPED("dropped"),
  /** The policy failed on this trace; it counts as no opinion. */
  ERROR("error");

  private final String label;

  Decision(String label) {
    this.label = label;
  }

  /** The value of the {@code decision} label in metrics. */
  public String label() {
    return label;
  }

  /** True for the answers that let a trace through an {@code and}, {@code drop} or {@code composite}. */
  boolean matches() {
    return this == SAMPLED || this == INVERTED_SAMPLED;
  }

  /** True for the answers that stop an {@code and} or {@code drop}. */
  boolean rejects() {
    return this == NOT_SAMPLED || this == INVERTED_NOT_SAMPLED;
  }
}
