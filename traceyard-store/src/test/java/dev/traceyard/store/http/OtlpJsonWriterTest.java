package dev.traceyard.store.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.google.protobuf.MessageOrBuilder;
import dev.traceyard.collector.otlp.OtlpJson;
import dev.traceyard.store.TestData;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Exemplar;
import io.opentelemetry.proto.metrics.v1.Histogram;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.trace.v1.Span;
import org.junit.jupiter.api.Test;

/** The one-pass writer gives the same OTLP/JSON document as OtlpJson.encode (print, parse, convert ids). */
class OtlpJsonWriterTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static void assertSameDocument(MessageOrBuilder m) throws Exception {
    JsonNode expected = MAPPER.readTree(OtlpJson.encodeToBytes(m));
    JsonNode got = MAPPER.readTree(OtlpJsonWriter.encode(m));
    assertThat(got).isEqualTo(expected);
  }

  @Test
  void handWrittenSpanAttributeAndValueWriters_coverTheOtlpVersionOnTheClassPath() {
    // Otherwise every test here would pass through the generic path alone and prove nothing of them.
    assertThat(OtlpJsonWriter.fastPathsActive()).isTrue();
  }

  @Test
  void traceUsingEverySpanField_isWrittenAsOtlpJsonEncodeWritesIt() throws Exception {
    assertSameDocument(TestData.fullTrace(TestData.traceId(7), 1_700_000_000_123_456_789L));
  }

  @Test
  void logsWithTraceAndSpanIds_areWrittenAsOtlpJsonEncodeWritesThem() throws Exception {
    assertSameDocument(TestData.logs(TestData.traceId(8), 1_700_000_000_000_000_000L));
  }

  @Test
  void edgeValues_zeroOneofMembers_unsignedAndNegativeNumbers_nonFiniteDoubles_bytes_areWrittenTheSame()
      throws Exception {
    Span span = TestData.span(TestData.traceId(9), 3, null, "edge", Span.SpanKind.SPAN_KIND_CLIENT, -5L, 0L,
        io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR,
        KeyValue.newBuilder().setKey("zero-int").setValue(AnyValue.newBuilder().setIntValue(0)).build(),
        KeyValue.newBuilder().setKey("empty-string").setValue(AnyValue.newBuilder().setStringValue("")).build(),
        KeyValue.newBuilder().setKey("false").setValue(AnyValue.newBuilder().setBoolValue(false)).build(),
        KeyValue.newBuilder().setKey("neg").setValue(AnyValue.newBuilder().setIntValue(Long.MIN_VALUE)).build(),
        KeyValue.newBuilder().setKey("nan").setValue(AnyValue.newBuilder().setDoubleValue(Double.NaN)).build(),
        KeyValue.newBuilder().setKey("inf").setValue(AnyValue.newBuilder().setDoubleValue(Double.NEGATIVE_INFINITY))
            .build(),
        KeyValue.newBuilder().setKey("big").setValue(AnyValue.newBuilder().setDoubleValue(1e300)).build(),
        KeyValue.newBuilder().setKey("bytes").setValue(AnyValue.newBuilder()
            .setBytesValue(ByteString.copyFrom(new byte[] {0, -1, 42, 7}))).build(),
        KeyValue.newBuilder().setKey("unicode").setValue(AnyValue.newBuilder().setStringValue("é \"q\" \u2028 \ud83d\ude00"))
            .build(),
        KeyValue.newBuilder().setKey("empty").build(),
        KeyValue.newBuilder().setKey("strindex").setKeyStrindex(3)
            .setValue(AnyValue.newBuilder().setStringValueStrindex(0)).build());
    span = span.toBuilder().setFlags(0xffffffff).setDroppedAttributesCount(Integer.MIN_VALUE)
        .setEndTimeUnixNano(-1L).build();
    assertSameDocument(TestData.request(TestData.resource("svc"), span));
  }

  @Test
  void metricsWithExemplarIds_areWrittenAsOtlpJsonEncodeWritesThem() throws Exception {
    ExportMetricsServiceRequest m = ExportMetricsServiceRequest.newBuilder().addResourceMetrics(ResourceMetrics.newBuilder()
        .setResource(TestData.resource("svc")).addScopeMetrics(ScopeMetrics.newBuilder().setScope(TestData.SCOPE)
            .addMetrics(Metric.newBuilder().setName("latency").setUnit("ms").setHistogram(Histogram.newBuilder()
                .setAggregationTemporality(io.opentelemetry.proto.metrics.v1.AggregationTemporality
                    .AGGREGATION_TEMPORALITY_CUMULATIVE)
                .addDataPoints(HistogramDataPoint.newBuilder().setTimeUnixNano(5).setCount(3).setSum(1.5)
                    .addBucketCounts(1).addBucketCounts(2).addExplicitBounds(0.5).setMin(0.25)
                    .addExemplars(Exemplar.newBuilder().setAsDouble(0.3).setSpanId(TestData.spanId(4))
                        .setTraceId(TestData.traceId(4).toBytes()))))))).build();
    assertSameDocument(m);
  }
}
