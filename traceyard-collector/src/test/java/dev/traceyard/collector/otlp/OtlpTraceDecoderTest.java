package dev.traceyard.collector.otlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.io.ByteArrayOutputStream;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class OtlpTraceDecoderTest {
  private static final String[] TEXTS = {
      "", "GET", "GET /api/cart", "http.request.method", "grüße", "日本語のスパン名", "emoji 😀 in a name",
      "a much longer value that goes past a few machine words of bytes, to exercise the word-wise hash",
      "x".repeat(300)};

  @Test
  void givesTheSameMessagesAsProtobufForRandomRequests() throws Exception {
    SplittableRandom random = new SplittableRandom(7);
    long reparsed = OtlpTraceDecoder.REPARSED.sum();
    for (int i = 0; i < 300; i++) {
      ExportTraceServiceRequest request = randomRequest(random);
      byte[] bytes = request.toByteArray();
      ExportTraceServiceRequest first = OtlpTraceDecoder.parse(bytes);
      ExportTraceServiceRequest again = OtlpTraceDecoder.parse(bytes);
      assertThat(first).isEqualTo(request).isEqualTo(ExportTraceServiceRequest.parseFrom(bytes));
      assertThat(again).isEqualTo(request);
      assertThat(again.toByteArray()).isEqualTo(bytes);
    }
    assertThat(OtlpTraceDecoder.REPARSED.sum()).as("requests the fast path gave up on").isEqualTo(reparsed);
  }

  @Test
  void sharesRepeatedAttributesAndNamesBetweenRequests() throws Exception {
    KeyValue method = KeyValue.newBuilder().setKey("http.request.method")
        .setValue(AnyValue.newBuilder().setStringValue("GET")).build();
    ExportTraceServiceRequest request = request(Span.newBuilder().setTraceId(bytes(16, 1)).setSpanId(bytes(8, 2))
        .setName("GET /api/cart").addAttributes(method).build());
    Span a = span(OtlpTraceDecoder.parse(request.toByteArray()));
    Span b = span(OtlpTraceDecoder.parse(request.toByteArray()));

    assertThat(b.getAttributes(0)).isEqualTo(method).isSameAs(a.getAttributes(0));
    assertThat(b.getName()).isEqualTo("GET /api/cart").isSameAs(a.getName());
  }

  @Test
  void doesNotShareAttributesTooLongToRepeat() throws Exception {
    KeyValue statement = KeyValue.newBuilder().setKey("db.query.text")
        .setValue(AnyValue.newBuilder().setStringValue("SELECT " + "x, ".repeat(200) + "y FROM t")).build();
    ExportTraceServiceRequest request = request(Span.newBuilder().setTraceId(bytes(16, 1)).setSpanId(bytes(8, 2))
        .addAttributes(statement).build());

    Span a = span(OtlpTraceDecoder.parse(request.toByteArray()));
    Span b = span(OtlpTraceDecoder.parse(request.toByteArray()));

    assertThat(b.getAttributes(0)).isEqualTo(statement).isNotSameAs(a.getAttributes(0));
  }

  @Test
  void keepsUnknownFieldsAsProtobufDoes() throws Exception {
    UnknownFieldSet unknown = UnknownFieldSet.newBuilder()
        .addField(99, UnknownFieldSet.Field.newBuilder().addVarint(42).build()).build();
    Span span = Span.newBuilder().setTraceId(bytes(16, 1)).setSpanId(bytes(8, 2)).setName("s")
        .setUnknownFields(unknown).build();
    ResourceSpans rs = ResourceSpans.newBuilder().setUnknownFields(unknown)
        .addScopeSpans(ScopeSpans.newBuilder().addSpans(span)).build();
    byte[] bytes = ExportTraceServiceRequest.newBuilder().addResourceSpans(rs).build().toByteArray();

    long reparsed = OtlpTraceDecoder.REPARSED.sum();
    ExportTraceServiceRequest parsed = OtlpTraceDecoder.parse(bytes);

    assertThat(parsed).isEqualTo(ExportTraceServiceRequest.parseFrom(bytes));
    assertThat(span(parsed).getUnknownFields()).isEqualTo(unknown);
    assertThat(OtlpTraceDecoder.REPARSED.sum()).isEqualTo(reparsed + 1);
  }

  @Test
  void mergesASingularMessageGivenTwiceAsProtobufDoes() throws Exception {
    // Two status fields in one span: protobuf merges them (code from the first, message from the second).
    Span first = Span.newBuilder().setTraceId(bytes(16, 1)).setSpanId(bytes(8, 2))
        .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR)).build();
    Span second = Span.newBuilder().setStatus(Status.newBuilder().setMessage("boom")).setName("later").build();
    ByteArrayOutputStream spanBytes = new ByteArrayOutputStream();
    first.writeTo(spanBytes);
    second.writeTo(spanBytes);
    ByteString span = ByteString.copyFrom(spanBytes.toByteArray());
    ScopeSpans ss = ScopeSpans.newBuilder().setUnknownFields(UnknownFieldSet.newBuilder()
        .addField(ScopeSpans.SPANS_FIELD_NUMBER, UnknownFieldSet.Field.newBuilder().addLengthDelimited(span).build())
        .build()).build();
    byte[] bytes = ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(ss)).build().toByteArray();

    ExportTraceServiceRequest parsed = OtlpTraceDecoder.parse(bytes);

    assertThat(parsed).isEqualTo(ExportTraceServiceRequest.parseFrom(bytes));
    assertThat(span(parsed).getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
    assertThat(span(parsed).getStatus().getMessage()).isEqualTo("boom");
    assertThat(span(parsed).getName()).isEqualTo("later");
  }

  @Test
  void refusesValuesNestedTooDeepExactlyWhereProtobufDoes() throws Exception {
    // Around protobuf's nesting limit (100 messages), in a span's, a resource's and a scope's attributes.
    int agreedFailures = 0;
    for (int depth = 40; depth <= 52; depth++) {
      KeyValue deep = KeyValue.newBuilder().setKey("deep").setValue(nested(depth)).build();
      ExportTraceServiceRequest[] requests = {
          request(Span.newBuilder().setTraceId(bytes(16, 1)).setSpanId(bytes(8, 2)).addAttributes(deep).build()),
          ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
              .setResource(Resource.newBuilder().addAttributes(deep))).build(),
          ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
              .addScopeSpans(ScopeSpans.newBuilder().setScope(InstrumentationScope.newBuilder().addAttributes(deep))))
              .build()};
      for (ExportTraceServiceRequest r : requests) {
        byte[] bytes = r.toByteArray();
        Throwable expected = catchThrowable(() -> ExportTraceServiceRequest.parseFrom(bytes));
        if (expected == null) {
          assertThat(OtlpTraceDecoder.parse(bytes)).isEqualTo(r);
        } else {
          agreedFailures++;
          assertThatThrownBy(() -> OtlpTraceDecoder.parse(bytes)).isInstanceOf(InvalidProtocolBufferException.class)
              .hasMessage(expected.getMessage());
        }
      }
    }
    assertThat(agreedFailures).as("depths protobuf refuses").isGreaterThan(0).isLessThan(39);
  }

  private static AnyValue nested(int depth) {
    AnyValue v = AnyValue.newBuilder().setStringValue("leaf").build();
    for (int i = 1; i < depth; i++) {
      v = AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder().addValues(v)).build();
    }
    return v;
  }

  @Test
  void parsesARangeOfALargerArray() throws Exception {
    ExportTraceServiceRequest request = randomRequest(new SplittableRandom(3));
    byte[] bytes = request.toByteArray();
    byte[] padded = new byte[bytes.length + 20];
    java.util.Arrays.fill(padded, (byte) 0x0A);
    System.arraycopy(bytes, 0, padded, 7, bytes.length);

    assertThat(OtlpTraceDecoder.parse(padded, 7, bytes.length)).isEqualTo(request);
  }

  @Test
  void failsLikeProtobufOnTruncatedAndCorruptedRequests() throws Exception {
    SplittableRandom random = new SplittableRandom(11);
    int failures = 0;
    for (int i = 0; i < 2000; i++) {
      byte[] bytes = randomRequest(random).toByteArray();
      byte[] broken;
      if (i % 2 == 0) {
        broken = java.util.Arrays.copyOf(bytes, random.nextInt(bytes.length));
      } else {
        broken = bytes.clone();
        for (int k = 0; k < 3; k++) {
          broken[random.nextInt(broken.length)] = (byte) random.nextInt(256);
        }
      }
      Throwable expected = catchThrowable(() -> ExportTraceServiceRequest.parseFrom(broken));
      if (expected == null) {
        assertThat(OtlpTraceDecoder.parse(broken)).isEqualTo(ExportTraceServiceRequest.parseFrom(broken));
      } else {
        failures++;
        assertThatThrownBy(() -> OtlpTraceDecoder.parse(broken))
            .isInstanceOf(InvalidProtocolBufferException.class)
            .hasMessage(expected.getMessage());
      }
    }
    assertThat(failures).isGreaterThan(500);
  }

  @Test
  void stillMatchesWhenManyDistinctAttributesEvictEachOther() throws Exception {
    // More distinct attributes than cache slots: entries are overwritten, answers stay right.
    Span.Builder span = Span.newBuilder().setTraceId(bytes(16, 1)).setSpanId(bytes(8, 2));
    for (int i = 0; i < 20_000; i++) {
      span.addAttributes(KeyValue.newBuilder().setKey("k" + (i % 50))
          .setValue(AnyValue.newBuilder().setIntValue(i)));
    }
    byte[] bytes = request(span.build()).toByteArray();

    assertThat(OtlpTraceDecoder.parse(bytes)).isEqualTo(ExportTraceServiceRequest.parseFrom(bytes));
    assertThat(OtlpTraceDecoder.parse(bytes)).isEqualTo(ExportTraceServiceRequest.parseFrom(bytes));
  }

  @Test
  void hashesEqualBytesEquallyWhereverTheyAre() {
    byte[] a = "...http.request.method GET".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] b = "http.request.method GET".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    assertThat(OtlpTraceDecoder.hash(a, 3, b.length)).isEqualTo(OtlpTraceDecoder.hash(b, 0, b.length));
    assertThat(OtlpTraceDecoder.hash(b, 0, b.length - 1)).isNotEqualTo(OtlpTraceDecoder.hash(b, 0, b.length));
  }

  private static Span span(ExportTraceServiceRequest r) {
    return r.getResourceSpans(0).getScopeSpans(0).getSpans(0);
  }

  private static ExportTraceServiceRequest request(Span span) {
    return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .addScopeSpans(ScopeSpans.newBuilder().addSpans(span))).build();
  }

  private static ByteString bytes(int n, int seed) {
    byte[] b = new byte[n];
    new SplittableRandom(seed).nextBytes(b);
    return ByteString.copyFrom(b);
  }

  private static ExportTraceServiceRequest randomRequest(SplittableRandom r) {
    ExportTraceServiceRequest.Builder req = ExportTraceServiceRequest.newBuilder();
    for (int i = r.nextInt(1, 4); i > 0; i--) {
      ResourceSpans.Builder rs = ResourceSpans.newBuilder();
      if (r.nextBoolean()) {
        rs.setResource(Resource.newBuilder().addAttributes(kv(r, 0)).setDroppedAttributesCount(r.nextInt(3)));
      }
      if (r.nextInt(4) == 0) {
        rs.setSchemaUrl(text(r));
      }
      for (int j = r.nextInt(1, 3); j > 0; j--) {
        ScopeSpans.Builder ss = ScopeSpans.newBuilder();
        if (r.nextBoolean()) {
          ss.setScope(InstrumentationScope.newBuilder().setName(text(r)).setVersion(text(r)).addAttributes(kv(r, 0)));
        }
        if (r.nextInt(4) == 0) {
          ss.setSchemaUrl(text(r));
        }
        for (int k = r.nextInt(0, 6); k > 0; k--) {
          ss.addSpans(randomSpan(r));
        }
        rs.addScopeSpans(ss);
      }
      req.addResourceSpans(rs);
    }
    return req.build();
  }

  private static Span randomSpan(SplittableRandom r) {
    Span.Builder s = Span.newBuilder()
        .setTraceId(bytes(r.nextInt(4) == 0 ? r.nextInt(0, 20) : 16, r.nextInt()))
        .setSpanId(bytes(8, r.nextInt()))
        .setName(text(r))
        .setKindValue(r.nextInt(4) == 0 ? r.nextInt(0, 100) : r.nextInt(0, 6))
        .setStartTimeUnixNano(r.nextLong())
        .setEndTimeUnixNano(r.nextLong());
    if (r.nextBoolean()) {
      s.setParentSpanId(bytes(8, r.nextInt()));
    }
    if (r.nextInt(3) == 0) {
      s.setTraceState(text(r));
    }
    if (r.nextBoolean()) {
      s.setFlags(r.nextInt());
    }
    for (int i = r.nextInt(0, 12); i > 0; i--) {
      s.addAttributes(kv(r, 0));
    }
    if (r.nextInt(3) == 0) {
      s.setDroppedAttributesCount(r.nextInt(1, 1000));
    }
    for (int i = r.nextInt(0, 3); i > 0; i--) {
      s.addEvents(Span.Event.newBuilder().setName(text(r)).setTimeUnixNano(r.nextLong()).addAttributes(kv(r, 0))
          .setDroppedAttributesCount(r.nextInt(2)));
    }
    if (r.nextInt(3) == 0) {
      s.setDroppedEventsCount(r.nextInt(1, 9));
    }
    for (int i = r.nextInt(0, 2); i > 0; i--) {
      s.addLinks(Span.Link.newBuilder().setTraceId(bytes(16, r.nextInt())).setSpanId(bytes(8, r.nextInt()))
          .setTraceState(text(r)).addAttributes(kv(r, 0)).setFlags(r.nextInt()));
    }
    if (r.nextInt(3) == 0) {
      s.setDroppedLinksCount(r.nextInt(1, 9));
    }
    if (r.nextBoolean()) {
      s.setStatus(Status.newBuilder().setCodeValue(r.nextInt(0, 3)).setMessage(text(r)));
    }
    return s.build();
  }

  private static String text(SplittableRandom r) {
    String t = TEXTS[r.nextInt(TEXTS.length)];
    return r.nextInt(4) == 0 ? t + r.nextInt(10) : t;
  }

  private static KeyValue kv(SplittableRandom r, int depth) {
    AnyValue.Builder v = AnyValue.newBuilder();
    switch (r.nextInt(depth < 3 ? 9 : 6)) {
      case 0: v.setStringValue(text(r)); break;
      case 1: v.setIntValue(r.nextInt(-3, 1000)); break;
      case 2: v.setBoolValue(r.nextBoolean()); break;
      case 3: v.setDoubleValue(r.nextInt(0, 5) / 2.0); break;
      case 4: v.setBytesValue(bytes(r.nextInt(0, 12), r.nextInt())); break;
      case 5: break; // empty value
      case 6: v.setArrayValue(ArrayValue.newBuilder().addValues(kv(r, depth + 1).getValue())
          .addValues(kv(r, depth + 1).getValue())); break;
      case 7: v.setKvlistValue(KeyValueList.newBuilder().addValues(kv(r, depth + 1))); break;
      default: v.setStringValue("GET"); break;
    }
    return KeyValue.newBuilder().setKey(r.nextInt(5) == 0 ? text(r) : "key." + r.nextInt(6)).setValue(v).build();
  }
}
