package dev.traceyard.collector.receiver.zipkin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.traceyard.collector.otlp.OtlpLimits;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.StringJoiner;
import org.junit.jupiter.api.Test;
import zipkin2.codec.SpanBytesEncoder;

/** The decoder limits on the zipkin receive path ({@link ZipkinReceiver#decode}), for JSON and proto3. */
class ZipkinDecodeLimitsTest {
  private static final ZipkinTranslator TRANSLATOR = new ZipkinTranslator(false);

  @Test
  void refusesASpanWithMoreTagsThanTheAttributeLimit() {
    zipkin2.Span.Builder span = zipkin2.Span.newBuilder().traceId("1").id("2");
    for (int i = 0; i < 2 * OtlpLimits.MAX_ATTRIBUTES; i++) {
      span.putTag("k" + i, "v");
    }
    byte[] json = SpanBytesEncoder.JSON_V2.encodeList(List.of(span.build()));
    byte[] proto = SpanBytesEncoder.PROTO3.encodeList(List.of(span.build()));

    for (boolean isJson : new boolean[] {true, false}) {
      ZipkinDecodeException e = catchThrowableOfType(ZipkinDecodeException.class,
          () -> ZipkinReceiver.decode(isJson ? json : proto, isJson, TRANSLATOR));
      assertThat(e.getMessage()).isEqualTo("span[0]: more than 1024 tags (the limit)");
      assertThat(e.spanCount()).isEqualTo(1);
    }
  }

  @Test
  void refusesATagValueOverTheValueSizeLimit() {
    zipkin2.Span span = zipkin2.Span.newBuilder().traceId("1").id("2")
        .putTag("sql", "x".repeat(OtlpLimits.MAX_VALUE_BYTES + 1)).build();

    ZipkinDecodeException e = catchThrowableOfType(ZipkinDecodeException.class,
        () -> ZipkinReceiver.decode(SpanBytesEncoder.JSON_V2.encodeList(List.of(span)), true, TRANSLATOR));

    assertThat(e.getMessage()).isEqualTo("span[0]: the value of tag 'sql' is longer than the limit of 1048576 bytes");
  }

  @Test
  void refusesAttributesUnpackedFromAnAnnotationOverTheLimit() {
    StringJoiner attributes = new StringJoiner(",", "{", "}");
    for (int i = 0; i <= OtlpLimits.MAX_ATTRIBUTES; i++) {
      attributes.add("\"k" + i + "\":" + i);
    }
    String body = "[{\"traceId\":\"1\",\"id\":\"2\",\"annotations\":[{\"timestamp\":1,\"value\":"
        + "\"event|" + attributes.toString().replace("\"", "\\\"") + "|0\"}]}]";

    ZipkinDecodeException e = catchThrowableOfType(ZipkinDecodeException.class,
        () -> ZipkinReceiver.decode(body.getBytes(StandardCharsets.UTF_8), true, TRANSLATOR));

    assertThat(e.getMessage()).isEqualTo("after translation to OTLP, resourceSpans[0].scopeSpans[0].spans[0]"
        + ".events[0].attributes: 1025 attributes, more than the limit of 1024");
  }

  @Test
  void acceptsSpansWithinTheLimits() throws Exception {
    // With a timestamp, the translation adds no attribute of its own to the tags.
    zipkin2.Span.Builder span = zipkin2.Span.newBuilder().traceId("1").id("2").timestamp(1);
    for (int i = 0; i < OtlpLimits.MAX_ATTRIBUTES; i++) {
      span.putTag("k" + i, "v");
    }

    assertThat(ZipkinReceiver.decode(SpanBytesEncoder.PROTO3.encodeList(List.of(span.build())), false, TRANSLATOR)
        .getResourceSpans(0).getScopeSpans(0).getSpans(0).getAttributesCount()).isEqualTo(OtlpLimits.MAX_ATTRIBUTES);
  }
}
