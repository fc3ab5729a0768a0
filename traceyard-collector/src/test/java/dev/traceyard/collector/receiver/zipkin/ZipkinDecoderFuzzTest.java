package dev.traceyard.collector.receiver.zipkin;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.traceyard.collector.testing.FuzzBudget;
import dev.traceyard.collector.testing.OtlpInvariants;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;

/**
 * Fuzzes the zipkin receiver's decode-and-translate path ({@link ZipkinReceiver#decode}) with Zipkin
 * v2 JSON and proto3 bodies. The contract: OTLP within the limits, with a real trace and span id on
 * every span, or a {@link ZipkinDecodeException} with a message; never any other exception. Both
 * translator modes run ({@code parse_string_tags} off and on). Seeds: {@code
 * src/test/resources/dev/traceyard/collector/receiver/zipkin/ZipkinDecoderFuzzTestInputs/<method>/}.
 */
class ZipkinDecoderFuzzTest {
  private static final ZipkinTranslator PLAIN = new ZipkinTranslator(false);
  private static final ZipkinTranslator TYPED = new ZipkinTranslator(true);

  @FuzzTest(maxDuration = FuzzBudget.PER_TARGET)
  void json(byte[] body) {
    check(body, true);
  }

  @FuzzTest(maxDuration = FuzzBudget.PER_TARGET)
  void proto3(byte[] body) {
    check(body, false);
  }

  private static void check(byte[] body, boolean json) {
    ExportTraceServiceRequest plain = decodeOrNull(body, json, PLAIN);
    ExportTraceServiceRequest typed = decodeOrNull(body, json, TYPED);
    assertThat(typed == null).as("both translator modes accept or refuse alike").isEqualTo(plain == null);
    if (plain == null) {
      return;
    }
    for (ExportTraceServiceRequest request : new ExportTraceServiceRequest[] {plain, typed}) {
      OtlpInvariants.assertWithinLimits(request);
      for (ResourceSpans rs : request.getResourceSpansList()) {
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          for (Span span : ss.getSpansList()) {
            assertThat(span.getTraceId().size()).isEqualTo(16);
            assertThat(span.getSpanId().size()).isEqualTo(8);
            assertThat(span.getEndTimeUnixNano()).isGreaterThanOrEqualTo(span.getStartTimeUnixNano());
          }
        }
      }
    }
    assertThat(typed.getResourceSpansCount()).isEqualTo(plain.getResourceSpansCount());
  }

  private static ExportTraceServiceRequest decodeOrNull(byte[] body, boolean json, ZipkinTranslator translator) {
    try {
      return ZipkinReceiver.decode(body, json, translator);
    } catch (ZipkinDecodeException e) {
      assertThat(e.getMessage()).as("refusal message").isNotBlank();
      assertThat(e.spanCount()).isNotNegative();
      return null;
    }
  }
}
