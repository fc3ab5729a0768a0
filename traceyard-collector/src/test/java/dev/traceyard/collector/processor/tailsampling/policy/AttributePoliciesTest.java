package dev.traceyard.collector.processor.tailsampling.policy;

import static dev.traceyard.collector.processor.tailsampling.policy.TestSpans.attr;
import static dev.traceyard.collector.processor.tailsampling.policy.TestSpans.resource;
import static dev.traceyard.collector.processor.tailsampling.policy.TestSpans.span;
import static dev.traceyard.collector.processor.tailsampling.policy.TestSpans.trace;
import static dev.traceyard.collector.processor.tailsampling.policy.TestSpans.traceId;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

/** string_attribute, numeric_attribute, boolean_attribute, with and without invert_match. */
class AttributePoliciesTest {
  private static final ByteString ID = traceId(3, 4);
  private final PolicyFixtures f = new PolicyFixtures();

  @Test
  void stringAttribute_exactValues_onSpanOrResource() {
    Policy p = f.policy("{name: s, type: string_attribute, string_attribute: {key: tenant, values: [acme, globex]}}");
    assertThat(p.evaluate(trace(span(ID, 1), span(ID, 2).addAttributes(attr("tenant", "acme"))))).isEqualTo(Decision.SAMPLED);
    assertThat(p.evaluate(trace(resource("svc", attr("tenant", "globex")), span(ID, 1)))).isEqualTo(Decision.SAMPLED);
    assertThat(p.evaluate(trace(span(ID, 1).addAttributes(attr("tenant", "acme-2"))))).isEqualTo(Decision.NOT_SAMPLED);
    assertThat(p.evaluate(trace(span(ID, 1).addAttributes(attr("tenant", 7L))))).as("only string values")
        .isEqualTo(Decision.NOT_SAMPLED);
    assertThat(p.evaluate(trace(span(ID, 1).addAttributes(attr("other", "acme"))))).isEqualTo(Decision.NOT_SAMPLED);
  }

  @Test
  void stringAttribute_regex_matchesAnywhereLikeGo_andCachesResults() {
    Policy p = f.policy("{name: s, type: string_attribute, string_attribute: {key: http.route, values: ['/v1/name/.+', "
        + "'^/health$'], enabled_regex_matching: true, cache_max_size: 2}}");
    assertThat(p.evaluate(trace(span(ID, 1).addAttributes(attr("http.route", "/api/v1/name/42"))))).isEqualTo(Decision.SAMPLED);
    assertThat(p.evaluate(trace(span(ID, 1).addAttributes(attr("http.route", "/health"))))).isEqualTo(Decision.SAMPLED);
    assertThat(p.evaluate(trace(span(ID, 1).addAttributes(attr("http.route", "/healthz"))))).isEqualTo(Decision.NOT_SAMPLED);
    // Past the cache size, answers stay right.
    for (int i = 0; i < 5; i++) {
      assertThat(p.evaluate(trace(span(ID, 1).addAttributes(attr("http.route", "/v1/name/" + i))))).isEqualTo(Decision.SAMPLED);
      assertThat(p.evaluate(trace(span(ID, 1).addAttributes(attr("http.route", "/x" + i))))).isEqualTo(Decision.NOT_SAMPLED);
    }
  }

  @Test
  void stringAttribute_invertMatch_givesInvertedDecisions() {
    Policy p = f.policy("{name: s, type: string_attribute, string_attribute: {key: tenant, values: [internal], "
        + "invert_match: true}}");
    assertThat(p.evaluate(trace(span(ID, 1).addAttributes(attr("tenant", "internal"))))).isEqualTo(Decision.INVERTED_NOT_SAMPLED);
    assertThat(p.evaluate(trace(span(ID, 1).addAttributes(attr("tenant", "acme"))))).isEqualTo(Decision.INVERTED_SAMPLED);
    assertThat(p.evaluate(trace(span(ID, 1)))).as("absent key samples").isEqualTo(Decision.INVERTED_SAMPLED);
  }

  @Test
  void numericAttribute_inclusiveRange_withOpenBounds() {
    Policy range = f.policy("{name: n, type: numeric_attribute, numeric_attribute: {key: http.status_code, "
        + "min_value: 500, max_value: 599}}");
    assertThat(range.evaluate(trace(span(ID, 1).addAttributes(attr("http.status_code", 500L))))).isEqualTo(Decision.SAMPLED);
    assertThat(range.evaluate(trace(span(ID, 1).addAttributes(attr("http.status_code", 599L))))).isEqualTo(Decision.SAMPLED);
    assertThat(range.evaluate(trace(span(ID, 1).addAttributes(attr("http.status_code", 404L))))).isEqualTo(Decision.NOT_SAMPLED);
    assertThat(range.evaluate(trace(span(ID, 1).addAttributes(attr("http.status_code", "500"))))).as("strings are not numbers")
        .isEqualTo(Decision.NOT_SAMPLED);
    assertThat(range.evaluate(trace(span(ID, 1).addAttributes(attr("http.status_code", 503.0))))).isEqualTo(Decision.SAMPLED);
    Policy min = f.policy("{name: n, type: numeric_attribute, numeric_attribute: {key: retries, min_value: 3}}");
    assertThat(min.evaluate(trace(resource("svc", attr("retries", 1_000_000L)), span(ID, 1)))).isEqualTo(Decision.SAMPLED);
    assertThat(min.evaluate(trace(span(ID, 1).addAttributes(attr("retries", 2L))))).isEqualTo(Decision.NOT_SAMPLED);
  }

  @Test
  void numericAttribute_invertMatch() {
    Policy p = f.policy("{name: n, type: numeric_attribute, numeric_attribute: {key: code, max_value: 10, invert_match: true}}");
    assertThat(p.evaluate(trace(span(ID, 1).addAttributes(attr("code", 5L))))).isEqualTo(Decision.INVERTED_NOT_SAMPLED);
    assertThat(p.evaluate(trace(span(ID, 1).addAttributes(attr("code", 50L))))).isEqualTo(Decision.INVERTED_SAMPLED);
  }

  @Test
  void booleanAttribute_matchesTheValue_andInverts() {
    Policy p = f.policy("{name: b, type: boolean_attribute, boolean_attribute: {key: app.force_sample, value: true}}");
    assertThat(p.evaluate(trace(span(ID, 1).addAttributes(attr("app.force_sample", true))))).isEqualTo(Decision.SAMPLED);
    assertThat(p.evaluate(trace(span(ID, 1).addAttributes(attr("app.force_sample", false))))).isEqualTo(Decision.NOT_SAMPLED);
    assertThat(p.evaluate(trace(span(ID, 1).addAttributes(attr("app.force_sample", "true"))))).isEqualTo(Decision.NOT_SAMPLED);
    Policy inv = f.policy("{name: b, type: boolean_attribute, boolean_attribute: {key: bot, value: true, invert_match: true}}");
    assertThat(inv.evaluate(trace(resource("svc", attr("bot", true)), span(ID, 1)))).isEqualTo(Decision.INVERTED_NOT_SAMPLED);
    assertThat(inv.evaluate(trace(span(ID, 1)))).isEqualTo(Decision.INVERTED_SAMPLED);
  }
}
