package dev.traceyard.collector.processor.tailsampling.policy;

import static dev.traceyard.collector.processor.tailsampling.policy.TestSpans.attr;
import static dev.traceyard.collector.processor.tailsampling.policy.TestSpans.span;
import static dev.traceyard.collector.processor.tailsampling.policy.TestSpans.trace;
import static dev.traceyard.collector.processor.tailsampling.policy.TestSpans.traceId;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.trace.v1.Span;
import org.junit.jupiter.api.Test;

/** rate_limiting, bytes_limiting and composite, on a manual clock. */
class RatePoliciesTest {
  private static final ByteString ID = traceId(5, 6);
  private final PolicyFixtures f = new PolicyFixtures();

  private static TraceData spans(int n, String tier) {
    Span.Builder[] spans = new Span.Builder[n];
    for (int i = 0; i < n; i++) {
      spans[i] = span(ID, i + 1).addAttributes(attr("tier", tier));
    }
    return trace(spans);
  }

  @Test
  void rateLimiting_admitsSpansUpToTheLimitPerSecond() {
    Policy p = f.policy("{name: r, type: rate_limiting, rate_limiting: {spans_per_second: 10}}");
    assertThat(p.evaluate(spans(6, "a"))).isEqualTo(Decision.SAMPLED);
    assertThat(p.evaluate(spans(4, "a"))).isEqualTo(Decision.SAMPLED);
    assertThat(p.evaluate(spans(1, "a"))).isEqualTo(Decision.NOT_SAMPLED);
    f.advanceSeconds(1);
    assertThat(p.evaluate(spans(10, "a"))).isEqualTo(Decision.SAMPLED);
    assertThat(p.evaluate(spans(11, "a"))).isEqualTo(Decision.NOT_SAMPLED);
  }

  @Test
  void bytesLimiting_isATokenBucketOfEncodedBytes() {
    TraceData t = spans(1, "a");
    long size = t.encodedSize();
    Policy p = f.policy("{name: b, type: bytes_limiting, bytes_limiting: {bytes_per_second: " + size
        + ", burst_capacity: " + (2 * size) + "}}");
    assertThat(p.evaluate(t)).isEqualTo(Decision.SAMPLED);
    assertThat(p.evaluate(t)).isEqualTo(Decision.SAMPLED);
    assertThat(p.evaluate(t)).as("burst spent").isEqualTo(Decision.NOT_SAMPLED);
    f.advanceSeconds(1);
    assertThat(p.evaluate(t)).as("refilled one second's worth").isEqualTo(Decision.SAMPLED);
    assertThat(p.evaluate(t)).isEqualTo(Decision.NOT_SAMPLED);
  }

  private static final String COMPOSITE = "{name: c, type: composite, composite: {max_total_spans_per_second: 100, "
      + "policy_order: [gold, silver, rest], composite_sub_policy: ["
      + "{name: rest, type: always_sample},"
      + "{name: silver, type: string_attribute, string_attribute: {key: tier, values: [silver]}},"
      + "{name: gold, type: string_attribute, string_attribute: {key: tier, values: [gold]}}],"
      + "rate_allocation: [{policy: gold, percent: 50}, {policy: silver, percent: 25}]}}";

  @Test
  void composite_evaluatesInPolicyOrder_withinEachAllocation() {
    Policy p = f.policy(COMPOSITE);
    // gold may use 50 spans/s.
    assertThat(p.evaluate(spans(30, "gold"))).isEqualTo(Decision.SAMPLED);
    assertThat(p.evaluate(spans(20, "gold"))).isEqualTo(Decision.SAMPLED);
    assertThat(p.evaluate(spans(1, "gold"))).as("gold allocation spent; the first match decides, rest is not asked")
        .isEqualTo(Decision.NOT_SAMPLED);
    // silver may use 25.
    assertThat(p.evaluate(spans(25, "silver"))).isEqualTo(Decision.SAMPLED);
    assertThat(p.evaluate(spans(1, "silver"))).isEqualTo(Decision.NOT_SAMPLED);
    // rest (no allocation) gets the remaining 25% and the total caps at 100.
    assertThat(p.evaluate(spans(25, "bronze"))).isEqualTo(Decision.SAMPLED);
    assertThat(p.evaluate(spans(1, "bronze"))).isEqualTo(Decision.NOT_SAMPLED);
    f.advanceSeconds(1);
    assertThat(p.evaluate(spans(50, "gold"))).as("counters reset each second").isEqualTo(Decision.SAMPLED);
  }

  @Test
  void composite_totalCapsAllSubPolicies() {
    Policy p = f.policy("{name: c, type: composite, composite: {max_total_spans_per_second: 10, composite_sub_policy: ["
        + "{name: a, type: string_attribute, string_attribute: {key: tier, values: [a]}},"
        + "{name: b, type: always_sample}], rate_allocation: [{policy: a, percent: 100}, {policy: b, percent: 0}]}}");
    assertThat(p.evaluate(spans(8, "a"))).isEqualTo(Decision.SAMPLED);
    // b's equal share is 5, but only 2 are left of the total.
    assertThat(p.evaluate(spans(3, "b"))).isEqualTo(Decision.NOT_SAMPLED);
    assertThat(p.evaluate(spans(2, "b"))).isEqualTo(Decision.SAMPLED);
  }

  @Test
  void composite_withoutMatchingSubPolicy_isNotSampled() {
    Policy p = f.policy("{name: c, type: composite, composite: {max_total_spans_per_second: 10, composite_sub_policy: ["
        + "{name: a, type: string_attribute, string_attribute: {key: tier, values: [a]}}]}}");
    assertThat(p.evaluate(spans(1, "z"))).isEqualTo(Decision.NOT_SAMPLED);
    assertThat(p.evaluate(spans(1, "a"))).isEqualTo(Decision.SAMPLED);
  }

  @Test
  void composite_mayNestAnd() {
    Policy p = f.policy("{name: c, type: composite, composite: {max_total_spans_per_second: 10, composite_sub_policy: ["
        + "{name: both, type: and, and: {and_sub_policy: ["
        + "  {name: t, type: string_attribute, string_attribute: {key: tier, values: [a]}},"
        + "  {name: n, type: span_count, span_count: {min_spans: 2}}]}}]}}");
    assertThat(p.evaluate(spans(1, "a"))).isEqualTo(Decision.NOT_SAMPLED);
    assertThat(p.evaluate(spans(2, "a"))).isEqualTo(Decision.SAMPLED);
  }
}
