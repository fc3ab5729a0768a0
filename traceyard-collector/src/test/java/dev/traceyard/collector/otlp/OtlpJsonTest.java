package dev.traceyard.collector.otlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.logs.v1.SeverityNumber;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.Exemplar;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.Sum;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class OtlpJsonTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TRACE_ID = "5b8efff798038103d269b633813fc60c";
  private static final String SPAN_ID = "eee19b7ec3c1b174";
  private static final String PARENT_ID = "eee19b7ec3c1b173";
  private static final String LINKED_TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
  private static final String LINKED_SPAN_ID = "b7ad6b7169203331";

  private static KeyValue kv(String key, AnyValue value) {
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }

  private static ByteString id(String hex) {
    return ByteString.copyFrom(Hex.decode(hex));
  }

  /** A span with every AnyValue kind, a link and enums, in a full request. */
  private static ExportTraceServiceRequest everyValueType() {
    AnyValue nested = AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder()
        .addValues(kv("inner", AnyValue.newBuilder().setStringValue("x").build()))
        .addValues(kv("deeper", AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder()
            .addValues(AnyValue.newBuilder().setIntValue(-1))).build()))).build();
    Span span = Span.newBuilder()
        .setTraceId(id(TRACE_ID))
        .setSpanId(id(SPAN_ID))
        .setParentSpanId(id(PARENT_ID))
        .setTraceState("vendor=1")
        .setName("GET /cart")
        .setKind(Span.SpanKind.SPAN_KIND_SERVER)
        .setStartTimeUnixNano(1544712660000000000L)
        .setEndTimeUnixNano(-1L) // fixed64 beyond Long.MAX_VALUE must survive too
        .addAttributes(kv("string", AnyValue.newBuilder().setStringValue("héllo \"quoted\"").build()))
        .addAttributes(kv("bool", AnyValue.newBuilder().setBoolValue(true).build()))
        .addAttributes(kv("int", AnyValue.newBuilder().setIntValue(Long.MAX_VALUE).build()))
        .addAttributes(kv("double", AnyValue.newBuilder().setDoubleValue(3.25).build()))
        .addAttributes(kv("bytes", AnyValue.newBuilder().setBytesValue(ByteString.copyFrom(new byte[] {0, 1, (byte) 0xff})).build()))
        .addAttributes(kv("array", AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder()
            .addValues(AnyValue.newBuilder().setStringValue("a"))
            .addValues(AnyValue.newBuilder().setDoubleValue(1.5))).build()))
        .addAttributes(kv("kvlist", nested))
        .addAttributes(kv("empty", AnyValue.getDefaultInstance()))
        .addLinks(Span.Link.newBuilder().setTraceId(id(LINKED_TRACE_ID)).setSpanId(id(LINKED_SPAN_ID)))
        .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR).setMessage("boom"))
        .build();
    return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(kv("service.name", AnyValue.newBuilder().setStringValue("cart").build())))
        .addScopeSpans(ScopeSpans.newBuilder().setScope(InstrumentationScope.newBuilder().setName("it").setVersion("1"))
            .addSpans(span)))
        .build();
  }

  @Test
  void traceRequestWithEveryAnyValueType_roundTrips() throws Exception {
    ExportTraceServiceRequest original = everyValueType();

    ExportTraceServiceRequest decoded = OtlpJson.decodeTraces(OtlpJson.encodeToBytes(original));

    assertThat(decoded).isEqualTo(original);
  }

  @Test
  void encode_writesIdsAsHexAndEnumsAsInts() throws Exception {
    JsonNode span = JSON.readTree(OtlpJson.encode(everyValueType())).at("/resourceSpans/0/scopeSpans/0/spans/0");

    assertThat(span.get("traceId").asText()).isEqualTo(TRACE_ID);
    assertThat(span.get("spanId").asText()).isEqualTo(SPAN_ID);
    assertThat(span.get("parentSpanId").asText()).isEqualTo(PARENT_ID);
    assertThat(span.at("/links/0/traceId").asText()).isEqualTo(LINKED_TRACE_ID);
    assertThat(span.at("/links/0/spanId").asText()).isEqualTo(LINKED_SPAN_ID);
    assertThat(span.get("kind").isInt()).isTrue();
    assertThat(span.get("kind").asInt()).isEqualTo(2);
    assertThat(span.at("/status/code").asInt()).isEqualTo(2);
    // Other bytes stay base64, as the OTLP spec says.
    assertThat(span.at("/attributes/4/value/bytesValue").asText()).isEqualTo("AAH/");
  }

  @Test
  void logsAndMetrics_convertIdsEverywhere() throws Exception {
    ExportLogsServiceRequest logs = ExportLogsServiceRequest.newBuilder().addResourceLogs(ResourceLogs.newBuilder()
        .addScopeLogs(ScopeLogs.newBuilder().addLogRecords(LogRecord.newBuilder()
            .setTraceId(id(TRACE_ID)).setSpanId(id(SPAN_ID))
            .setSeverityNumber(SeverityNumber.SEVERITY_NUMBER_WARN)
            .setBody(AnyValue.newBuilder().setStringValue("slow"))))).build();
    ExportMetricsServiceRequest metrics = ExportMetricsServiceRequest.newBuilder().addResourceMetrics(
        ResourceMetrics.newBuilder().addScopeMetrics(ScopeMetrics.newBuilder().addMetrics(Metric.newBuilder()
            .setName("orders").setSum(Sum.newBuilder()
                .setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE)
                .setIsMonotonic(true)
                .addDataPoints(NumberDataPoint.newBuilder().setAsInt(3).addExemplars(Exemplar.newBuilder()
                    .setTraceId(id(TRACE_ID)).setSpanId(id(SPAN_ID)).setAsDouble(1.0))))))).build();

    JsonNode log = JSON.readTree(OtlpJson.encode(logs)).at("/resourceLogs/0/scopeLogs/0/logRecords/0");
    JsonNode metric = JSON.readTree(OtlpJson.encode(metrics)).at("/resourceMetrics/0/scopeMetrics/0/metrics/0/sum");

    assertThat(log.get("traceId").asText()).isEqualTo(TRACE_ID);
    assertThat(log.get("spanId").asText()).isEqualTo(SPAN_ID);
    assertThat(log.get("severityNumber").asInt()).isEqualTo(13);
    assertThat(metric.get("aggregationTemporality").asInt()).isEqualTo(2);
    assertThat(metric.at("/dataPoints/0/exemplars/0/traceId").asText()).isEqualTo(TRACE_ID);
    assertThat(OtlpJson.decodeLogs(OtlpJson.encodeToBytes(logs))).isEqualTo(logs);
    assertThat(OtlpJson.decodeMetrics(OtlpJson.encodeToBytes(metrics))).isEqualTo(metrics);
  }

  @Test
  void decode_acceptsSnakeCaseEnumNamesAndUpperCaseHex() throws Exception {
    String json = "{\"resource_spans\":[{\"scope_spans\":[{\"spans\":[{"
        + "\"trace_id\":\"" + TRACE_ID.toUpperCase() + "\",\"span_id\":\"" + SPAN_ID + "\","
        + "\"parent_span_id\":\"" + PARENT_ID + "\",\"name\":\"op\",\"kind\":\"SPAN_KIND_CLIENT\","
        + "\"start_time_unix_nano\":1544712660000000000,\"dropped_attributes_count\":2}]}]}]}";

    Span span = OtlpJson.decodeTraces(utf8(json)).getResourceSpans(0).getScopeSpans(0).getSpans(0);

    assertThat(span.getTraceId()).isEqualTo(id(TRACE_ID));
    assertThat(span.getSpanId()).isEqualTo(id(SPAN_ID));
    assertThat(span.getParentSpanId()).isEqualTo(id(PARENT_ID));
    assertThat(span.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
    assertThat(span.getStartTimeUnixNano()).isEqualTo(1544712660000000000L);
    assertThat(span.getDroppedAttributesCount()).isEqualTo(2);
  }

  @Test
  void decode_ignoresUnknownFields() throws Exception {
    String json = "{\"resourceSpans\":[{\"futureField\":{\"a\":[1,2]},\"scopeSpans\":[{\"spans\":[{"
        + "\"name\":\"op\",\"notInTheProto\":\"x\",\"traceId\":\"" + TRACE_ID + "\"}]}]}],\"extra\":true}";

    Span span = OtlpJson.decodeTraces(utf8(json)).getResourceSpans(0).getScopeSpans(0).getSpans(0);

    assertThat(span.getName()).isEqualTo("op");
    assertThat(span.getTraceId()).isEqualTo(id(TRACE_ID));
  }

  @Test
  void decode_refusesUnpairedSurrogatesWhichProtobufCannotCarry() throws Exception {
    // Found by the OTLP/JSON fuzz target's round-trip check: "\ud800" decoded, then became "?" on re-encoding.
    String json = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"name\":\"ok\",\"attributes\":[{\"key\":\"k\","
        + "\"value\":{\"arrayValue\":{\"values\":[{\"stringValue\":\"a\\ud800b\"}]}}}]}]}]}]}";

    assertThatThrownBy(() -> OtlpJson.decodeTraces(utf8(json)))
        .isInstanceOf(OtlpJsonException.class)
        .hasMessage("invalid resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.arrayValue.values[0]"
            + ".stringValue: an unpaired surrogate (\\ud800) at character 1 is not valid Unicode");
    // A proper pair (an emoji) is fine.
    assertThat(OtlpJson.decodeTraces(utf8(json.replace("\\ud800", "\\ud83d\\ude00"))).getResourceSpans(0)
        .getScopeSpans(0).getSpans(0).getAttributes(0).getValue().getArrayValue().getValues(0).getStringValue())
        .isEqualTo("a\ud83d\ude00b");
  }

  @Test
  void decode_emptyIdsMeanUnset() throws Exception {
    Span span = OtlpJson.decodeTraces(utf8("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"parentSpanId\":\"\"}]}]}]}"))
        .getResourceSpans(0).getScopeSpans(0).getSpans(0);

    assertThat(span.getParentSpanId()).isEmpty();
  }

  @Test
  void wrongLengthTraceId_isRejectedNamingTheField() {
    String json = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"name\":\"a\"},{\"traceId\":\"abcd\"}]}]}]}";

    assertThatThrownBy(() -> OtlpJson.decodeTraces(utf8(json)))
        .isInstanceOf(OtlpJsonException.class)
        .hasMessage("invalid resourceSpans[0].scopeSpans[0].spans[1].traceId 'abcd': expected 32 hex characters, got 4");
  }

  @Test
  void invalidHexSpanId_isRejectedNamingTheField() {
    String json = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"links\":[{\"spanId\":\"zzzzzzzzzzzzzzzz\"}]}]}]}]}";

    assertThatThrownBy(() -> OtlpJson.decodeTraces(utf8(json)))
        .isInstanceOf(OtlpJsonException.class)
        .hasMessage("invalid resourceSpans[0].scopeSpans[0].spans[0].links[0].spanId 'zzzzzzzzzzzzzzzz': not a hex string");
  }

  @Test
  void nonAsciiDigitsInAnId_areRejected() {
    // U+0663 is a digit to Character.digit, but not hex.
    String json = "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"spanId\":\"eee19b7ec3c1b17\u0663\"}]}]}]}";

    assertThatThrownBy(() -> OtlpJson.decodeLogs(utf8(json)))
        .hasMessageContaining("resourceLogs[0].scopeLogs[0].logRecords[0].spanId")
        .hasMessageContaining("not a hex string");
  }

  @Test
  void base64Ids_areRejectedRatherThanMisread() {
    // What protobuf's own JSON would write: must not be taken for a (wrong) id.
    String json = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"spanId\":\"7uGbfsPBsXQ=\"}]}]}]}";

    assertThatThrownBy(() -> OtlpJson.decodeTraces(utf8(json)))
        .hasMessageContaining("resourceSpans[0].scopeSpans[0].spans[0].spanId");
  }

  @Test
  void malformedJson_isRejectedWithLineAndColumn() {
    assertThatThrownBy(() -> OtlpJson.decodeTraces(utf8("{\"resourceSpans\": [\n {")))
        .isInstanceOf(OtlpJsonException.class)
        .hasMessageStartingWith("invalid JSON: ")
        .hasMessageContaining("at line 2")
        .hasMessageNotContaining("REDACTED");
  }

  @Test
  void trailingGarbage_isRejected() {
    assertThatThrownBy(() -> OtlpJson.decodeTraces(utf8("{\"resourceSpans\":[]} {}")))
        .isInstanceOf(OtlpJsonException.class)
        .hasMessageStartingWith("invalid JSON: ");
  }

  @Test
  void nonObjectOrEmptyDocuments_areRejected() {
    assertThatThrownBy(() -> OtlpJson.decodeTraces(utf8("[]"))).hasMessageContaining("must be a JSON object");
    assertThatThrownBy(() -> OtlpJson.decodeTraces(new byte[0])).isInstanceOf(OtlpJsonException.class);
  }

  @Test
  void unknownEnumNames_areIgnoredLikeUnknownFields() throws Exception {
    Span span = OtlpJson.decodeTraces(utf8("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"kind\":\"SPAN_KIND_FUTURE\"}]}]}]}"))
        .getResourceSpans(0).getScopeSpans(0).getSpans(0);

    assertThat(span.getKindValue()).isZero();
  }

  @Test
  void wrongValueTypes_areRejectedWithAMessage() {
    assertThatThrownBy(() -> OtlpJson.decodeTraces(utf8("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"name\":{\"x\":1}}]}]}]}")))
        .isInstanceOf(OtlpJsonException.class)
        .hasMessageStartingWith("invalid OTLP/JSON: ");
    assertThatThrownBy(() -> OtlpJson.decodeTraces(utf8("{\"resourceSpans\":{}}")))
        .isInstanceOf(OtlpJsonException.class);
  }

  @Test
  void deeplyNestedDocument_isRejectedNotOverflowingTheStack() {
    String deep = "{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000);

    assertThatThrownBy(() -> OtlpJson.decodeTraces(utf8(deep))).isInstanceOf(OtlpJsonException.class);
  }

  @Test
  void responsesAndStatuses_encodeAsPlainJson() throws Exception {
    ExportTraceServiceResponse partial = ExportTraceServiceResponse.newBuilder().setPartialSuccess(
        ExportTracePartialSuccess.newBuilder().setRejectedSpans(2).setErrorMessage("too old")).build();

    JsonNode json = JSON.readTree(OtlpJson.encode(partial));

    assertThat(json.at("/partialSuccess/rejectedSpans").asLong()).isEqualTo(2);
    assertThat(json.at("/partialSuccess/errorMessage").asText()).isEqualTo("too old");
    assertThat(OtlpJson.encode(ExportTraceServiceResponse.getDefaultInstance())).isEqualTo("{}");
    assertThat(OtlpJson.encode(com.google.rpc.Status.newBuilder().setCode(3).setMessage("bad").build()))
        .isEqualTo("{\"code\":3,\"message\":\"bad\"}");
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
