package dev.traceyard.collector.connector.internal;

import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import java.util.Arrays;

/**
 * Counts of values per bucket of fixed upper bounds, as OTLP's explicit-bucket histogram: bucket
 * {@code i} holds values in {@code (bounds[i-1], bounds[i]]}, the last one everything above the last
 * bound. Not thread-safe: its owner guards it.
 */
public final class ExplicitBucketHistogram implements DurationHistogram {
  private final double[] bounds;
  private final long[] counts;
  private long count;
  private double sum;
  private double min = Double.POSITIVE_INFINITY;
  private double max = Double.NEGATIVE_INFINITY;

  /** @param bounds strictly increasing upper bounds, shared and never modified */
  public ExplicitBucketHistogram(double[] bounds) {
    this.bounds = bounds;
    this.counts = new long[bounds.length + 1];
  }

  private ExplicitBucketHistogram(ExplicitBucketHistogram other) {
    this.bounds = other.bounds;
    this.counts = other.counts.clone();
    this.count = other.count;
    this.sum = other.sum;
    this.min = other.min;
    this.max = other.max;
  }

  @Override
  public void record(double value) {
    counts[bucketOf(bounds, value)]++;
    count++;
    sum += value;
    min = Math.min(min, value);
    max = Math.max(max, value);
  }

  /** The bucket of {@code value}: the first bound at or above it, or the overflow bucket. */
  static int bucketOf(double[] bounds, double value) {
    int i = Arrays.binarySearch(bounds, value);
    // An exact match belongs to the bucket whose upper bound it is; otherwise the insertion point.
    return i >= 0 ? i : -i - 1;
  }

  @Override
  public long count() {
    return count;
  }

  @Override
  public ExplicitBucketHistogram copy() {
    return new ExplicitBucketHistogram(this);
  }

  /** Sets count, sum, min, max, bounds and bucket counts on {@code dp}. */
  public void writeTo(HistogramDataPoint.Builder dp) {
    dp.setCount(count).setSum(sum);
    if (count > 0) {
      dp.setMin(min).setMax(max);
    }
    for (double b : bounds) {
      dp.addExplicitBounds(b);
    }
    for (long c : counts) {
      dp.addBucketCounts(c);
    }
  }
}
