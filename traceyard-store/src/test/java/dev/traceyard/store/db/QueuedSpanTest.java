package dev.traceyard.store.db;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.traceyard.collector.data.TraceBatch;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import org.junit.jupiter.api.Test;

class QueuedSpanTest {
  private static ByteString bytes(int n, int fill) {
    byte[] b = new byte[n];
    b[n - 1] = (byte) fill;
    return ByteString.copyFrom(b);
  }

  private static KeyValue str(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }

  private static Span span(int id, int parent, KeyValue... attrs) {
    Span.Builder b = Span.newBuilder().setTraceId(bytes(16, 1)).setSpanId(bytes(8, id)).setName("GET /cart")
        .setKind(Span.SpanKind.SPAN_KIND_SERVER).setStartTimeUnixNano(1_000).setEndTimeUnixNano(3_500)
        .setTraceState("k=v").setFlags(1).setDroppedAttributesCount(2).setDroppedEventsCount(3)
        .setDroppedLinksCount(4).setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR)
            .setMessage("boom"));
    if (parent != 0) {
      b.setParentSpanId(bytes(8, parent));
    }
    for (KeyValue kv : attrs) {
      b.addAttributes(kv);
    }
    return b.build();
  }

  /** A batch parsed from bytes, as the receiver hands it on: no object is shared with another batch. */
  private static TraceBatch parsed(Span... spans) throws Exception {
    ExportTraceServiceRequest req = ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(str("service.name", "cart")))
        .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(java.util.List.of(spans)))).build();
    return TraceBatch.of(ExportTraceServiceRequest.parseFrom(req.toByteArray()));
  }

  @Test
  void keepsEveryValueTheSpanRowNeeds() throws Exception {
    QueuedSpan q = QueuedSpan.of(parsed(span(7, 3, str("http.route", "/cart"))), new QueuedSpan.Interner())[0];

    assertThat(q.traceId.hi()).isZero();
    assertThat(q.traceId.lo()).isEqualTo(1);
    assertThat(q.spanId).isEqualTo(7);
    assertThat(q.hasParent).isTrue();
    assertThat(q.parentSpanId).isEqualTo(3);
    assertThat(q.name).isEqualTo("GET /cart");
    assertThat(q.kind).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER_VALUE);
    assertThat(q.start).isEqualTo(1_000);
    assertThat(q.end).isEqualTo(3_500);
    assertThat(q.traceState).isEqualTo("k=v");
    assertThat(q.flags).isEqualTo(1);
    assertThat(q.statusCode).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR_VALUE);
    assertThat(q.statusMessage).isEqualTo("boom");
    assertThat(q.droppedAttributes).isEqualTo(2);
    assertThat(q.droppedEvents).isEqualTo(3);
    assertThat(q.droppedLinks).isEqualTo(4);
    assertThat(q.eventsJson).isNull();
    assertThat(q.linksJson).isNull();
    assertThat(q.attributes).containsExactly(str("http.route", "/cart"));
    assertThat(q.resource.serviceName()).isEqualTo("cart");
  }

  @Test
  void rootSpanHasNoParent() throws Exception {
    QueuedSpan q = QueuedSpan.of(parsed(span(7, 0)), new QueuedSpan.Interner())[0];

    assertThat(q.hasParent).isFalse();
  }

  @Test
  void sharesEqualAttributesBetweenSpansOfDifferentBatches() throws Exception {
    QueuedSpan.Interner interner = new QueuedSpan.Interner();
    QueuedSpan a = QueuedSpan.of(parsed(span(1, 0, str("http.route", "/cart"), str("user", "u1"))), interner)[0];
    QueuedSpan b = QueuedSpan.of(parsed(span(2, 1, str("http.route", "/cart"), str("user", "u2"))), interner)[0];

    assertThat(b.attributes[0]).isSameAs(a.attributes[0]);
    assertThat(b.attributes[1]).isNotSameAs(a.attributes[1]).isEqualTo(str("user", "u2"));
    assertThat(interner.size()).isEqualTo(3);
  }

  @Test
  void keepsEqualLookingValuesOfDifferentTypesApart() throws Exception {
    KeyValue intOne = KeyValue.newBuilder().setKey("n").setValue(AnyValue.newBuilder().setIntValue(1)).build();
    KeyValue doubleOne = KeyValue.newBuilder().setKey("n").setValue(AnyValue.newBuilder().setDoubleValue(1.0)).build();
    KeyValue stringOne = str("n", "1");
    KeyValue boolTrue = KeyValue.newBuilder().setKey("n").setValue(AnyValue.newBuilder().setBoolValue(true)).build();
    QueuedSpan.Interner interner = new QueuedSpan.Interner();
    QueuedSpan a = QueuedSpan.of(parsed(span(1, 0, intOne, doubleOne, stringOne, boolTrue)), interner)[0];
    QueuedSpan b = QueuedSpan.of(parsed(span(2, 0, boolTrue, stringOne, doubleOne, intOne)), interner)[0];

    assertThat(a.attributes).containsExactly(intOne, doubleOne, stringOne, boolTrue);
    assertThat(b.attributes).containsExactly(boolTrue, stringOne, doubleOne, intOne);
    for (int i = 0; i < 4; i++) {
      assertThat(b.attributes[3 - i]).isSameAs(a.attributes[i]);
    }
    assertThat(interner.size()).isEqualTo(4);
  }

  @Test
  void keepsLongAndCompositeValuesUnshared() throws Exception {
    QueuedSpan.Interner interner = new QueuedSpan.Interner();
    KeyValue longValue = str("db.statement", "x".repeat(QueuedSpan.Interner.MAX_SHARED_CHARS));
    KeyValue array = KeyValue.newBuilder().setKey("tags").setValue(AnyValue.newBuilder()
        .setArrayValue(ArrayValue.newBuilder().addValues(AnyValue.newBuilder().setStringValue("a")))).build();
    QueuedSpan a = QueuedSpan.of(parsed(span(1, 0, longValue, array)), interner)[0];
    QueuedSpan b = QueuedSpan.of(parsed(span(2, 0, longValue, array)), interner)[0];

    assertThat(b.attributes[0]).isNotSameAs(a.attributes[0]).isEqualTo(a.attributes[0]);
    assertThat(b.attributes[1]).isNotSameAs(a.attributes[1]).isEqualTo(a.attributes[1]);
    assertThat(interner.size()).isZero();
  }

  @Test
  void startsOverWhenFull() {
    QueuedSpan.Interner interner = new QueuedSpan.Interner();
    for (int i = 0; i < QueuedSpan.Interner.MAX_ENTRIES; i++) {
      interner.intern(str("id", Integer.toString(i)));
    }
    assertThat(interner.size()).isEqualTo(QueuedSpan.Interner.MAX_ENTRIES);

    KeyValue next = str("id", "new");
    assertThat(interner.intern(next)).isSameAs(next);
    assertThat(interner.size()).isEqualTo(1);
  }

  @Test
  void leavesOutSpansWithInvalidIds() throws Exception {
    Span noTraceId = span(5, 0).toBuilder().setTraceId(ByteString.copyFrom(new byte[16])).build();

    QueuedSpan[] queued = QueuedSpan.of(parsed(span(4, 0), noTraceId), new QueuedSpan.Interner());

    assertThat(queued).hasSize(1);
    assertThat(queued[0].spanId).isEqualTo(4);
  }
}
