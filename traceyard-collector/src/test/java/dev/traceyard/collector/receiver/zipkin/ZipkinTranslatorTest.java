package dev.traceyard.collector.receiver.zipkin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.traceyard.collector.otlp.Hex;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import zipkin2.Endpoint;
import zipkin2.codec.SpanBytesEncoder;

/** Decoding (JSON and proto3) and every mapping of the Zipkin v2 to OTLP translation. */
class ZipkinTranslatorTest {
  private static final String TRACE_128 = "463ac35c9f6413ad48485a3953bb6124";
  private static final String SPAN_ID = "a2fb4a1d1a96d312";
  private static final String PARENT_ID = "0020000000000001";

  // ---------------------------------------------------------------- helpers

  private static ExportTraceServiceRequest translate(String json) throws Exception {
    return translate(json, false);
  }

  private static ExportTraceServiceRequest translate(String json, boolean parseStringTags) throws Exception {
    return new ZipkinTranslator(parseStringTags).translate(ZipkinJsonDecoder.decode(json.getBytes(StandardCharsets.UTF_8)));
  }

  /** One span with the given extra JSON members, e.g. {@code "kind":"CLIENT"}. */
  private static String span(String members) {
    return "{\"traceId\":\"" + TRACE_128 + "\",\"id\":\"" + SPAN_ID + "\",\"name\":\"GET /Users\","
        + "\"timestamp\":1700000000123456,\"duration\":1500,\"localEndpoint\":{\"serviceName\":\"Frontend\"}"
        + (members.isEmpty() ? "" : "," + members) + "}";
  }

  private static Span onlySpan(ExportTraceServiceRequest r) {
    assertThat(r.getResourceSpansCount()).isEqualTo(1);
    assertThat(r.getResourceSpans(0).getScopeSpansCount()).isEqualTo(1);
    assertThat(r.getResourceSpans(0).getScopeSpans(0).getSpansCount()).isEqualTo(1);
    return r.getResourceSpans(0).getScopeSpans(0).getSpans(0);
  }

  private static Map<String, AnyValue> attributes(List<KeyValue> kvs) {
    Map<String, AnyValue> out = new LinkedHashMap<>();
    kvs.forEach(kv -> out.put(kv.getKey(), kv.getValue()));
    return out;
  }

  private static AnyValue str(String s) {
    return AnyValue.newBuilder().setStringValue(s).build();
  }

  private static AnyValue integer(long v) {
    return AnyValue.newBuilder().setIntValue(v).build();
  }

  private static AnyValue bool(boolean v) {
    return AnyValue.newBuilder().setBoolValue(v).build();
  }

  private static AnyValue dbl(double v) {
    return AnyValue.newBuilder().setDoubleValue(v).build();
  }

  private static String decodeError(String json) {
    try {
      ZipkinJsonDecoder.decode(json.getBytes(StandardCharsets.UTF_8));
    } catch (ZipkinDecodeException e) {
      return e.getMessage();
    }
    throw new AssertionError("expected a decode error for " + json);
  }

  // ---------------------------------------------------------------- ids, names, times

