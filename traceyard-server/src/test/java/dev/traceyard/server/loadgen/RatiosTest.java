package dev.traceyard.server.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RatiosTest {
  @ParameterizedTest(name = "{0} of {1} with phase {2}")
  @CsvSource({
      "0.1,50,0,5",
      "0.1,1000,0,100",
      "0.05,200,0.5,10",
      "0.333,3000,0,999",
      "0,100,0,0",
      "1,100,0.5,100",
      "0.5,7,0,3",
  })
  void selectsExactShare(double ratio, long items, double phase, long expected) {
    long selected = LongStream.range(0, items).filter(i -> Ratios.selected(i, ratio, phase)).count();

    assertThat(selected).isEqualTo(expected);
  }
}
