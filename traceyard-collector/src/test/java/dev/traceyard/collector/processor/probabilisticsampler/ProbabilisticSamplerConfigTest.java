package dev.traceyard.collector.processor.probabilisticsampler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.traceyard.collector.processor.internal.matching.ProcessorFixtures;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProbabilisticSamplerConfigTest {
  private static final String P = "processors.probabilistic_sampler.";

  private static ProcessorFixtures.Parsed<ProbabilisticSamplerConfig> parse(String yaml) {
    return ProcessorFixtures.parse(new ProbabilisticSamplerProcessorFactory(), "probabilistic_sampler", yaml);
  }

  @Test
  void fullConfig_isRead() {
    ProcessorFixtures.Parsed<ProbabilisticSamplerConfig> p = parse(String.join("\n",
        "sampling_percentage: 15.3",
        "hash_seed: 4294967295",
        "mode: hash_seed",
        "fail_closed: false",
        "sampling_precision: 6",
        "attribute_source: record",
        "from_attribute: log.id",
        "sampling_priority: priority",
        ""));
    assertThat(p.errors()).isEmpty();
    assertThat(p.config()).isEqualTo(new ProbabilisticSamplerConfig(15.3f, -1, false, 6, true, "log.id", "priority"));
  }

  @Test
  void defaults() {
    assertThat(parse("sampling_percentage: 10\n").config())
        .isEqualTo(new ProbabilisticSamplerConfig(10f, 0, true, 4, false, "", ""));
  }

  @Test
  void errors_nameTheirPath() {
    assertThat(parse("{}").errors()).containsExactly(
        P + "sampling_percentage: is required: the percentage of traces to keep, e.g. 10");
    List<String> errors = parse(String.join("\n",
        "sampling_percentage: -1",
        "hash_seed: 4294967296",
        "mode: proportional",
        "sampling_precision: 15",
        "attribute_source: record",
        "")).errors();
    assertThat(errors).containsExactly(
        P + "sampling_percentage: must be between 0 and 100 (more than 100 keeps everything), got -1.0",
        P + "hash_seed: must be between 0 and 4294967295, got 4294967296",
        P + "mode: 'proportional' is not supported: Traceyard implements the hash_seed mode only",
        P + "sampling_precision: must be between 1 and 14, got 15",
        P + "from_attribute: is required with attribute_source: record (the log record attribute to hash)");
    assertThat(parse("sampling_percentage: 1\nmode: random\nattribute_source: span\n").errors()).containsExactly(
        P + "mode: unknown value 'random' (expected hash_seed; proportional and equalizing are not supported)",
        P + "attribute_source: unknown value 'span' (expected one of: traceID, record)");
  }
}