  @Test
  void fullSpan_mapsIdsNameTimesAndKeepsCase() throws Exception {
    Span s = onlySpan(translate("[" + span("\"parentId\":\"" + PARENT_ID + "\",\"kind\":\"SERVER\"") + "]"));

    assertThat(Hex.encode(s.getTraceId())).isEqualTo(TRACE_128);
    assertThat(Hex.encode(s.getSpanId())).isEqualTo(SPAN_ID);
    assertThat(Hex.encode(s.getParentSpanId())).isEqualTo(PARENT_ID);
    assertThat(s.getName()).isEqualTo("GET /Users");
    assertThat(s.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
    assertThat(s.getStartTimeUnixNano()).isEqualTo(1_700_000_000_123_456_000L);
    assertThat(s.getEndTimeUnixNano()).isEqualTo(1_700_000_000_124_956_000L);
    assertThat(s.getStatus()).isEqualTo(Status.getDefaultInstance());
    assertThat(s.getAttributesList()).isEmpty();
  }

  @Test
  void sixtyFourBitTraceId_isLeftPaddedTo128Bits() throws Exception {
    Span s = onlySpan(translate("[{\"traceId\":\"48485a3953bb6124\",\"id\":\"1\",\"timestamp\":1}]"));

    assertThat(Hex.encode(s.getTraceId())).isEqualTo("000000000000000048485a3953bb6124");
    assertThat(Hex.encode(s.getSpanId())).isEqualTo("0000000000000001");
  }

  @Test
  void upperCaseAndShortHexIds_areAccepted() throws Exception {
    Span s = onlySpan(translate("[{\"traceId\":\"ABC\",\"id\":\"A2FB4A1D1A96D312\",\"timestamp\":1}]"));

    assertThat(Hex.encode(s.getTraceId())).isEqualTo("00000000000000000000000000000abc");
    assertThat(Hex.encode(s.getSpanId())).isEqualTo(SPAN_ID);
  }

  @Test
  void parentIdEqualToOwnId_isDropped() throws Exception {
    Span s = onlySpan(translate("[" + span("\"parentId\":\"" + SPAN_ID + "\"") + "]"));

    assertThat(s.getParentSpanId().isEmpty()).isTrue();
  }

  @Test
  void absentTimestamp_startsAtZeroAndIsMarked() throws Exception {
    Span s = onlySpan(translate("[{\"traceId\":\"" + TRACE_128 + "\",\"id\":\"1\",\"duration\":2948533}]"));

    assertThat(s.getStartTimeUnixNano()).isZero();
    assertThat(s.getEndTimeUnixNano()).isEqualTo(2_948_533_000L);
    assertThat(attributes(s.getAttributesList())).containsEntry("otel.zipkin.absentField.startTime", bool(true));
  }

  @Test
  void absentName_isEmpty() throws Exception {
    assertThat(onlySpan(translate("[{\"traceId\":\"1\",\"id\":\"1\",\"timestamp\":1}]")).getName()).isEmpty();
  }

  // ---------------------------------------------------------------- kind

  @Test
  void zipkinKinds_mapToOtlpKinds() throws Exception {
    assertThat(onlySpan(translate("[" + span("\"kind\":\"CLIENT\"") + "]")).getKind())
        .isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
    assertThat(onlySpan(translate("[" + span("\"kind\":\"SERVER\"") + "]")).getKind())
        .isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
    assertThat(onlySpan(translate("[" + span("\"kind\":\"PRODUCER\"") + "]")).getKind())
        .isEqualTo(Span.SpanKind.SPAN_KIND_PRODUCER);
    assertThat(onlySpan(translate("[" + span("\"kind\":\"CONSUMER\"") + "]")).getKind())
        .isEqualTo(Span.SpanKind.SPAN_KIND_CONSUMER);
  }

  @Test
  void noKind_isUnspecifiedAsInOtelcol() throws Exception {
    assertThat(onlySpan(translate("[" + span("") + "]")).getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_UNSPECIFIED);
  }

  @Test
  void spanKindInternalTag_givesInternalAndIsConsumed() throws Exception {
    Span s = onlySpan(translate("[" + span("\"tags\":{\"span.kind\":\"internal\",\"a\":\"b\"}") + "]"));

    assertThat(s.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_INTERNAL);
    assertThat(attributes(s.getAttributesList())).containsOnlyKeys("a");
  }

  @Test
  void unknownSpanKindTag_staysAnAttribute() throws Exception {
    Span s = onlySpan(translate("[" + span("\"tags\":{\"span.kind\":\"sideways\"}") + "]"));

    assertThat(s.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_UNSPECIFIED);
    assertThat(attributes(s.getAttributesList())).containsEntry("span.kind", str("sideways"));
  }

  @Test
  void zipkinKind_winsOverSpanKindTag() throws Exception {
    Span s = onlySpan(translate("[" + span("\"kind\":\"CLIENT\",\"tags\":{\"span.kind\":\"internal\"}") + "]"));

    assertThat(s.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
    assertThat(attributes(s.getAttributesList())).containsEntry("span.kind", str("internal"));
  }

  // ---------------------------------------------------------------- resource and scope

  @Test
  void spans_areGroupedByLocalServiceName() throws Exception {
    ExportTraceServiceRequest r = translate("["
        + "{\"traceId\":\"1\",\"id\":\"1\",\"timestamp\":1,\"localEndpoint\":{\"serviceName\":\"Frontend\"}},"
        + "{\"traceId\":\"1\",\"id\":\"2\",\"timestamp\":1,\"localEndpoint\":{\"serviceName\":\"backend\"}},"
        + "{\"traceId\":\"1\",\"id\":\"3\",\"timestamp\":1,\"localEndpoint\":{\"serviceName\":\"Frontend\"}}]");

    assertThat(r.getResourceSpansCount()).isEqualTo(2);
    ResourceSpans frontend = r.getResourceSpans(0);
    assertThat(attributes(frontend.getResource().getAttributesList())).containsExactly(Map.entry("service.name", str("Frontend")));
    assertThat(frontend.getScopeSpans(0).getSpansList()).extracting(s -> Hex.encode(s.getSpanId()))
        .containsExactly("0000000000000001", "0000000000000003");
    assertThat(attributes(r.getResourceSpans(1).getResource().getAttributesList()))
        .containsExactly(Map.entry("service.name", str("backend")));
  }

  @Test
  void missingServiceName_givesResourceWithoutServiceNameAsInOtelcol() throws Exception {
    ExportTraceServiceRequest r = translate("["
        + "{\"traceId\":\"1\",\"id\":\"1\",\"timestamp\":1},"
        + "{\"traceId\":\"1\",\"id\":\"2\",\"timestamp\":1,\"localEndpoint\":{\"ipv4\":\"10.0.0.1\"}},"
        + "{\"traceId\":\"1\",\"id\":\"3\",\"timestamp\":1,\"localEndpoint\":{\"serviceName\":\"OTLPResourceNoServiceName\"}}]");

    assertThat(r.getResourceSpansCount()).isEqualTo(1);
    assertThat(r.getResourceSpans(0).getResource().getAttributesList()).isEmpty();
    assertThat(r.getResourceSpans(0).getScopeSpans(0).getSpansCount()).isEqualTo(3);
  }

  @Test
  void resourceTags_moveToTheResource() throws Exception {
    ExportTraceServiceRequest r = translate("[" + span(
        "\"tags\":{\"telemetry.sdk.language\":\"java\",\"http.method\":\"GET\",\"host.name\":\"h1\"}") + "]");

    assertThat(attributes(r.getResourceSpans(0).getResource().getAttributesList())).containsExactly(
        Map.entry("service.name", str("Frontend")),
        Map.entry("telemetry.sdk.language", str("java")),
        Map.entry("host.name", str("h1")));
    assertThat(attributes(onlySpan(r).getAttributesList())).containsExactly(Map.entry("http.method", str("GET")));
  }

  @Test
  void spansWithDifferentResourceTags_getSeparateResources() throws Exception {
    ExportTraceServiceRequest r = translate("["
        + span("\"tags\":{\"host.name\":\"h1\"}") + ","
        + span("\"tags\":{\"host.name\":\"h2\"}") + "]");

    assertThat(r.getResourceSpansList()).extracting(rs -> attributes(rs.getResource().getAttributesList()).get("host.name"))
        .containsExactly(str("h1"), str("h2"));
  }

  @Test
  void serviceNameSourceTag_namesTheResourceKey() throws Exception {
    ExportTraceServiceRequest r = translate("[" + span("\"tags\":{\"otlp.service.name.source\":\"faas.name\"}") + "]");

    assertThat(attributes(r.getResourceSpans(0).getResource().getAttributesList()))
        .containsExactly(Map.entry("faas.name", str("Frontend")));
    assertThat(onlySpan(r).getAttributesList()).isEmpty();
  }

  @Test
  void localEndpointServiceName_winsOverServiceNameTag() throws Exception {
    ExportTraceServiceRequest r = translate("[" + span("\"tags\":{\"service.name\":\"other\"}") + "]");

    assertThat(attributes(r.getResourceSpans(0).getResource().getAttributesList()))
        .containsExactly(Map.entry("service.name", str("Frontend")));
  }

  @Test
  void scopeTags_becomeTheInstrumentationScope() throws Exception {
    ExportTraceServiceRequest r = translate("["
        + span("\"tags\":{\"otel.scope.name\":\"io.opentelemetry.okhttp\",\"otel.scope.version\":\"2.1\",\"x\":\"y\"}") + ","
        + span("\"tags\":{\"otel.library.name\":\"legacy-lib\",\"otel.library.version\":\"0.9\"}") + ","
        + span("") + "]");

    ResourceSpans rs = r.getResourceSpans(0);
    assertThat(rs.getScopeSpansCount()).isEqualTo(3);
    assertThat(rs.getScopeSpans(0).getScope().getName()).isEqualTo("io.opentelemetry.okhttp");
    assertThat(rs.getScopeSpans(0).getScope().getVersion()).isEqualTo("2.1");
    assertThat(attributes(rs.getScopeSpans(0).getSpans(0).getAttributesList())).containsOnlyKeys("x");
    assertThat(rs.getScopeSpans(1).getScope().getName()).isEqualTo("legacy-lib");
    assertThat(rs.getScopeSpans(1).getScope().getVersion()).isEqualTo("0.9");
    assertThat(rs.getScopeSpans(1).getSpans(0).getAttributesList()).isEmpty();
    assertThat(rs.getScopeSpans(2).hasScope()).isFalse();
  }

  // ---------------------------------------------------------------- status

  @Test
  void otelStatusCodeAndDescription_becomeTheStatus() throws Exception {
    Span s = onlySpan(translate("[" + span(
        "\"tags\":{\"otel.status_code\":\"ERROR\",\"otel.status_description\":\"boom\",\"k\":\"v\"}") + "]"));

    assertThat(s.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
    assertThat(s.getStatus().getMessage()).isEqualTo("boom");
    assertThat(attributes(s.getAttributesList())).containsOnlyKeys("k");
  }

  @Test
  void statusCodeSpellings_ofOtelcolAndExporters_areUnderstood() throws Exception {
    assertThat(onlySpan(translate("[" + span("\"tags\":{\"otel.status_code\":\"STATUS_CODE_OK\"}") + "]"))
        .getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_OK);
    assertThat(onlySpan(translate("[" + span("\"tags\":{\"otel.status_code\":\"Ok\"}") + "]"))
        .getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_OK);
    assertThat(onlySpan(translate("[" + span("\"tags\":{\"otel.status_code\":\"Error\"}") + "]"))
        .getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
    assertThat(onlySpan(translate("[" + span("\"tags\":{\"otel.status_code\":\"Unset\"}") + "]"))
        .getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_UNSET);
  }

  @Test
  void unknownStatusCode_staysAnAttribute() throws Exception {
    Span s = onlySpan(translate("[" + span("\"tags\":{\"otel.status_code\":\"MAYBE\"}") + "]"));

    assertThat(s.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_UNSET);
    assertThat(attributes(s.getAttributesList())).containsEntry("otel.status_code", str("MAYBE"));
  }

  @Test
  void errorTrue_givesErrorStatusAndIsConsumed() throws Exception {
    Span s = onlySpan(translate("[" + span("\"tags\":{\"error\":\"true\"}") + "]"));

    assertThat(s.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
    assertThat(s.getStatus().getMessage()).isEmpty();
    assertThat(s.getAttributesList()).isEmpty();
  }

  @Test
  void errorMessageTag_givesErrorStatusWithMessageAndStaysAnAttribute() throws Exception {
    Span s = onlySpan(translate("[" + span("\"tags\":{\"error\":\"NullPointerException\"}") + "]"));

    assertThat(s.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
    assertThat(s.getStatus().getMessage()).isEqualTo("NullPointerException");
    assertThat(attributes(s.getAttributesList())).containsEntry("error", str("NullPointerException"));
  }

  @Test
  void errorTag_overridesAnOkStatusButKeepsItsDescription() throws Exception {
    Span s = onlySpan(translate("[" + span(
        "\"tags\":{\"otel.status_code\":\"OK\",\"otel.status_description\":\"d\",\"error\":\"x\"}") + "]"));

    assertThat(s.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
    assertThat(s.getStatus().getMessage()).isEqualTo("d");
  }

  @Test
  void statusDescriptionWithoutCode_staysAnAttribute() throws Exception {
    Span s = onlySpan(translate("[" + span("\"tags\":{\"otel.status_description\":\"d\"}") + "]"));

    assertThat(s.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_UNSET);
    assertThat(attributes(s.getAttributesList())).containsEntry("otel.status_description", str("d"));
  }

  // ---------------------------------------------------------------- tags, trace state, links

  @Test
  void tags_becomeStringAttributesInOrder() throws Exception {
    Span s = onlySpan(translate("[" + span("\"tags\":{\"b\":\"2\",\"a\":\"true\",\"c\":\"1.5\",\"d\":\"x\"}") + "]"));

    assertThat(attributes(s.getAttributesList())).containsExactly(
        Map.entry("b", str("2")), Map.entry("a", str("true")), Map.entry("c", str("1.5")), Map.entry("d", str("x")));
  }

  @Test
  void parseStringTags_typesIntsDoublesAndBooleans() throws Exception {
    Span s = onlySpan(translate("[" + span("\"tags\":{\"i\":\"-42\",\"d\":\"1.5\",\"t\":\"true\",\"f\":\"false\","
        + "\"s\":\"True\",\"e\":\"1e5\",\"big\":\"99999999999999999999\",\"v\":\"1.2.3\",\"empty\":\"\"}") + "]", true));

    assertThat(attributes(s.getAttributesList())).containsExactly(
        Map.entry("i", integer(-42)), Map.entry("d", dbl(1.5)), Map.entry("t", bool(true)), Map.entry("f", bool(false)),
        Map.entry("s", str("True")), Map.entry("e", str("1e5")), Map.entry("big", str("99999999999999999999")),
        Map.entry("v", str("1.2.3")), Map.entry("empty", str("")));
  }

  @Test
  void nonStringTagValues_keepTheirText() throws Exception {
    Span s = onlySpan(translate("[" + span("\"tags\":{\"n\":42,\"b\":true}") + "]"));

    assertThat(attributes(s.getAttributesList())).containsExactly(Map.entry("n", str("42")), Map.entry("b", str("true")));
  }

  @Test
  void w3cTraceStateTag_becomesTheTraceState() throws Exception {
    Span s = onlySpan(translate("[" + span("\"tags\":{\"w3c.tracestate\":\"vendor=abc,other=1\"}") + "]"));

    assertThat(s.getTraceState()).isEqualTo("vendor=abc,other=1");
    assertThat(s.getAttributesList()).isEmpty();
  }

  @Test
  void linkTags_becomeLinks() throws Exception {
    Span s = onlySpan(translate("[" + span("\"tags\":{"
        + "\"otlp.link.0\":\"" + TRACE_128 + "|" + PARENT_ID + "|k=v|{\\\"a\\\":\\\"b\\\",\\\"n\\\":3,\\\"x\\\":1.5}|2\","
        + "\"otlp.link.1\":\"not a link\"}") + "]"));

    assertThat(s.getLinksCount()).isEqualTo(1);
    Span.Link link = s.getLinks(0);
    assertThat(Hex.encode(link.getTraceId())).isEqualTo(TRACE_128);
    assertThat(Hex.encode(link.getSpanId())).isEqualTo(PARENT_ID);
    assertThat(link.getTraceState()).isEqualTo("k=v");
    assertThat(link.getDroppedAttributesCount()).isEqualTo(2);
    assertThat(attributes(link.getAttributesList()))
        .containsExactly(Map.entry("a", str("b")), Map.entry("n", integer(3)), Map.entry("x", dbl(1.5)));
    assertThat(attributes(s.getAttributesList())).containsExactly(Map.entry("otlp.link.1", str("not a link")));
  }

  // ---------------------------------------------------------------- annotations

  @Test
  void annotations_becomeEvents() throws Exception {
    Span s = onlySpan(translate("[" + span("\"annotations\":["
        + "{\"timestamp\":1700000000200000,\"value\":\"cache miss\"},"
        + "{\"timestamp\":1700000000300000,\"value\":\"exception|{\\\"exception.type\\\":\\\"IOException\\\",\\\"n\\\":2}|1\"},"
        + "{\"timestamp\":1700000000400000,\"value\":\"a|b|c\"}]") + "]"));

    assertThat(s.getEventsCount()).isEqualTo(3);
    assertThat(s.getEvents(0).getName()).isEqualTo("cache miss");
    assertThat(s.getEvents(0).getTimeUnixNano()).isEqualTo(1_700_000_000_200_000_000L);
    assertThat(s.getEvents(1).getName()).isEqualTo("exception");
    assertThat(s.getEvents(1).getDroppedAttributesCount()).isEqualTo(1);
    assertThat(attributes(s.getEvents(1).getAttributesList()))
        .containsExactly(Map.entry("exception.type", str("IOException")), Map.entry("n", integer(2)));
    assertThat(s.getEvents(2).getName()).isEqualTo("a|b|c");
    assertThat(s.getEvents(2).getAttributesList()).isEmpty();
  }

  // ---------------------------------------------------------------- endpoints, flags

  @Test
  void endpoints_becomeNetAndPeerAttributes() throws Exception {
    Span s = onlySpan(translate("[{\"traceId\":\"1\",\"id\":\"1\",\"timestamp\":1,"
        + "\"localEndpoint\":{\"serviceName\":\"a\",\"ipv4\":\"192.168.99.1\",\"port\":3306},"
        + "\"remoteEndpoint\":{\"serviceName\":\"MySQL\",\"ipv6\":\"2001:DB8:0:0:0:0:0:1\",\"port\":58648}}]"));

    assertThat(attributes(s.getAttributesList())).containsExactly(
        Map.entry("net.host.ip", str("192.168.99.1")),
        Map.entry("net.host.port", integer(3306)),
        Map.entry("peer.service", str("MySQL")),
        Map.entry("net.peer.ip", str("2001:db8::1")),
        Map.entry("net.peer.port", integer(58648)));
  }

  @Test
  void ipv6_winsOverIpv4AsInOtelcol() throws Exception {
    Span s = onlySpan(translate("[{\"traceId\":\"1\",\"id\":\"1\",\"timestamp\":1,"
        + "\"remoteEndpoint\":{\"ipv4\":\"10.0.0.1\",\"ipv6\":\"::1\"}}]"));

    assertThat(attributes(s.getAttributesList())).containsExactly(Map.entry("net.peer.ip", str("::1")));
  }

  @Test
  void sharedAndDebugFlags_becomeAttributesWhenTrue() throws Exception {
    Span flagged = onlySpan(translate("[" + span("\"shared\":true,\"debug\":true") + "]"));
    Span plain = onlySpan(translate("[" + span("\"shared\":false,\"debug\":false") + "]"));

    assertThat(attributes(flagged.getAttributesList()))
        .containsExactly(Map.entry("zipkin.shared", bool(true)), Map.entry("zipkin.debug", bool(true)));
    assertThat(plain.getAttributesList()).isEmpty();
  }

  // ---------------------------------------------------------------- JSON decoding

  @Test
  void emptyList_decodesToNoSpans() throws Exception {
    assertThat(translate("[]").getResourceSpansCount()).isZero();
  }

  @Test
  void unknownFieldsAndNulls_areIgnored() throws Exception {
    Span s = onlySpan(translate("[{\"traceId\":\"1\",\"id\":\"1\",\"timestamp\":1,\"parentId\":null,\"kind\":null,"
        + "\"future\":{\"nested\":[1,2,{\"x\":3}]},\"localEndpoint\":{\"serviceName\":\"s\",\"extra\":[1]}}]"));

    assertThat(s.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_UNSPECIFIED);
  }

  @Test
  void malformedJson_isRefusedWithItsPosition() {
    assertThat(decodeError("[{\"traceId\":\"1\",")).startsWith("malformed JSON: ").contains("line 1");
  }

  @Test
  void nonList_isRefused() {
    assertThat(decodeError("{\"traceId\":\"1\"}")).startsWith("expected a JSON list of Zipkin v2 spans");
  }

  @Test
  void trailingContent_isRefused() {
    assertThat(decodeError("[] []")).isEqualTo("unexpected content after the list of spans");
  }

  @Test
  void missingIds_areRefused() {
    assertThat(decodeError("[{\"id\":\"1\"}]")).isEqualTo("span[0].traceId: is required");
    assertThat(decodeError("[{\"traceId\":\"1\"}]")).isEqualTo("span[0].id: is required");
  }

  @Test
  void invalidIds_areRefusedNamingTheSpan() {
    assertThat(decodeError("[{\"traceId\":\"1\",\"id\":\"1\"},{\"traceId\":\"xyz\",\"id\":\"1\"}]"))
        .isEqualTo("span[1].traceId: expected 1 to 32 hex characters, got 'xyz'");
    assertThat(decodeError("[{\"traceId\":\"1\",\"id\":\"00000000000000001\"}]"))
        .isEqualTo("span[0].id: expected 1 to 16 hex characters, got '00000000000000001'");
    assertThat(decodeError("[{\"traceId\":\"0\",\"id\":\"1\"}]")).isEqualTo("span[0]: traceId must not be all zeros");
    assertThat(decodeError("[{\"traceId\":\"1\",\"id\":\"0000000000000000\"}]")).isEqualTo("span[0]: id must not be all zeros");
  }

  @Test
  void badFieldTypes_areRefused() {
    assertThat(decodeError("[{\"traceId\":\"1\",\"id\":\"1\",\"timestamp\":-1}]"))
        .isEqualTo("span[0].timestamp: must not be negative, got -1");
    assertThat(decodeError("[{\"traceId\":\"1\",\"id\":\"1\",\"timestamp\":\"soon\"}]"))
        .isEqualTo("span[0].timestamp: expected epoch microseconds as a number, got 'soon'");
    assertThat(decodeError("[{\"traceId\":\"1\",\"id\":\"1\",\"tags\":{\"a\":{\"b\":1}}}]"))
        .isEqualTo("span[0].tags.a: expected a string, got an object");
    assertThat(decodeError("[{\"traceId\":\"1\",\"id\":\"1\",\"debug\":\"yes\"}]"))
        .isEqualTo("span[0].debug: expected true or false, got 'yes'");
    assertThat(decodeError("[{\"traceId\":\"1\",\"id\":\"1\",\"timestamp\":99999999999999999999}]"))
        .startsWith("span[0].timestamp: number out of range");
    assertThat(decodeError("[{\"traceId\":\"1\",\"id\":\"1\",\"duration\":1e30}]"))
        .isEqualTo("span[0].duration: number out of range: 1e30");
  }

  @Test
  void everyBadSpan_isCountedAndTheFirstIsNamed() {
    String json = "[{\"traceId\":\"1\",\"id\":\"1\"}, 7, {\"traceId\":\"zz\",\"id\":\"1\"}, {\"traceId\":\"1\",\"id\":\"1\"}]";
    assertThatThrownBy(() -> ZipkinJsonDecoder.decode(json.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOfSatisfying(ZipkinDecodeException.class, e -> {
          assertThat(e.getMessage()).isEqualTo("span[1]: expected an object, got 7 (and 1 more problem)");
          assertThat(e.spanCount()).isEqualTo(4);
        });
  }

  // ---------------------------------------------------------------- proto3 decoding

  private static List<zipkin2.Span> modelSpans() {
    List<zipkin2.Span> spans = new ArrayList<>();
    spans.add(zipkin2.Span.newBuilder().traceId(TRACE_128).id(SPAN_ID).parentId(PARENT_ID).name("get /users")
        .kind(zipkin2.Span.Kind.SERVER).timestamp(1_700_000_000_123_456L).duration(1500)
        .localEndpoint(Endpoint.newBuilder().serviceName("frontend").ip("192.168.99.1").port(8080).build())
        .remoteEndpoint(Endpoint.newBuilder().serviceName("client").ip("2001:db8::1").port(51234).build())
        .addAnnotation(1_700_000_000_200_000L, "cache miss")
        .putTag("http.method", "GET").putTag("error", "boom")
        .shared(true).debug(true).build());
    spans.add(zipkin2.Span.newBuilder().traceId("48485a3953bb6124").id("1").name("local")
        .timestamp(1_700_000_000_000_001L).build());
    return spans;
  }

  @Test
  void proto3AndJson_encodingsOfTheSameSpans_decodeIdentically() throws Exception {
    byte[] proto = SpanBytesEncoder.PROTO3.encodeList(modelSpans());
    byte[] json = SpanBytesEncoder.JSON_V2.encodeList(modelSpans());

    List<ZipkinSpan> fromProto = ZipkinProtoDecoder.decode(proto);
    List<ZipkinSpan> fromJson = ZipkinJsonDecoder.decode(json);

    assertThat(fromProto).hasSize(2).isEqualTo(fromJson);
    ZipkinSpan first = fromProto.get(0);
    assertThat(first.kind()).isEqualTo(ZipkinSpan.Kind.SERVER);
    assertThat(first.localEndpoint()).isEqualTo(new ZipkinSpan.Endpoint("frontend", "192.168.99.1", null, 8080));
    assertThat(first.remoteEndpoint()).isEqualTo(new ZipkinSpan.Endpoint("client", null, "2001:db8::1", 51234));
    assertThat(first.shared()).isTrue();
    assertThat(first.debug()).isTrue();
    assertThat(first.tags()).containsExactly(Map.entry("error", "boom"), Map.entry("http.method", "GET"));
  }

  @Test
  void proto3Span_translatesLikeJson() throws Exception {
    ExportTraceServiceRequest fromProto = new ZipkinTranslator(false)
        .translate(ZipkinProtoDecoder.decode(SpanBytesEncoder.PROTO3.encodeList(modelSpans())));
    ExportTraceServiceRequest fromJson = new ZipkinTranslator(false)
        .translate(ZipkinJsonDecoder.decode(SpanBytesEncoder.JSON_V2.encodeList(modelSpans())));

    assertThat(fromProto).isEqualTo(fromJson);
    Span server = fromProto.getResourceSpans(0).getScopeSpans(0).getSpans(0);
    assertThat(server.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
    assertThat(server.getStatus().getMessage()).isEqualTo("boom");
  }

  @Test
  void garbageProto_isRefused() {
    assertThatThrownBy(() -> ZipkinProtoDecoder.decode("[{\"not\":\"proto\"}]".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(ZipkinDecodeException.class)
        .hasMessageStartingWith("malformed protobuf");
    assertThatThrownBy(() -> ZipkinProtoDecoder.decode(new byte[] {0x0a, 0x7f, 0x01}))
        .isInstanceOf(ZipkinDecodeException.class)
        .hasMessageStartingWith("malformed protobuf ListOfSpans: ");
  }

  @Test
  void protoSpanWithBadIdLength_isRefusedNamingTheSpan() {
    // ListOfSpans{spans: Span{trace_id: 3 bytes, id: 8 bytes}}
    byte[] body = {0x0a, 0x0f, 0x0a, 0x03, 1, 2, 3, 0x1a, 0x08, 1, 2, 3, 4, 5, 6, 7, 8};
    assertThatThrownBy(() -> ZipkinProtoDecoder.decode(body))
        .isInstanceOfSatisfying(ZipkinDecodeException.class, e -> {
          assertThat(e.getMessage()).isEqualTo("span[0]: trace_id must be 8 or 16 bytes, got 3");
          assertThat(e.spanCount()).isEqualTo(1);
        });
  }

  @Test
  void emptyProtoBody_decodesToNoSpans() throws Exception {
    assertThat(ZipkinProtoDecoder.decode(new byte[0])).isEmpty();
  }

  @Test
  void ipAddresses_areNormalisedWithoutResolvingNames() {
    assertThat(IpAddresses.normalize("0:0:0:0:0:0:0:1")).isEqualTo("::1");
    assertThat(IpAddresses.normalize("::ffff:1.2.3.4")).isEqualTo("1.2.3.4");
    assertThat(IpAddresses.normalize("10.1.2.3")).isEqualTo("10.1.2.3");
    assertThat(IpAddresses.normalize("example.com")).isEqualTo("example.com");
    assertThat(IpAddresses.format(new byte[] {10, 0, 0, 1})).isEqualTo("10.0.0.1");
    assertThat(IpAddresses.format(new byte[3])).isNull();
  }
}
