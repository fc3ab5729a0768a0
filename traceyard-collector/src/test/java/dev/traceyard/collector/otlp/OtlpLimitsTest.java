package dev.traceyard.collector.otlp;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.metrics.v1.Exemplar;
import io.opentelemetry.proto.metrics.v1.Histogram;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import org.junit.jupiter.api.Test;

class OtlpLimitsTest {
  private static final ByteString TRACE_ID = ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
  private static final ByteString SPAN_ID = ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8});

  @Test
  void acceptsIdsOfTheRightLengthOrAbsent() {
    assertThat(OtlpLimits.violation(traces(span()))).isNull();
    assertThat(OtlpLimits.violation(traces(span().clearTraceId().clearSpanId()))).isNull();
    assertThat(OtlpLimits.violation(ExportTraceServiceRequest.getDefaultInstance())).isNull();
  }

  @Test
  void refusesIdsOfTheWrongLengthNamingTheField() {
    assertThat(OtlpLimits.violation(traces(span().setTraceId(ByteString.copyFrom(new byte[8])))))
        .isEqualTo("resourceSpans[0].scopeSpans[0].spans[0].traceId: expected 16 bytes, got 8");
    assertThat(OtlpLimits.violation(traces(span().setParentSpanId(ByteString.copyFrom(new byte[16])))))
        .isEqualTo("resourceSpans[0].scopeSpans[0].spans[0].parentSpanId: expected 8 bytes, got 16");
    assertThat(OtlpLimits.violation(traces(span().addLinks(Span.Link.newBuilder().setTraceId(TRACE_ID)
        .setSpanId(ByteString.copyFrom(new byte[7]))))))
        .isEqualTo("resourceSpans[0].scopeSpans[0].spans[0].links[0].spanId: expected 8 bytes, got 7");
    assertThat(OtlpLimits.violation(logs(LogRecord.newBuilder().setTraceId(ByteString.copyFrom(new byte[1])))))
        .isEqualTo("resourceLogs[0].scopeLogs[0].logRecords[0].traceId: expected 16 bytes, got 1");
    assertThat(OtlpLimits.violation(metrics(HistogramDataPoint.newBuilder()
        .addExemplars(Exemplar.newBuilder().setSpanId(ByteString.copyFrom(new byte[3]))))))
        .isEqualTo("resourceMetrics[0].scopeMetrics[0].metrics[0].histogram.dataPoints[0].exemplars[0].spanId: "
            + "expected 8 bytes, got 3");
  }

  @Test
  void namesTheFirstBadItemByItsIndexesAfterValidOnes() {
    Span.Event okEvent = Span.Event.newBuilder().setName("e").addAllAttributes(attributes(2)).build();
    Span.Event badEvent = Span.Event.newBuilder().setName("e")
        .addAllAttributes(attributes(OtlpLimits.MAX_ATTRIBUTES + 1)).build();
    Span.Link okLink = Span.Link.newBuilder().setTraceId(TRACE_ID).setSpanId(SPAN_ID).build();
    Span.Link badLink = Span.Link.newBuilder().setTraceId(TRACE_ID).setSpanId(SPAN_ID)
        .addAllAttributes(attributes(OtlpLimits.MAX_ATTRIBUTES + 1)).build();
    ScopeSpans ok = ScopeSpans.newBuilder().addSpans(span()).build();
    ExportTraceServiceRequest req = ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(ok))
        .addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(ok).addScopeSpans(ScopeSpans.newBuilder()
            .addSpans(span().addEvents(okEvent)).addSpans(span().addLinks(okLink))
            .addSpans(span().addEvents(okEvent).addEvents(badEvent).addLinks(badLink))))
        .build();

    assertThat(OtlpLimits.violation(req)).isEqualTo("resourceSpans[1].scopeSpans[1].spans[2].events[1].attributes: "
        + "1025 attributes, more than the limit of 1024");
    assertThat(OtlpLimits.violation(traces(span().addLinks(okLink).addLinks(badLink))))
        .isEqualTo("resourceSpans[0].scopeSpans[0].spans[0].links[1].attributes: 1025 attributes, more than the limit of 1024");
  }

  @Test
  void refusesMoreAttributesThanTheLimitWhereverTheyAre() {
    assertThat(OtlpLimits.violation(traces(span().addAllAttributes(attributes(OtlpLimits.MAX_ATTRIBUTES))))).isNull();
    assertThat(OtlpLimits.violation(traces(span().addAllAttributes(attributes(OtlpLimits.MAX_ATTRIBUTES + 1)))))
        .isEqualTo("resourceSpans[0].scopeSpans[0].spans[0].attributes: 1025 attributes, more than the limit of 1024");
    ExportTraceServiceRequest resource = ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAllAttributes(attributes(OtlpLimits.MAX_ATTRIBUTES + 1)))).build();
    assertThat(OtlpLimits.violation(resource)).startsWith("resourceSpans[0].resource.attributes: 1025 attributes");
    ExportTraceServiceRequest scope = ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .addScopeSpans(ScopeSpans.newBuilder().setScope(InstrumentationScope.newBuilder()
            .addAllAttributes(attributes(OtlpLimits.MAX_ATTRIBUTES + 1))))).build();
    assertThat(OtlpLimits.violation(scope)).startsWith("resourceSpans[0].scopeSpans[0].scope.attributes: 1025");
    assertThat(OtlpLimits.violation(traces(span().addEvents(Span.Event.newBuilder()
        .addAllAttributes(attributes(OtlpLimits.MAX_ATTRIBUTES + 1))))))
        .startsWith("resourceSpans[0].scopeSpans[0].spans[0].events[0].attributes: 1025");
    AnyValue kvlist = AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder()
        .addAllValues(attributes(OtlpLimits.MAX_ATTRIBUTES + 1))).build();
    assertThat(OtlpLimits.violation(traces(span().addAttributes(kv("map", kvlist)))))
        .startsWith("resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.kvlistValue.values: 1025");
  }

  @Test
  void refusesOversizedKeysAndValuesButNotLargeLogBodies() {
    String big = "x".repeat(OtlpLimits.MAX_VALUE_BYTES + 1);
    assertThat(OtlpLimits.violation(traces(span().addAttributes(kv("s", string("x".repeat(OtlpLimits.MAX_VALUE_BYTES)))))))
        .isNull();
    assertThat(OtlpLimits.violation(traces(span().addAttributes(kv("s", string(big))))))
        .isEqualTo("resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value: a string of 1048577 bytes, "
            + "more than the limit of 1048576");
    // Counted in UTF-8 bytes, not characters: 'é' is two bytes.
    assertThat(OtlpLimits.violation(traces(span().addAttributes(kv("s", string("é".repeat(OtlpLimits.MAX_VALUE_BYTES / 2 + 1)))))))
        .contains("a string of 1048578 bytes");
    assertThat(OtlpLimits.violation(traces(span().addAttributes(kv("k".repeat(OtlpLimits.MAX_KEY_BYTES + 1), string("v"))))))
        .isEqualTo("resourceSpans[0].scopeSpans[0].spans[0].attributes[0].key: 4097 bytes, more than the limit of 4096");
    assertThat(OtlpLimits.violation(logs(LogRecord.newBuilder().addAttributes(kv("b", AnyValue.newBuilder()
        .setBytesValue(ByteString.copyFrom(new byte[OtlpLimits.MAX_VALUE_BYTES + 1])).build())))))
        .isEqualTo("resourceLogs[0].scopeLogs[0].logRecords[0].attributes[0].value: 1048577 bytes, more than the limit of 1048576");
    assertThat(OtlpLimits.violation(logs(LogRecord.newBuilder().setBody(string(big))))).isNull();
  }

  @Test
  void countsKeyAndValueBytesAsUtf8EncodesThem() {
    // '€' is 3 bytes, a surrogate pair 4, an unpaired surrogate 1 (String.getBytes writes '?').
    String[] samples = {"", "abc", "é", "€", "\uD834\uDD1E", "a\uD834", "\uDD1Eb", "x".repeat(5000),
        "€".repeat(1365) + "a", "é€\uD834\uDD1E\uD834x".repeat(400)};
    for (String s : samples) {
      int utf8 = s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
      int counted = OtlpLimits.utf8Length(s, 0);
      assertThat(counted).as("utf8Length of %s", s.length() > 20 ? s.substring(0, 20) + "..." : s).isEqualTo(utf8);
    }
    assertThat(OtlpLimits.violation(traces(span().addAttributes(kv("€".repeat(1365), string("v")))))).isNull();
    assertThat(OtlpLimits.violation(traces(span().addAttributes(kv("€".repeat(1365) + "ab", string("v"))))))
        .isEqualTo("resourceSpans[0].scopeSpans[0].spans[0].attributes[0].key: 4097 bytes, more than the limit of 4096");
  }

  @Test
  void checksParsedRequestsWithoutEncodingTheirStringsAgain() throws Exception {
    ExportTraceServiceRequest parsed = ExportTraceServiceRequest.parseFrom(
        traces(span().addAttributes(kv("http.route", string("/api/cart")))).toByteArray());
    KeyValue kv = parsed.getResourceSpans(0).getScopeSpans(0).getSpans(0).getAttributes(0);
    String key = kv.getKey();
    String value = kv.getValue().getStringValue();

    assertThat(OtlpLimits.violation(parsed)).isNull();

    // The bytes getters would have swapped the decoded strings for freshly encoded bytes, which the
    // next reader would then decode into new strings.
    assertThat(kv.getKey()).isSameAs(key);
    assertThat(kv.getValue().getStringValue()).isSameAs(value);
  }

  @Test
  void refusesValuesNestedDeeperThanTheLimitIncludingLogBodies() {
    assertThat(OtlpLimits.violation(traces(span().addAttributes(kv("deep", nested(OtlpLimits.MAX_VALUE_DEPTH)))))).isNull();
    assertThat(OtlpLimits.violation(traces(span().addAttributes(kv("deep", nested(OtlpLimits.MAX_VALUE_DEPTH + 1))))))
        .startsWith("resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.kvlistValue.values[0].value.arrayValue")
        .endsWith(": nested deeper than the limit of 32 levels");
    assertThat(OtlpLimits.violation(logs(LogRecord.newBuilder().setBody(nested(OtlpLimits.MAX_VALUE_DEPTH))))).isNull();
    assertThat(OtlpLimits.violation(logs(LogRecord.newBuilder().setBody(nested(OtlpLimits.MAX_VALUE_DEPTH + 1)))))
        .startsWith("resourceLogs[0].scopeLogs[0].logRecords[0].body.kvlistValue")
        .endsWith("nested deeper than the limit of 32 levels");
  }

  @Test
  void refusesArraysLongerThanTheLimit() {
    ArrayValue.Builder array = ArrayValue.newBuilder();
    for (int i = 0; i <= OtlpLimits.MAX_ARRAY_VALUES; i++) {
      array.addValues(AnyValue.newBuilder().setIntValue(i));
    }
    assertThat(OtlpLimits.violation(traces(span().addAttributes(kv("a", AnyValue.newBuilder().setArrayValue(array).build())))))
        .isEqualTo("resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.arrayValue: 10001 values, "
            + "more than the limit of 10000");
  }

  /** {@code levels} AnyValues deep: kvlist, array, kvlist, ... around a string. */
  private static AnyValue nested(int levels) {
    AnyValue v = string("leaf");
    for (int i = levels - 1; i >= 1; i--) {
      v = i % 2 == 1
          ? AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder().addValues(kv("k", v))).build()
          : AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder().addValues(v)).build();
    }
    return v;
  }

  private static Span.Builder span() {
    return Span.newBuilder().setTraceId(TRACE_ID).setSpanId(SPAN_ID).setName("s");
  }

  private static ExportTraceServiceRequest traces(Span.Builder span) {
    return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .addScopeSpans(ScopeSpans.newBuilder().addSpans(span))).build();
  }

  private static ExportLogsServiceRequest logs(LogRecord.Builder record) {
    return ExportLogsServiceRequest.newBuilder().addResourceLogs(ResourceLogs.newBuilder()
        .addScopeLogs(ScopeLogs.newBuilder().addLogRecords(record))).build();
  }

  private static ExportMetricsServiceRequest metrics(HistogramDataPoint.Builder point) {
    return ExportMetricsServiceRequest.newBuilder().addResourceMetrics(ResourceMetrics.newBuilder()
        .addScopeMetrics(ScopeMetrics.newBuilder().addMetrics(Metric.newBuilder().setName("m")
            .setHistogram(Histogram.newBuilder().addDataPoints(point))))).build();
  }

  private static java.util.List<KeyValue> attributes(int count) {
    java.util.List<KeyValue> out = new java.util.ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(kv("k" + i, AnyValue.newBuilder().setIntValue(i).build()));
    }
    return out;
  }

  private static KeyValue kv(String key, AnyValue value) {
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }

  private static AnyValue string(String s) {
    return AnyValue.newBuilder().setStringValue(s).build();
  }
}
