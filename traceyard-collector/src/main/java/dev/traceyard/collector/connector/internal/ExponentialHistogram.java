package dev.traceyard.collector.connector.internal;

import io.opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint;

/**
 * OTLP's base-2 exponential histogram for non-negative values, with at most {@code maxSize}
 * positive buckets. It starts at the finest scale and halves its resolution (scale - 1 merges bucket
 * pairs) whenever a value would need more buckets than allowed, as the OpenTelemetry SDKs do; zeros
 * go to the zero bucket. Not thread-safe: its owner guards it.
 *
 * <p>At scale {@code s} the base is {@code 2^(2^-s)} and bucket {@code i} holds values in
 * {@code (base^i, base^(i+1)]}, so halving the resolution maps bucket {@code i} to {@code i >> 1}.
 */
public final class ExponentialHistogram implements DurationHistogram {
  public static final int MAX_SCALE = 20;
  public static final int MIN_SCALE = -10;
  /** The smallest {@code max_size} that can hold any pair of positive doubles (see {@link #MIN_SCALE}). */
  public static final int MIN_MAX_SIZE = 3;
  public static final int MAX_MAX_SIZE = 16384;

  private static final long MANTISSA_MASK = 0x000FFFFFFFFFFFFFL;
  private static final double INV_LN2 = 1 / Math.log(2);

  private final int maxSize;
  private int scale = MAX_SCALE;
  private long[] counts;
  /** Bucket index of {@code counts[0]}; meaningful only when a positive value was recorded. */
  private long minIndex;
  private long maxIndex;
  private boolean hasBuckets;
  private long zeroCount;
  private long count;
  private double sum;
  private double min = Double.POSITIVE_INFINITY;
  private double max = Double.NEGATIVE_INFINITY;

  public ExponentialHistogram(int maxSize) {
    if (maxSize < MIN_MAX_SIZE || maxSize > MAX_MAX_SIZE) {
      throw new IllegalArgumentException("maxSize must be between " + MIN_MAX_SIZE + " and " + MAX_MAX_SIZE);
    }
    this.maxSize = maxSize;
    this.counts = new long[maxSize];
  }

  private ExponentialHistogram(ExponentialHistogram o) {
    maxSize = o.maxSize;
    scale = o.scale;
    counts = o.counts.clone();
    minIndex = o.minIndex;
    maxIndex = o.maxIndex;
    hasBuckets = o.hasBuckets;
    zeroCount = o.zeroCount;
    count = o.count;
    sum = o.sum;
    min = o.min;
    max = o.max;
  }

  /** Records a value; negative and NaN values count as zero (durations cannot be negative). */
  @Override
  public void record(double value) {
    double v = value > 0 && Double.isFinite(value) ? value : (value == Double.POSITIVE_INFINITY ? Double.MAX_VALUE : 0);
    count++;
    sum += v;
    min = Math.min(min, v);
    max = Math.max(max, v);
    if (v == 0) {
      zeroCount++;
      return;
    }
    long index = indexOf(v, scale);
    if (!hasBuckets) {
      hasBuckets = true;
      minIndex = index;
      maxIndex = index;
      counts[0] = 1;
      return;
    }
    long low = Math.min(minIndex, index);
    long high = Math.max(maxIndex, index);
    if (high - low + 1 > maxSize) {
      int change = 0;
      while ((high >> change) - (low >> change) + 1 > maxSize && scale - change > MIN_SCALE) {
        change++;
      }
      downscale(change);
      index >>= change;
      // Only reachable with extreme values at the coarsest scale: keep the count in the nearest bucket.
      index = Math.max(Math.min(index, minIndex + maxSize - 1), maxIndex - maxSize + 1);
    }
    if (index < minIndex) {
      int shift = (int) (minIndex - index);
      System.arraycopy(counts, 0, counts, shift, (int) (maxIndex - minIndex + 1));
      java.util.Arrays.fill(counts, 0, shift, 0);
      minIndex = index;
    }
    maxIndex = Math.max(maxIndex, index);
    counts[(int) (index - minIndex)]++;
  }

  private void downscale(int change) {
    if (change <= 0) {
      return;
    }
    long[] merged = new long[maxSize];
    long newMin = minIndex >> change;
    for (long i = minIndex; i <= maxIndex; i++) {
      merged[(int) ((i >> change) - newMin)] += counts[(int) (i - minIndex)];
    }
    counts = merged;
    minIndex = newMin;
    maxIndex = maxIndex >> change;
    scale -= change;
  }

  /** The bucket of a positive, finite {@code v} at {@code scale}. */
  static long indexOf(double v, int scale) {
    long bits = Double.doubleToRawLongBits(v);
    int exponent = Math.getExponent(v);
    boolean powerOfTwo = (bits & MANTISSA_MASK) == 0 && exponent >= Double.MIN_EXPONENT;
    if (scale <= 0) {
      // Exact: the bucket follows from the binary exponent alone; powers of two close their bucket.
      long e = powerOfTwo ? exponent - 1L : exponent;
      if (exponent < Double.MIN_EXPONENT) {
        e = Double.MIN_EXPONENT - 1L;
      }
      return e >> -scale;
    }
    if (powerOfTwo) {
      return ((long) exponent << scale) - 1;
    }
    return (long) Math.ceil(Math.log(v) * Math.scalb(INV_LN2, scale)) - 1;
  }

  @Override
  public long count() {
    return count;
  }

  public int scale() {
    return scale;
  }

  @Override
  public ExponentialHistogram copy() {
    return new ExponentialHistogram(this);
  }

  /** Sets scale, count, sum, min, max, the zero count and the positive buckets on {@code dp}. */
  public void writeTo(ExponentialHistogramDataPoint.Builder dp) {
    dp.setScale(scale).setCount(count).setSum(sum).setZeroCount(zeroCount);
    if (count > 0) {
      dp.setMin(min).setMax(max);
    }
    if (hasBuckets) {
      ExponentialHistogramDataPoint.Buckets.Builder b = dp.getPositiveBuilder().setOffset((int) minIndex);
      for (long i = 0; i <= maxIndex - minIndex; i++) {
        b.addBucketCounts(counts[(int) i]);
      }
    }
  }
}
