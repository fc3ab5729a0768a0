package dev.traceyard.collector.connector.internal;

/** A histogram of durations, explicit or exponential; mutable and guarded by its owner. */
public sealed interface DurationHistogram permits ExplicitBucketHistogram, ExponentialHistogram {

  void record(double value);

  long count();

  /** An independent copy, for emitting a snapshot while the original keeps counting. */
  DurationHistogram copy();
}
