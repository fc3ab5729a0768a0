package dev.traceyard.collector.processor.tracequality;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

class HyperLogLogTest {

  @Test
  void estimatesOneMillionDistinctValuesWithinFivePercentInFixedMemory() {
    HyperLogLog hll = new HyperLogLog(14);
    int before = hll.sizeBytes();
    for (int i = 0; i < 1_000_000; i++) {
      hll.add(Hashing.ofBytes(ByteString.copyFromUtf8("user-" + i)));
      if (i == 1_000) {
        assertThat(hll.sizeBytes()).isEqualTo(before);
      }
    }
    assertThat(hll.sizeBytes()).isEqualTo(before).isEqualTo(16_384);
    assertThat(hll.estimate()).isBetween(950_000L, 1_050_000L);
  }

  @Test
  void repeatedValuesDoNotRaiseTheEstimate() {
    HyperLogLog hll = new HyperLogLog(14);
    for (int round = 0; round < 50; round++) {
      for (int i = 0; i < 200; i++) {
        hll.add(Hashing.ofLong(i));
      }
    }
    assertThat(hll.estimate()).isBetween(195L, 205L);
  }

  @Test
  void smallCardinalitiesAreNearlyExact() {
    HyperLogLog hll = new HyperLogLog(14);
    for (int i = 0; i < 5_000; i++) {
      hll.add(Hashing.ofBytes(ByteString.copyFromUtf8("550e8400-e29b-41d4-a716-" + String.format("%012d", i))));
    }
    assertThat(hll.estimate()).isBetween(4_900L, 5_100L);
  }

  @Test
  void refusesPrecisionOutsideItsRange() {
    assertThatThrownBy(() -> new HyperLogLog(3)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("precision");
    assertThatThrownBy(() -> new HyperLogLog(19)).isInstanceOf(IllegalArgumentException.class);
  }
}
