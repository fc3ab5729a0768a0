package dev.traceyard.collector.processor.tailsampling.policy;

import static dev.traceyard.collector.processor.tailsampling.policy.TestSpans.span;
import static dev.traceyard.collector.processor.tailsampling.policy.TestSpans.trace;
import static dev.traceyard.collector.processor.tailsampling.policy.TestSpans.traceId;
import static dev.traceyard.collector.processor.tailsampling.policy.TestSpans.withStatus;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.trace.v1.Status;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** always_sample, latency, status_code, span_count, trace_flags, trace_state, probabilistic. */
class TracePoliciesTest {
  private static final ByteString ID = traceId(1, 2);
  private final PolicyFixtures f = new PolicyFixtures();

  @Test
  void alwaysSample_samplesEveryTrace() {
    assertThat(f.policy("{name: all, type: always_sample}").evaluate(trace(span(ID, 1)))).isEqualTo(Decision.SAMPLED);
  }

  @Test
  void latency_measuresFromEarliestStartToLatestEnd() {
    Policy p = f.policy("{name: slow, type: latency, latency: {threshold_ms: 500}}");
    // Each span is short, but together they cover 0..600ms.
    assertThat(p.evaluate(trace(span(ID, 1, 0, 0, 100), span(ID, 2, 1, 500, 100)))).isEqualTo(Decision.SAMPLED);
    assertThat(p.evaluate(trace(span(ID, 1, 0, 0, 499)))).isEqualTo(Decision.NOT_SAMPLED);
    assertThat(p.evaluate(trace(span(ID, 1, 0, 0, 500)))).as("threshold is inclusive without upper bound")
        .isEqualTo(Decision.SAMPLED);
  }

  @Test
  void latency_withUpperThreshold_samplesOnlyWithinTheRange() {
    Policy p = f.policy("{name: band, type: latency, latency: {threshold_ms: 100, upper_threshold_ms: 200}}");
    assertThat(p.evaluate(trace(span(ID, 1, 0, 0, 100)))).as("lower bound exclusive").isEqualTo(Decision.NOT_SAMPLED);
    assertThat(p.evaluate(trace(span(ID, 1, 0, 0, 150)))).isEqualTo(Decision.SAMPLED);
    assertThat(p.evaluate(trace(span(ID, 1, 0, 0, 200)))).as("upper bound inclusive").isEqualTo(Decision.SAMPLED);
    assertThat(p.evaluate(trace(span(ID, 1, 0, 0, 201)))).isEqualTo(Decision.NOT_SAMPLED);
  }

  @Test
  void statusCode_samplesWhenAnySpanHasOneOfTheCodes() {
    Policy p = f.policy("{name: errors, type: status_code, status_code: {status_codes: [ERROR]}}");
    assertThat(p.evaluate(trace(span(ID, 1), withStatus(span(ID, 2), Status.StatusCode.STATUS_CODE_ERROR))))
        .isEqualTo(Decision.SAMPLED);
    assertThat(p.evaluate(trace(span(ID, 1), withStatus(span(ID, 2), Status.StatusCode.STATUS_CODE_OK))))
        .isEqualTo(Decision.NOT_SAMPLED);
    Policy unset = f.policy("{name: u, type: status_code, status_code: {status_codes: [OK, UNSET]}}");
    assertThat(unset.evaluate(trace(span(ID, 1)))).isEqualTo(Decision.SAMPLED);
  }

  @Test
  void spanCount_isInclusiveAndMaxZeroMeansUnbounded() {
    Policy range = f.policy("{name: c, type: span_count, span_count: {min_spans: 2, max_spans: 3}}");
    assertThat(range.evaluate(trace(span(ID, 1)))).isEqualTo(Decision.NOT_SAMPLED);
    assertThat(range.evaluate(trace(span(ID, 1), span(ID, 2)))).isEqualTo(Decision.SAMPLED);
    assertThat(range.evaluate(trace(span(ID, 1), span(ID, 2), span(ID, 3)))).isEqualTo(Decision.SAMPLED);
    assertThat(range.evaluate(trace(span(ID, 1), span(ID, 2), span(ID, 3), span(ID, 4)))).isEqualTo(Decision.NOT_SAMPLED);
    Policy min = f.policy("{name: c, type: span_count, span_count: {min_spans: 2}}");
    assertThat(min.evaluate(trace(span(ID, 1), span(ID, 2), span(ID, 3), span(ID, 4)))).isEqualTo(Decision.SAMPLED);
  }

  @Test
  void traceFlags_samplesWhenASpanCarriesTheSampledFlag() {
    Policy p = f.policy("{name: flags, type: trace_flags}");
    assertThat(p.evaluate(trace(span(ID, 1).setFlags(0x101)))).isEqualTo(Decision.SAMPLED);
    assertThat(p.evaluate(trace(span(ID, 1).setFlags(0x100)))).isEqualTo(Decision.NOT_SAMPLED);
  }

