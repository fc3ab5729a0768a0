package dev.traceyard.collector.processor.tailsampling;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.traceyard.collector.Components;
import dev.traceyard.collector.component.ComponentKind;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.ConfigErrors;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.processor.tailsampling.policy.PolicyConfig;
import io.opentelemetry.proto.trace.v1.Status;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TailSamplingConfigTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final String ERRORS_POLICY = "policies: [{name: errors, type: status_code, status_code: {status_codes: [ERROR]}}]\n";

  private final ConfigErrors errors = new ConfigErrors();

  private TailSamplingConfig parse(String yaml) throws Exception {
    ConfigNode node = ConfigNode.ofMap((ObjectNode) YAML.readTree(yaml), "processors.tail_sampling", errors);
    TailSamplingConfig c = new TailSamplingProcessorFactory().parseConfig(node);
    node.reportUnknownKeys();
    return c;
  }

  @Test
  void factory_isRegisteredForTraces() {
    assertThat(Components.builtIn().factory(ComponentKind.PROCESSOR, "tail_sampling"))
        .isInstanceOf(TailSamplingProcessorFactory.class);
    assertThat(new TailSamplingProcessorFactory().signals()).containsExactly(Signal.TRACES);
  }

  @Test
  void defaults_followOtelcol_plusByteBudget() throws Exception {
    TailSamplingConfig c = parse(ERRORS_POLICY);
    assertThat(errors.list()).isEmpty();
    assertThat(c.decisionWait()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.decisionWaitAfterRootReceived()).isZero();
    assertThat(c.numTraces()).isEqualTo(50_000);
    assertThat(c.expectedNewTracesPerSec()).isZero();
    assertThat(c.maxBufferedBytes()).isEqualTo(256L << 20);
    assertThat(c.sampledCacheSize()).isEqualTo(50_000);
    assertThat(c.nonSampledCacheSize()).isEqualTo(50_000);
    assertThat(c.samplingPolicyAttribute()).isEqualTo("sampling.policy");
    assertThat(c.sampleOnFirstMatch()).isFalse();
    assertThat(c.dropPendingTracesOnShutdown()).isFalse();
    assertThat(c.blockOnOverflow()).isFalse();
    assertThat(c.policies()).containsExactly(new PolicyConfig.StatusCode("errors", Set.of(Status.StatusCode.STATUS_CODE_ERROR)));
    assertThat(c.tickInterval()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void allKeys_areRead() throws Exception {
    TailSamplingConfig c = parse("decision_wait: 10s\ndecision_wait_after_root_received: 2s\nnum_traces: 100\n"
        + "expected_new_traces_per_sec: 10\nmax_buffered_bytes: 64MiB\n"
        + "decision_cache: {sampled_cache_size: 1000, non_sampled_cache_size: 0}\n"
        + "sampling_policy_attribute: ''\nsample_on_first_match: true\ndrop_pending_traces_on_shutdown: true\n"
        + "block_on_overflow: true\n" + ERRORS_POLICY);
    assertThat(errors.list()).isEmpty();
    assertThat(c).isEqualTo(new TailSamplingConfig(Duration.ofSeconds(10), Duration.ofSeconds(2), 100, 10, 64L << 20, 1000,
        0, "", true, true, true, c.policies()));
    assertThat(c.tickInterval()).isEqualTo(Duration.ofMillis(200));
  }

  @Test
  void otelcolReadmeExample_parses() throws Exception {
    TailSamplingConfig c = parse("decision_wait: 10s\nnum_traces: 100\nexpected_new_traces_per_sec: 10\n"
        + "decision_cache: {sampled_cache_size: 100000, non_sampled_cache_size: 100000}\n"
        + "policies:\n"
        + "  - {name: test-policy-1, type: always_sample}\n"
        + "  - {name: test-policy-2, type: latency, latency: {threshold_ms: 5000, upper_threshold_ms: 10000}}\n"
        + "  - {name: test-policy-3, type: numeric_attribute, numeric_attribute: {key: key1, min_value: 50, max_value: 100}}\n"
        + "  - {name: test-policy-4, type: probabilistic, probabilistic: {sampling_percentage: 10}}\n"
        + "  - {name: test-policy-5, type: status_code, status_code: {status_codes: [ERROR, UNSET]}}\n"
        + "  - {name: test-policy-6, type: string_attribute, string_attribute: {key: key2, values: [value1, value2]}}\n"
        + "  - {name: test-policy-7, type: string_attribute, string_attribute: {key: key2, values: [value1, val*], "
        + "enabled_regex_matching: true, cache_max_size: 10}}\n"
        + "  - {name: test-policy-8, type: rate_limiting, rate_limiting: {spans_per_second: 35}}\n"
        + "  - {name: test-policy-9, type: bytes_limiting, bytes_limiting: {bytes_per_second: 1024000, burst_capacity: 2048000}}\n"
        + "  - {name: test-policy-10, type: span_count, span_count: {min_spans: 2, max_spans: 20}}\n"
        + "  - {name: test-policy-11, type: trace_state, trace_state: {key: key3, values: [value1, value2]}}\n"
        + "  - {name: test-policy-12, type: boolean_attribute, boolean_attribute: {key: key4, value: true}}\n"
        + "  - {name: and-policy-1, type: and, and: {and_sub_policy: [{name: a1, type: numeric_attribute, "
        + "numeric_attribute: {key: key1, min_value: 50, max_value: 100}}, {name: a2, type: string_attribute, "
        + "string_attribute: {key: key2, values: [value1, value2]}}]}}\n"
        + "  - {name: drop-policy-1, type: drop, drop: {drop_sub_policy: [{name: d1, type: string_attribute, "
        + "string_attribute: {key: url.path, values: [/health, /metrics], enabled_regex_matching: true}}]}}\n"
        + "  - {name: not-policy-1, type: not, not: {not_sub_policy: {name: n1, type: trace_flags}}}\n"
        + "  - {name: composite-policy-1, type: composite, composite: {max_total_spans_per_second: 1000, "
        + "policy_order: [c1, c2, c3], composite_sub_policy: [{name: c1, type: numeric_attribute, numeric_attribute: "
        + "{key: key1, min_value: 50}}, {name: c2, type: string_attribute, string_attribute: {key: key2, values: [value1, "
        + "value2]}}, {name: c3, type: always_sample}], rate_allocation: [{policy: c1, percent: 50}, {policy: c2, percent: 25}]}}\n");
    assertThat(errors.list()).isEmpty();
    assertThat(c.policies()).hasSize(16);
  }

  @Test
  void misspelledType_namesThePathAndTheChoices() throws Exception {
    parse("policies:\n  - {name: a, type: always_sample}\n  - {name: b, type: always_sample}\n"
        + "  - {name: slow, type: latncy, latency: {threshold_ms: 5}}\n");
    assertThat(errors.list()).containsExactly("processors.tail_sampling.policies[2].type: unknown value 'latncy' "
        + "(expected one of: always_sample, latency, status_code, probabilistic, rate_limiting, bytes_limiting, "
        + "string_attribute, numeric_attribute, boolean_attribute, span_count, trace_state, trace_flags, and, not, "
        + "drop, composite)");
  }

  @Test
  void missingPolicies_isAnError() throws Exception {
    parse("decision_wait: 5s\n");
    assertThat(errors.list()).singleElement().asString()
        .startsWith("processors.tail_sampling.policies: is required: list at least one policy");
  }

  @Test
  void topLevelErrors_areReportedTogether() throws Exception {
    parse("decision_wait: 0s\nnum_traces: 0\nmax_buffered_bytes: lots\ndecision_cache: {sampled_cache_size: -1, "
        + "size: 3}\nsampling_policy_atribute: x\n" + ERRORS_POLICY);
    assertThat(errors.list()).containsExactly(
        "processors.tail_sampling.decision_wait: must be greater than 0",
        "processors.tail_sampling.num_traces: must be between 1 and 2147483647, got 0",
        "processors.tail_sampling.max_buffered_bytes: expected a byte count such as 268435456 or 256MiB, got 'lots'",
        "processors.tail_sampling.decision_cache.sampled_cache_size: must be between 0 and 2147483647, got -1",
        "processors.tail_sampling.sampling_policy_atribute: unknown key 'sampling_policy_atribute' (known keys: "
            + "block_on_overflow, decision_cache, decision_wait, decision_wait_after_root_received, "
            + "drop_pending_traces_on_shutdown, expected_new_traces_per_sec, max_buffered_bytes, num_traces, policies, "
            + "sample_on_first_match, sampling_policy_attribute)",
        "processors.tail_sampling.decision_cache.size: unknown key 'size' (known keys: non_sampled_cache_size, "
            + "sampled_cache_size)");
  }

  @Test
  void byteSizes_acceptUnits() throws Exception {
    assertThat(parse("max_buffered_bytes: 1GiB\n" + ERRORS_POLICY).maxBufferedBytes()).isEqualTo(1L << 30);
    assertThat(parse("max_buffered_bytes: 500 kb\n" + ERRORS_POLICY).maxBufferedBytes()).isEqualTo(500_000);
    assertThat(parse("max_buffered_bytes: 4096\n" + ERRORS_POLICY).maxBufferedBytes()).isEqualTo(4096);
    assertThat(errors.list()).isEmpty();
    parse("max_buffered_bytes: 10\n" + ERRORS_POLICY);
    assertThat(errors.list()).containsExactly("processors.tail_sampling.max_buffered_bytes: must be at least 1024 bytes, got 10");
  }

  @Test
  void policyErrors_nameTheirPaths() throws Exception {
    parse("policies:\n"
        + "  - {type: always_sample}\n"
        + "  - {name: a, type: always_sample}\n"
        + "  - {name: a, type: always_sample}\n"
        + "  - {name: s, type: status_code, status_code: {status_codes: [ERROR, FAILED]}}\n"
        + "  - {name: p, type: probabilistic, probabilistic: {sampling_percentage: 150}}\n"
        + "  - {name: r, type: rate_limiting, rate_limiting: {}}\n"
        + "  - {name: l, type: latency, latency: {threshold_ms: 500, upper_threshold_ms: 100}}\n"
        + "  - {name: x, type: string_attribute, string_attribute: {key: k, values: ['(unclosed'], enabled_regex_matching: true}}\n"
        + "  - {name: n, type: numeric_attribute, numeric_attribute: {key: k}}\n"
        + "  - {name: b, type: boolean_attribute, string_attribute: {key: k, value: true}}\n"
        + "  - {name: o, type: ottl_condition}\n"
        + "  - {name: t, type: trace_state, trace_state: {key: k, valuez: [v]}}\n");
    assertThat(errors.list()).containsExactly(
        "processors.tail_sampling.policies[0].name: is required",
        "processors.tail_sampling.policies[2].name: duplicate policy name 'a' (also used by processors.tail_sampling.policies[1])",
        "processors.tail_sampling.policies[3].status_code.status_codes[1]: unknown value 'FAILED' (expected one of: OK, ERROR, UNSET)",
        "processors.tail_sampling.policies[4].probabilistic.sampling_percentage: must be between 0 and 100, got 150.0",
        "processors.tail_sampling.policies[5].rate_limiting.spans_per_second: is required (a number greater than 0)",
        "processors.tail_sampling.policies[6].latency.upper_threshold_ms: must be greater than threshold_ms (500), got 100 "
            + "(0 means no upper bound)",
        "processors.tail_sampling.policies[7].string_attribute.values[0]: invalid regular expression '(unclosed': "
            + "Unclosed group",
        "processors.tail_sampling.policies[8].numeric_attribute: set min_value and/or max_value",
        "processors.tail_sampling.policies[9].string_attribute: is the setting of a 'string_attribute' policy, but this "
            + "policy's type is 'boolean_attribute'",
        "processors.tail_sampling.policies[9].boolean_attribute.key: is required",
        "processors.tail_sampling.policies[9].boolean_attribute.value: is required (true or false)",
        "processors.tail_sampling.policies[10].type: 'ottl_condition' is not supported: OTTL conditions are not supported "
            + "by this build; use the attribute, status_code or latency policies",
        "processors.tail_sampling.policies[11].trace_state.values: is required: list at least one value",
        "processors.tail_sampling.policies[11].trace_state.valuez: unknown key 'valuez' (known keys: key, values)");
  }

  @Test
  void nestedPolicyErrors_nameTheirPaths() throws Exception {
    parse("policies:\n"
        + "  - {name: a, type: and, and: {and_sub_policy: [{type: always_sample}, {type: latncy}]}}\n"
        + "  - {name: d, type: and, and: {and_sub_policy: [{name: inner, type: drop, drop: {drop_sub_policy: []}}]}}\n"
        + "  - {name: n, type: not, not: {}}\n"
        + "  - {name: c, type: composite, composite: {max_total_spans_per_second: 100, policy_order: [x, y, x], "
        + "composite_sub_policy: [{name: x, type: always_sample}, {type: always_sample}], rate_allocation: "
        + "[{policy: zz, percent: 50}, {policy: x, percent: 120}]}}\n"
        + "  - {name: e, type: composite, composite: {max_total_spans_per_second: 10, policy_order: [q], composite_sub_policy: "
        + "[{name: x, type: always_sample}, {name: y, type: always_sample}], rate_allocation: [{policy: x, percent: 60}, "
        + "{policy: y, percent: 60}]}}\n");
    assertThat(errors.list()).containsExactly(
        "processors.tail_sampling.policies[0].and.and_sub_policy[1].type: unknown value 'latncy' (expected one of: "
            + "always_sample, latency, status_code, probabilistic, rate_limiting, bytes_limiting, string_attribute, "
            + "numeric_attribute, boolean_attribute, span_count, trace_state, trace_flags, and, not, drop, composite)",
        "processors.tail_sampling.policies[1].and.and_sub_policy[0].type: a 'drop' policy is only allowed in the "
            + "top-level policies list",
        "processors.tail_sampling.policies[2].not.not_sub_policy: is required: the one policy whose decision is inverted",
        "processors.tail_sampling.policies[3].composite.composite_sub_policy[1].name: is required",
        "processors.tail_sampling.policies[3].composite.policy_order[2]: 'x' is listed twice",
        "processors.tail_sampling.policies[3].composite.rate_allocation[1].percent: must be between 0 and 100, got 120",
        "processors.tail_sampling.policies[4].composite.policy_order[0]: 'q' is not the name of a composite_sub_policy "
            + "(known: x, y)",
        "processors.tail_sampling.policies[4].composite.rate_allocation: the percentages add up to 120, more than 100");
  }
}
