package dev.traceyard.collector.connector.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import org.junit.jupiter.api.Test;

class ExplicitBucketHistogramTest {

  @Test
  void bucketOf_followsOtlpUpperInclusiveBounds() {
    double[] bounds = {1, 5, 10};
    assertThat(ExplicitBucketHistogram.bucketOf(bounds, 0.5)).isEqualTo(0);
    assertThat(ExplicitBucketHistogram.bucketOf(bounds, 1)).isEqualTo(0);
    assertThat(ExplicitBucketHistogram.bucketOf(bounds, 1.01)).isEqualTo(1);
    assertThat(ExplicitBucketHistogram.bucketOf(bounds, 10)).isEqualTo(2);
    assertThat(ExplicitBucketHistogram.bucketOf(bounds, 11)).isEqualTo(3);
  }

  @Test
  void emptyHistogram_hasNoMinOrMax() {
    HistogramDataPoint.Builder dp = HistogramDataPoint.newBuilder();
    new ExplicitBucketHistogram(new double[] {1}).writeTo(dp);
    assertThat(dp.hasMin()).isFalse();
    assertThat(dp.getBucketCountsList()).containsExactly(0L, 0L);
  }

  @Test
  void copy_isIndependent() {
    ExplicitBucketHistogram h = new ExplicitBucketHistogram(new double[] {1});
    h.record(0.5);
    ExplicitBucketHistogram c = h.copy();
    h.record(3);
    HistogramDataPoint.Builder dp = HistogramDataPoint.newBuilder();
    c.writeTo(dp);
    assertThat(dp.getBucketCountsList()).containsExactly(1L, 0L);
    assertThat(dp.getCount()).isEqualTo(1);
  }
}