  @Test
  void traceState_matchesTheValueOfTheKey() {
    Policy p = f.policy("{name: ts, type: trace_state, trace_state: {key: vendor, values: [gold, silver]}}");
    assertThat(p.evaluate(trace(span(ID, 1).setTraceState("other=gold, vendor=silver")))).isEqualTo(Decision.SAMPLED);
    assertThat(p.evaluate(trace(span(ID, 1).setTraceState("vendor=bronze,x=gold")))).isEqualTo(Decision.NOT_SAMPLED);
    assertThat(p.evaluate(trace(span(ID, 1)))).isEqualTo(Decision.NOT_SAMPLED);
    assertThat(TraceStatePolicy.valueOf("a=1,b=2", "b")).isEqualTo("2");
    assertThat(TraceStatePolicy.valueOf("ab=1", "a")).isNull();
  }

  @Test
  void probabilistic_hashIsFnv1a64() {
    long offset = 0xcbf29ce484222325L;
    // Reference vectors of FNV-1a 64.
    assertThat(ProbabilisticPolicy.fnv1a(offset, new byte[0])).isEqualTo(0xcbf29ce484222325L);
    assertThat(ProbabilisticPolicy.fnv1a(offset, "a".getBytes(StandardCharsets.UTF_8))).isEqualTo(0xaf63dc4c8601ec8cL);
    assertThat(ProbabilisticPolicy.fnv1a(offset, "foobar".getBytes(StandardCharsets.UTF_8))).isEqualTo(0x85944171f73967e8L);
    // Salt then the 16 id bytes, in one stream.
    byte[] stream = new byte["salt".length() + 16];
    System.arraycopy("salt".getBytes(StandardCharsets.UTF_8), 0, stream, 0, 4);
    System.arraycopy(traceId(0x0102030405060708L, 0x090a0b0c0d0e0f10L).toByteArray(), 0, stream, 4, 16);
    assertThat(ProbabilisticPolicy.hash("salt", 0x0102030405060708L, 0x090a0b0c0d0e0f10L))
        .isEqualTo(ProbabilisticPolicy.fnv1a(offset, stream));
  }

  @Test
  void probabilistic_thresholdCoversTheShareOfThe64BitRange() {
    assertThat(ProbabilisticPolicy.threshold(0)).isZero();
    assertThat(ProbabilisticPolicy.threshold(100)).isEqualTo(-1L); // 2^64-1 unsigned
    assertThat(Long.toUnsignedString(ProbabilisticPolicy.threshold(50))).isEqualTo("9223372036854775807");
  }

  @Test
  void probabilistic_keepsAboutTheConfiguredShare_andIsConsistentForTheSameSalt() {
    Policy a = f.policy("{name: p, type: probabilistic, probabilistic: {sampling_percentage: 10, hash_salt: s1}}");
    Policy sameSalt = new PolicyFixtures().policy("{name: q, type: probabilistic, probabilistic: {sampling_percentage: 10, "
        + "hash_salt: s1}}");
    Policy otherSalt = f.policy("{name: r, type: probabilistic, probabilistic: {sampling_percentage: 10, hash_salt: s2}}");
    Random random = new Random(42);
    int n = 20_000;
    int kept = 0;
    int disagreeWithOtherSalt = 0;
    for (int i = 0; i < n; i++) {
      TraceData t = trace(span(traceId(random.nextLong(), random.nextLong()), 1));
      Decision d = a.evaluate(t);
      assertThat(sameSalt.evaluate(t)).isEqualTo(d);
      if (d == Decision.SAMPLED) {
        kept++;
      }
      if (otherSalt.evaluate(t) != d) {
        disagreeWithOtherSalt++;
      }
    }
    // Expected 2000, standard deviation ~42: 5 sigma either side.
    assertThat(kept).isBetween(1790, 2210);
    assertThat(disagreeWithOtherSalt).as("another salt picks other traces").isGreaterThan(1000);
  }

  @Test
  void probabilistic_zeroAndHundredPercent() {
    Policy none = f.policy("{name: p, type: probabilistic, probabilistic: {sampling_percentage: 0}}");
    Policy all = f.policy("{name: p, type: probabilistic, probabilistic: {sampling_percentage: 100}}");
    Random random = new Random(7);
    for (int i = 0; i < 1000; i++) {
      TraceData t = trace(span(traceId(random.nextLong(), random.nextLong()), 1));
      assertThat(none.evaluate(t)).isEqualTo(Decision.NOT_SAMPLED);
      assertThat(all.evaluate(t)).isEqualTo(Decision.SAMPLED);
    }
  }
}
