package dev.traceyard.collector.processor.memorylimiter;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.traceyard.collector.config.ConfigErrors;
import dev.traceyard.collector.config.ConfigNode;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MemoryLimiterConfigTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final String P = "processors.memory_limiter.";

  private final ConfigErrors errors = new ConfigErrors();

  @Test
  void limitMib_withDefaults() throws Exception {
    MemoryLimiterConfig c = parse("check_interval: 1s\nlimit_mib: 4000\n");
    assertThat(errors.list()).isEmpty();
    assertThat(c).isEqualTo(new MemoryLimiterConfig(Duration.ofSeconds(1), 4000, 0, 0, 0,
        Duration.ofSeconds(10), Duration.ZERO));
  }

  @Test
  void allKeys_areRead() throws Exception {
    MemoryLimiterConfig c = parse("check_interval: 5s\nlimit_percentage: 75\nspike_limit_percentage: 15\n"
        + "min_gc_interval_when_soft_limited: 20s\nmin_gc_interval_when_hard_limited: 2s\n");
    assertThat(errors.list()).isEmpty();
    assertThat(c).isEqualTo(new MemoryLimiterConfig(Duration.ofSeconds(5), 0, 0, 75, 15,
        Duration.ofSeconds(20), Duration.ofSeconds(2)));
  }

  @Test
  void missingCheckIntervalAndLimit_areErrors() throws Exception {
    parse("{}");
    assertThat(errors.list()).containsExactly(
        P + "check_interval: is required and must be greater than zero, e.g. 1s",
        P + "limit_mib: one of limit_mib or limit_percentage must be set to a value greater than zero");
  }

  @Test
  void zeroCheckInterval_isAnError() throws Exception {
    parse("check_interval: 0s\nlimit_mib: 100\n");
    assertThat(errors.list()).containsExactly(P + "check_interval: must be greater than zero, e.g. 1s");
  }

  @Test
  void spikeNotBelowLimit_isAnError() throws Exception {
    parse("check_interval: 1s\nlimit_mib: 100\nspike_limit_mib: 100\n");
    assertThat(errors.list()).containsExactly(P + "spike_limit_mib: must be smaller than limit_mib (100), got 100");
  }

  @Test
  void spikePercentageNotBelowLimitPercentage_isAnError() throws Exception {
    parse("check_interval: 1s\nlimit_percentage: 50\nspike_limit_percentage: 60\n");
    assertThat(errors.list()).containsExactly(
        P + "spike_limit_percentage: must be smaller than limit_percentage (50), got 60");
  }

  @Test
  void percentageAboveHundred_isAnError() throws Exception {
    parse("check_interval: 1s\nlimit_percentage: 120\n");
    assertThat(errors.list()).containsExactly(
        P + "limit_percentage: must be between 0 and 100, got 120",
        P + "limit_mib: one of limit_mib or limit_percentage must be set to a value greater than zero");
  }

  @Test
  void softGcIntervalBelowHard_isAnError() throws Exception {
    parse("check_interval: 1s\nlimit_mib: 100\nmin_gc_interval_when_soft_limited: 1s\n"
        + "min_gc_interval_when_hard_limited: 5s\n");
    assertThat(errors.list()).containsExactly(P + "min_gc_interval_when_soft_limited: must not be smaller than "
        + "min_gc_interval_when_hard_limited, since a GC above the hard limit is the more urgent");
  }

  @Test
  void ballastSize_isUnknown() throws Exception {
    parse("check_interval: 1s\nlimit_mib: 100\nballast_size_mib: 50\n");
    assertThat(errors.list()).singleElement().asString()
        .startsWith(P + "ballast_size_mib: unknown key 'ballast_size_mib' (known keys: check_interval, limit_mib,");
  }

  private MemoryLimiterConfig parse(String yaml) throws Exception {
    ConfigNode node = ConfigNode.of(YAML.readTree(yaml), "processors.memory_limiter", errors);
    MemoryLimiterConfig c = new MemoryLimiterProcessorFactory().parseConfig(node);
    node.reportUnknownKeys();
    return c;
  }
}
