package dev.traceyard.collector.connector.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ExponentialHistogramTest {

  private static ExponentialHistogramDataPoint point(ExponentialHistogram h) {
    ExponentialHistogramDataPoint.Builder dp = ExponentialHistogramDataPoint.newBuilder();
    h.writeTo(dp);
    return dp.build();
  }

  /** The bucket holding {@code v} at {@code scale}, from the definition (base^i, base^(i+1)]. */
  private static boolean inBucket(double v, int scale, long index) {
    double base = Math.pow(2, Math.pow(2, -scale));
    double low = Math.pow(base, index);
    double high = Math.pow(base, index + 1);
    // Relative slack for the floating point of pow; the index computation itself is exact at powers of two.
    return v > low * (1 - 1e-9) && v <= high * (1 + 1e-9);
  }

  @Test
  void everyValue_landsInTheBucketItsScaleDefines() {
    Random random = new Random(7);
    List<Double> values = new ArrayList<>();
    ExponentialHistogram h = new ExponentialHistogram(160);
    for (int i = 0; i < 5000; i++) {
      double v = Math.exp(random.nextDouble() * 20 - 7); // 1e-3 .. 5e5
      values.add(v);
      h.record(v);
    }
    ExponentialHistogramDataPoint dp = point(h);
    assertThat(dp.getCount()).isEqualTo(5000);
    assertThat(dp.getPositive().getBucketCountsCount()).isLessThanOrEqualTo(160);
    assertThat(dp.getPositive().getBucketCountsList().stream().mapToLong(Long::longValue).sum()).isEqualTo(5000);
    long[] expected = new long[dp.getPositive().getBucketCountsCount()];
    for (double v : values) {
      long index = ExponentialHistogram.indexOf(v, dp.getScale());
      assertThat(inBucket(v, dp.getScale(), index)).as("%s at scale %s in bucket %s", v, dp.getScale(), index).isTrue();
      expected[(int) (index - dp.getPositive().getOffset())]++;
    }
    assertThat(dp.getPositive().getBucketCountsList()).containsExactlyElementsOf(
        java.util.Arrays.stream(expected).boxed().toList());
  }

  @Test
  void powersOfTwo_closeTheirBucket() {
    assertThat(ExponentialHistogram.indexOf(4.0, 3)).isEqualTo(15);
    assertThat(ExponentialHistogram.indexOf(4.0, -2)).isEqualTo(0);
    assertThat(ExponentialHistogram.indexOf(4.0, 20)).isEqualTo((2L << 20) - 1);
    // At scale 0 buckets are (2^i, 2^(i+1)]: 4 is the top of bucket 1, 4.0001 the bottom of bucket 2.
    assertThat(ExponentialHistogram.indexOf(4.0, 0)).isEqualTo(1);
    assertThat(ExponentialHistogram.indexOf(4.0001, 0)).isEqualTo(2);
    assertThat(ExponentialHistogram.indexOf(1.0, 0)).isEqualTo(-1);
    assertThat(ExponentialHistogram.indexOf(1.0, 1)).isEqualTo(-1);
    assertThat(ExponentialHistogram.indexOf(Math.sqrt(2) * 1.0001, 1)).isEqualTo(1);
  }

  @Test
  void singleValue_keepsTheFinestScale() {
    ExponentialHistogram h = new ExponentialHistogram(160);
    h.record(12.5);
    h.record(12.5);
    ExponentialHistogramDataPoint dp = point(h);
    assertThat(dp.getScale()).isEqualTo(ExponentialHistogram.MAX_SCALE);
    assertThat(dp.getPositive().getBucketCountsList()).containsExactly(2L);
    assertThat(dp.getSum()).isEqualTo(25);
    assertThat(dp.getMin()).isEqualTo(12.5);
  }

  @Test
  void zerosAndNegatives_goToTheZeroBucket() {
    ExponentialHistogram h = new ExponentialHistogram(10);
    h.record(0);
    h.record(-3);
    h.record(Double.NaN);
    ExponentialHistogramDataPoint dp = point(h);
    assertThat(dp.getZeroCount()).isEqualTo(3);
    assertThat(dp.getCount()).isEqualTo(3);
    assertThat(dp.hasPositive()).isFalse();
  }

  @Test
  void extremeRange_fitsTheSmallestSize() {
    ExponentialHistogram h = new ExponentialHistogram(ExponentialHistogram.MIN_MAX_SIZE);
    h.record(Double.MIN_NORMAL);
    h.record(Double.MAX_VALUE);
    h.record(1);
    ExponentialHistogramDataPoint dp = point(h);
    assertThat(dp.getPositive().getBucketCountsCount()).isLessThanOrEqualTo(3);
    assertThat(dp.getPositive().getBucketCountsList().stream().mapToLong(Long::longValue).sum()).isEqualTo(3);
  }

  @Test
  void copy_isIndependent() {
    ExponentialHistogram h = new ExponentialHistogram(20);
    h.record(1.5);
    ExponentialHistogram c = h.copy();
    h.record(1000);
    assertThat(c.count()).isEqualTo(1);
    assertThat(point(c).getPositive().getBucketCountsList()).containsExactly(1L);
  }

  @Test
  void sizeOutOfRange_isRefused() {
    assertThatThrownBy(() -> new ExponentialHistogram(2)).isInstanceOf(IllegalArgumentException.class);
  }
}
