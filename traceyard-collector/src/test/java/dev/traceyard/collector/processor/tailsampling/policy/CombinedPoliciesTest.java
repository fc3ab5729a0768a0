package dev.traceyard.collector.processor.tailsampling.policy;

import static dev.traceyard.collector.processor.tailsampling.policy.TestSpans.attr;
import static dev.traceyard.collector.processor.tailsampling.policy.TestSpans.span;
import static dev.traceyard.collector.processor.tailsampling.policy.TestSpans.trace;
import static dev.traceyard.collector.processor.tailsampling.policy.TestSpans.traceId;
import static dev.traceyard.collector.processor.tailsampling.policy.TestSpans.withStatus;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** and, not, drop, and how the processor combines its top-level policies (otelcol's precedence). */
class CombinedPoliciesTest {
  private static final ByteString ID = traceId(7, 8);
  private final PolicyFixtures f = new PolicyFixtures();

  private static final TraceData ERROR_PROBE = trace(withStatus(span(ID, 1), Status.StatusCode.STATUS_CODE_ERROR)
      .addAttributes(attr("http.target", "/ready")));
  private static final TraceData OK_PROBE = trace(span(ID, 1).addAttributes(attr("http.target", "/ready")));
  private static final TraceData OK_CALL = trace(span(ID, 1).addAttributes(attr("http.target", "/buy")));

  @Test
  void and_samplesOnlyWhenEverySubPolicyMatches() {
    Policy p = f.policy("{name: a, type: and, and: {and_sub_policy: ["
        + "{name: probe, type: string_attribute, string_attribute: {key: http.target, values: [/ready]}},"
        + "{name: err, type: status_code, status_code: {status_codes: [ERROR]}}]}}");
    assertThat(p.evaluate(ERROR_PROBE)).isEqualTo(Decision.SAMPLED);
    assertThat(p.evaluate(OK_PROBE)).isEqualTo(Decision.NOT_SAMPLED);
  }

  @Test
  void and_treatsInvertedAnswersAsPlainOnes() {
    Policy p = f.policy("{name: a, type: and, and: {and_sub_policy: ["
        + "{name: notprobe, type: string_attribute, string_attribute: {key: http.target, values: [/ready], invert_match: true}},"
        + "{name: all, type: always_sample}]}}");
    assertThat(p.evaluate(OK_CALL)).isEqualTo(Decision.SAMPLED);
    assertThat(p.evaluate(OK_PROBE)).isEqualTo(Decision.NOT_SAMPLED);
  }

  @Test
  void not_invertsSampledAndNotSampled() {
    Policy p = f.policy("{name: n, type: not, not: {not_sub_policy: "
        + "{name: probe, type: string_attribute, string_attribute: {key: http.target, values: [/ready]}}}}");
    assertThat(p.evaluate(OK_PROBE)).isEqualTo(Decision.NOT_SAMPLED);
    assertThat(p.evaluate(OK_CALL)).isEqualTo(Decision.SAMPLED);
  }

  @Test
  void drop_dropsWhenEverySubPolicyMatches_evenWithNotInside() {
    // "drop successful probes": probe AND NOT error.
    Policy p = f.policy("{name: d, type: drop, drop: {drop_sub_policy: ["
        + "{name: probe, type: string_attribute, string_attribute: {key: http.target, values: [/ready]}},"
        + "{name: no-error, type: not, not: {not_sub_policy: {name: err, type: status_code, status_code: {status_codes: [ERROR]}}}}"
        + "]}}");
    assertThat(p.evaluate(OK_PROBE)).isEqualTo(Decision.DROPPED);
    assertThat(p.evaluate(ERROR_PROBE)).isEqualTo(Decision.NOT_SAMPLED);
    assertThat(p.evaluate(OK_CALL)).isEqualTo(Decision.NOT_SAMPLED);
  }

  // ---- precedence across top-level policies ----

  private static Policy fixed(Decision d) {
    return t -> d;
  }

  private static PolicySet.Verdict verdict(Decision... decisions) {
    List<String> names = new ArrayList<>();
    List<Policy> policies = new ArrayList<>();
    for (int i = 0; i < decisions.length; i++) {
      names.add("p" + i);
      policies.add(fixed(decisions[i]));
    }
    return PolicySet.of(names, policies, false).evaluate(OK_CALL, (i, d) -> { });
  }

  @Test
  void precedence_dropBeatsSample() {
    assertThat(verdict(Decision.SAMPLED, Decision.DROPPED).sampled()).isFalse();
    assertThat(verdict(Decision.DROPPED, Decision.SAMPLED).sampled()).isFalse();
  }

  @Test
  void precedence_invertedNotSampledBeatsSample() {
    assertThat(verdict(Decision.SAMPLED, Decision.INVERTED_NOT_SAMPLED).sampled()).isFalse();
  }

  @Test
  void precedence_anySampleSamples_namingTheFirstSamplingPolicy() {
    assertThat(verdict(Decision.NOT_SAMPLED, Decision.SAMPLED, Decision.SAMPLED)).isEqualTo(new PolicySet.Verdict(true, "p1"));
    assertThat(verdict(Decision.INVERTED_SAMPLED, Decision.NOT_SAMPLED, Decision.SAMPLED))
        .isEqualTo(new PolicySet.Verdict(true, "p2"));
  }

  @Test
  void precedence_invertedSampleSamplesOnlyWithoutNotSampled() {
    assertThat(verdict(Decision.INVERTED_SAMPLED).sampled()).isTrue();
    assertThat(verdict(Decision.INVERTED_SAMPLED, Decision.NOT_SAMPLED).sampled()).isFalse();
  }

  @Test
  void precedence_nothingSampledMeansNotSampled_andErrorsAreNoOpinion() {
    assertThat(verdict(Decision.NOT_SAMPLED, Decision.ERROR).sampled()).isFalse();
    assertThat(verdict(Decision.ERROR, Decision.SAMPLED).sampled()).isTrue();
  }

  @Test
  void policySet_stopsAtDrop_andRecordsEveryAnswerUntilThen() {
    List<String> seen = new ArrayList<>();
    PolicySet set = PolicySet.of(List.of("a", "b", "c"), List.of(fixed(Decision.SAMPLED), fixed(Decision.DROPPED),
        t -> { throw new AssertionError("not evaluated after a drop"); }), false);
    assertThat(set.evaluate(OK_CALL, (i, d) -> seen.add(set.names().get(i) + "=" + d.label())).sampled()).isFalse();
    assertThat(seen).containsExactly("a=sampled", "b=dropped");
  }

  @Test
  void policySet_throwingPolicyCountsAsError() {
    List<String> seen = new ArrayList<>();
    PolicySet set = PolicySet.of(List.of("boom", "ok"), List.of(t -> { throw new IllegalStateException(); },
        fixed(Decision.SAMPLED)), false);
    assertThat(set.evaluate(OK_CALL, (i, d) -> seen.add(d.label()))).isEqualTo(new PolicySet.Verdict(true, "ok"));
    assertThat(seen).containsExactly("error", "sampled");
  }

  @Test
  void policySet_sampleOnFirstMatch_stopsAtTheFirstSample() {
    List<String> seen = new ArrayList<>();
    PolicySet set = PolicySet.of(List.of("a", "b"), List.of(fixed(Decision.SAMPLED), fixed(Decision.DROPPED)), true);
    assertThat(set.evaluate(OK_CALL, (i, d) -> seen.add(d.label())).sampled()).isTrue();
    assertThat(seen).containsExactly("sampled");
  }

  @Test
  void configuredSet_errorsAndSlowTracesKept_probesDropped() {
    PolicySet set = PolicySet.create(PolicyFixtures.configs("policies:\n"
        + "  - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}\n"
        + "  - {name: slow, type: latency, latency: {threshold_ms: 1000}}\n"
        + "  - {name: drop-probes, type: drop, drop: {drop_sub_policy: [{name: p, type: string_attribute, "
        + "string_attribute: {key: http.target, values: [/ready]}}]}}\n"), f.clock::get, false);
    assertThat(set.evaluate(OK_CALL, (i, d) -> { }).sampled()).isFalse();
    assertThat(set.evaluate(trace(span(ID, 1, 0, 0, 1500)), (i, d) -> { })).isEqualTo(new PolicySet.Verdict(true, "slow"));
    assertThat(set.evaluate(ERROR_PROBE, (i, d) -> { }).sampled()).as("drop beats the error policy").isFalse();
    assertThat(set.evaluate(trace(withStatus(span(ID, 1), Status.StatusCode.STATUS_CODE_ERROR)), (i, d) -> { }))
        .isEqualTo(new PolicySet.Verdict(true, "errors"));
  }
}
