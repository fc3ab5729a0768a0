package dev.traceyard.store.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class PercentilesTest {
  private static final double[] BOUNDS = {10, 20, 50};

  @Test
  void interpolatesInsideTheBucket() {
    long[] counts = {10, 10, 0, 0};
    assertThat(Percentiles.quantile(0.5, BOUNDS, counts)).isCloseTo(10, within(1e-9));
    assertThat(Percentiles.quantile(0.75, BOUNDS, counts)).isCloseTo(15, within(1e-9));
    assertThat(Percentiles.quantile(0.25, BOUNDS, counts)).isCloseTo(5, within(1e-9));
  }

  @Test
  void infBucket_answersTheHighestBound() {
    assertThat(Percentiles.quantile(0.99, BOUNDS, new long[] {1, 0, 0, 99})).isEqualTo(50);
  }

  @Test
  void noData_isNull() {
    assertThat(Percentiles.quantile(0.5, BOUNDS, new long[4])).isNull();
  }
}
