package dev.traceyard.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.traceyard.collector.otlp.Hex;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Spans emitted through the real OpenTelemetry SDK with every field a span can carry, and the check that
 * an OTLP span (as it came out of Traceyard) is exactly the SDK's span.
 */
final class SdkSpans {
  private SdkSpans() {}

  static List<SpanData> emit(String service, SpanExporter exporter) {
    InMemorySpanExporter memory = InMemorySpanExporter.create();
    SdkTracerProvider provider = SdkTracerProvider.builder()
        .setResource(Resource.getDefault().merge(Resource.create(Attributes.builder()
            .put("service.name", service).put("service.version", "1.2.3").put("host.cpus", 8L).build())))
        .addSpanProcessor(SimpleSpanProcessor.create(memory))
        .addSpanProcessor(SimpleSpanProcessor.create(exporter))
        .build();
    Tracer tracer = provider.tracerBuilder("e2e-scope").setInstrumentationVersion("0.9").setSchemaUrl("https://opentelemetry.io/schemas/1.24.0").build();
    SpanContext remoteParent = SpanContext.createFromRemoteParent("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7",
        TraceFlags.getSampled(), TraceState.builder().put("vendor", "x1").build());
    SpanContext linked = SpanContext.create("5bf92f3577b34da6a3ce929d0e0e4736", "10f067aa0ba902b7",
        TraceFlags.getSampled(), TraceState.builder().put("other", "y").build());
    io.opentelemetry.api.trace.Span root = tracer.spanBuilder("GET /checkout")
        .setParent(Context.root().with(io.opentelemetry.api.trace.Span.wrap(remoteParent)))
        .setSpanKind(SpanKind.SERVER)
        .setStartTimestamp(1_700_000_000_000_000_001L, TimeUnit.NANOSECONDS)
        .setAttribute("http.route", "/checkout")
        .setAttribute("ok", true)
        .setAttribute("count", 42L)
        .setAttribute("ratio", 0.25)
        .setAttribute(AttributeKey.stringArrayKey("tags"), List.of("a", "b"))
        .setAttribute(AttributeKey.booleanArrayKey("flags"), List.of(true, false))
        .setAttribute(AttributeKey.longArrayKey("sizes"), List.of(1L, 2L, 3L))
        .setAttribute(AttributeKey.doubleArrayKey("weights"), List.of(0.5, 1.5))
        .addLink(linked, Attributes.of(AttributeKey.stringKey("link.kind"), "follows"))
        .startSpan();
    root.addEvent("cache miss", Attributes.of(AttributeKey.longKey("shard"), 3L), 1_700_000_000_000_000_500L, TimeUnit.NANOSECONDS);
    root.recordException(new IllegalStateException("boom"));
    root.setStatus(StatusCode.ERROR, "payment failed");
    io.opentelemetry.api.trace.Span child = tracer.spanBuilder("SELECT orders")
        .setParent(Context.root().with(root)).setSpanKind(SpanKind.CLIENT).startSpan();
    child.end();
    root.end(1_700_000_000_900_000_000L, TimeUnit.NANOSECONDS);
    CompletableResultCode flush = provider.forceFlush();
    assertThat(flush.join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    // Copy before shutdown: shutting the in-memory exporter down clears its list.
    List<SpanData> finished = new ArrayList<>(memory.getFinishedSpanItems());
    provider.shutdown().join(10, TimeUnit.SECONDS);
    return finished;
  }

  static void assertSame(SpanData s, ResourceSpans resource, ScopeSpans scope, Span p) {
    assertThat(Hex.encode(p.getTraceId())).isEqualTo(s.getTraceId());
    assertThat(p.getParentSpanId().isEmpty() ? "0000000000000000" : Hex.encode(p.getParentSpanId())).isEqualTo(s.getParentSpanId());
    assertThat(p.getName()).isEqualTo(s.getName());
    assertThat(p.getKindValue()).isEqualTo(s.getKind().ordinal() + 1);
    assertThat(p.getStartTimeUnixNano()).isEqualTo(s.getStartEpochNanos());
    assertThat(p.getEndTimeUnixNano()).isEqualTo(s.getEndEpochNanos());
    assertThat(p.getTraceState()).isEqualTo(w3c(s.getSpanContext().getTraceState()));
    assertThat(p.getStatus().getCodeValue()).isEqualTo(s.getStatus().getStatusCode() == StatusCode.ERROR ? 2
        : s.getStatus().getStatusCode() == StatusCode.OK ? 1 : 0);
    assertThat(p.getStatus().getMessage()).isEqualTo(s.getStatus().getDescription());
    assertThat(attributes(p.getAttributesList())).isEqualTo(attributes(s.getAttributes()));
    assertThat(p.getEventsCount()).isEqualTo(s.getEvents().size());
    for (int i = 0; i < s.getEvents().size(); i++) {
      EventData e = s.getEvents().get(i);
      assertThat(p.getEvents(i).getName()).isEqualTo(e.getName());
      assertThat(p.getEvents(i).getTimeUnixNano()).isEqualTo(e.getEpochNanos());
      assertThat(attributes(p.getEvents(i).getAttributesList())).isEqualTo(attributes(e.getAttributes()));
    }
    assertThat(p.getLinksCount()).isEqualTo(s.getLinks().size());
    for (int i = 0; i < s.getLinks().size(); i++) {
      LinkData l = s.getLinks().get(i);
      assertThat(Hex.encode(p.getLinks(i).getTraceId())).isEqualTo(l.getSpanContext().getTraceId());
      assertThat(Hex.encode(p.getLinks(i).getSpanId())).isEqualTo(l.getSpanContext().getSpanId());
      assertThat(p.getLinks(i).getTraceState()).isEqualTo(w3c(l.getSpanContext().getTraceState()));
      assertThat(attributes(p.getLinks(i).getAttributesList())).isEqualTo(attributes(l.getAttributes()));
    }
    assertThat(attributes(resource.getResource().getAttributesList())).isEqualTo(attributes(s.getResource().getAttributes()));
    assertThat(resource.getSchemaUrl()).isEqualTo(s.getResource().getSchemaUrl() == null ? "" : s.getResource().getSchemaUrl());
    assertThat(scope.getScope().getName()).isEqualTo(s.getInstrumentationScopeInfo().getName());
    assertThat(scope.getScope().getVersion()).isEqualTo(s.getInstrumentationScopeInfo().getVersion());
    assertThat(scope.getSchemaUrl()).isEqualTo(s.getInstrumentationScopeInfo().getSchemaUrl());
  }

  static String w3c(TraceState ts) {
    List<String> parts = new ArrayList<>();
    ts.forEach((k, v) -> parts.add(k + "=" + v));
    return String.join(",", parts);
  }

  /** Attributes rendered as key -> canonical string, typed, for comparing SDK and OTLP forms. */
  static Map<String, String> attributes(Attributes attrs) {
    Map<String, String> out = new HashMap<>();
    attrs.forEach((k, v) -> out.put(k.getKey(), k.getType().name().replace("_ARRAY", "") + ":" + v));
    return out;
  }

  static Map<String, String> attributes(List<io.opentelemetry.proto.common.v1.KeyValue> kvs) {
    Map<String, String> out = new HashMap<>();
    for (io.opentelemetry.proto.common.v1.KeyValue kv : kvs) {
      out.put(kv.getKey(), render(kv.getValue()));
    }
    return out;
  }

  static String render(AnyValue v) {
    switch (v.getValueCase()) {
      case STRING_VALUE:
        return "STRING:" + v.getStringValue();
      case BOOL_VALUE:
        return "BOOLEAN:" + v.getBoolValue();
      case INT_VALUE:
        return "LONG:" + v.getIntValue();
      case DOUBLE_VALUE:
        return "DOUBLE:" + v.getDoubleValue();
      case ARRAY_VALUE:
        List<String> items = new ArrayList<>();
        String type = "";
        for (AnyValue e : v.getArrayValue().getValuesList()) {
          String r = render(e);
          type = r.substring(0, r.indexOf(':'));
          items.add(r.substring(r.indexOf(':') + 1));
        }
        return type + ":[" + String.join(", ", items) + "]";
      default:
        return v.toString();
    }
  }

}
