package dev.traceyard.store.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.JsonFormat;
import dev.traceyard.store.TestData;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.List;
import org.junit.jupiter.api.Test;

class OtlpValuesJsonTest {

  @Test
  void attributes_roundTripEveryValueType() {
    List<KeyValue> attrs = TestData.everyType("k.");
    assertThat(OtlpValuesJson.parseAttributes(OtlpValuesJson.attributes(attrs))).isEqualTo(attrs);
  }

  @Test
  void attributes_areOtlpJson_readableByProtobufsParser() throws Exception {
    List<KeyValue> attrs = TestData.everyType("k.");
    Resource.Builder parsed = Resource.newBuilder();
    JsonFormat.parser().merge("{\"attributes\":" + OtlpValuesJson.attributes(attrs) + "}", parsed);
    assertThat(parsed.getAttributesList()).isEqualTo(attrs);
  }

  @Test
  void specialDoubles_roundTrip() {
    for (double d : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, 1e-300}) {
      AnyValue v = AnyValue.newBuilder().setDoubleValue(d).build();
      assertThat(OtlpValuesJson.parseAnyValue(OtlpValuesJson.anyValue(v))).isEqualTo(v);
    }
  }

  @Test
  void emptyLists_areNull_andNullReadsAsEmpty() {
    assertThat(OtlpValuesJson.attributes(List.of())).isNull();
    assertThat(OtlpValuesJson.events(List.of())).isNull();
    assertThat(OtlpValuesJson.links(List.of())).isNull();
    assertThat(OtlpValuesJson.parseAttributes(null)).isEmpty();
    assertThat(OtlpValuesJson.parseEvents(null)).isEmpty();
  }

  @Test
  void eventsAndLinks_roundTrip() {
    Span full = TestData.fullTrace(TestData.traceId(1), 1_000).getResourceSpans(0).getScopeSpans(0).getSpans(0);
    assertThat(OtlpValuesJson.parseEvents(OtlpValuesJson.events(full.getEventsList()))).isEqualTo(full.getEventsList());
    assertThat(OtlpValuesJson.parseLinks(OtlpValuesJson.links(full.getLinksList()))).isEqualTo(full.getLinksList());
    assertThat(OtlpValuesJson.links(full.getLinksList())).contains("\"traceId\":\"" + TestData.traceId(999).toHex() + "\"");
  }

  @Test
  void spanExtras_roundTripTraceStateStatusMessageEventsAndLinks() {
    Span full = TestData.fullTrace(TestData.traceId(1), 1_000).getResourceSpans(0).getScopeSpans(0).getSpans(0);
    OtlpValuesJson.SpanExtras got = OtlpValuesJson.parseSpanExtras(OtlpValuesJson.spanExtras(full));
    assertThat(got.traceState()).isEqualTo("vendor=value,other=x");
    assertThat(got.statusMessage()).isEqualTo("payment failed");
    assertThat(got.events()).isEqualTo(full.getEventsList());
    assertThat(got.links()).isEqualTo(full.getLinksList());
  }

  @Test
  void spanExtras_isNullWithoutAnyOfThoseFields_andHoldsOnlyTheFieldsSet() {
    Span plain = Span.newBuilder().setName("x").setFlags(1).build();
    assertThat(OtlpValuesJson.spanExtras(plain)).isNull();
    assertThat(OtlpValuesJson.parseSpanExtras(null))
        .isEqualTo(new OtlpValuesJson.SpanExtras("", "", List.of(), List.of()));

    Span messageOnly = plain.toBuilder().setStatus(Status.newBuilder().setMessage("m\"\n")).build();
    String json = OtlpValuesJson.spanExtras(messageOnly);
    assertThat(json).isEqualTo("{\"statusMessage\":\"m\\\"\\n\"}");
    assertThat(OtlpValuesJson.parseSpanExtras(json))
        .isEqualTo(new OtlpValuesJson.SpanExtras("", "m\"\n", List.of(), List.of()));

    Span stateOnly = plain.toBuilder().setTraceState("k=v").build();
    assertThat(OtlpValuesJson.parseSpanExtras(OtlpValuesJson.spanExtras(stateOnly)))
        .isEqualTo(new OtlpValuesJson.SpanExtras("k=v", "", List.of(), List.of()));
  }
}
