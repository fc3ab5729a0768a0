package dev.traceyard.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BaggageGuardTest {

  private static final TextMapGetter<Map<String, String>> MAP_GETTER =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
          return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
          return carrier == null ? null : carrier.get(key);
        }
      };

  private final TextMapPropagator w3c =
      TextMapPropagator.composite(W3CTraceContextPropagator.getInstance(), W3CBaggagePropagator.getInstance());

  private static Map<String, String> inject(TextMapPropagator propagator, Baggage baggage) {
    Map<String, String> headers = new HashMap<>();
    propagator.inject(Context.root().with(baggage), headers, Map::put);
    return headers;
  }

  @Test
  void neverInjectsDeniedKeysWhateverTheirCase() {
    BaggageGuard guard = BaggageGuard.wrap(w3c);
    Baggage baggage =
        Baggage.builder()
            .put("tenant", "acme")
            .put("Authorization", "Bearer abc")
            .put("user.email", "a@b.c")
            .put("session_TOKEN", "xyz")
            .put("db.password", "hunter2")
            .put("client-secret", "s")
            .put("Cookie", "sid=1")
            .build();
    Map<String, String> headers = inject(guard, baggage);
    assertThat(headers.get("baggage")).isEqualTo("tenant=acme");
    assertThat(guard.droppedCount(true, true)).isEqualTo(6);
  }

  @Test
  void enforcesEntryAndByteLimitsOnInject() {
    BaggageGuard byEntries = BaggageGuard.builder(w3c).maxEntries(2).build();
    var builder = Baggage.builder();
    for (int i = 0; i < 5; i++) {
      builder.put("k" + i, "v" + i);
    }
    assertThat(inject(byEntries, builder.build()).get("baggage").split(",")).hasSize(2);
    assertThat(byEntries.droppedCount(true, false)).isEqualTo(3);

    BaggageGuard byBytes = BaggageGuard.builder(w3c).maxBytes(40).build();
    Baggage big = Baggage.builder().put("a", "x".repeat(30)).put("b", "y".repeat(30)).build();
    String header = inject(byBytes, big).get("baggage");
    assertThat(header).isEqualTo("a=" + "x".repeat(30));
    assertThat(byBytes.droppedCount(true, false)).isEqualTo(1);
  }

  @Test
  void dropsDeniedAndOversizedBaggageOnExtractButKeepsTheTraceContext() {
    BaggageGuard guard = BaggageGuard.builder(w3c).maxEntries(2).build();
    Map<String, String> incoming =
        Map.of(
            "traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            "baggage", "a=1,b=2,c=3,api_token=t0p");
    Context extracted = guard.extract(Context.root(), incoming, MAP_GETTER);
    Baggage baggage = Baggage.fromContext(extracted);
    assertThat(baggage.asMap().keySet()).containsExactly("a", "b");
    assertThat(io.opentelemetry.api.trace.Span.fromContext(extracted).getSpanContext().getTraceId())
        .isEqualTo("0af7651916cd43dd8448eb211c80319c");
    assertThat(guard.droppedCount(false, true)).isEqualTo(1);
    assertThat(guard.droppedCount(false, false)).isEqualTo(1);
  }

  @Test
  void leavesCleanBaggageUntouched() {
    BaggageGuard guard = BaggageGuard.wrap(w3c);
    Baggage baggage = Baggage.builder().put("tenant", "acme").put("region", "eu").build();
    assertThat(inject(guard, baggage)).isEqualTo(inject(w3c, baggage));
    assertThat(guard.droppedCount()).isZero();
  }

  @Test
  void denyListIsConfigurable() {
    BaggageGuard guard = BaggageGuard.builder(w3c).deniedKeyParts(List.of("Internal")).build();
    Baggage baggage = Baggage.builder().put("internal.route", "x").put("user.email", "kept").build();
    assertThat(inject(guard, baggage).get("baggage")).isEqualTo("user.email=kept");
    assertThatThrownBy(() -> BaggageGuard.builder(w3c).deniedKeyParts(List.of(" ")))
        .hasMessageContaining("blank");
    assertThatThrownBy(() -> BaggageGuard.builder(w3c).maxEntries(-1)).hasMessageContaining("maxEntries");
  }

  @Test
  void countsDropsAsAMetricByDirectionAndReason() {
    InMemoryMetricReader reader = InMemoryMetricReader.create();
    try (SdkMeterProvider meters = SdkMeterProvider.builder().registerMetricReader(reader).build()) {
      BaggageGuard guard = BaggageGuard.wrap(w3c);
      guard.registerMetrics(meters.get("test"));
      inject(guard, Baggage.builder().put("password", "x").put("ok", "y").build());
      guard.extract(Context.root(), Map.of("baggage", "cookie=1,email=2"), MAP_GETTER);
      var metric =
          reader.collectAllMetrics().stream()
              .filter(m -> m.getName().equals(BaggageGuard.DROPPED_METRIC))
              .findFirst()
              .orElseThrow();
      Map<Attributes, Long> points = new HashMap<>();
      for (LongPointData point : metric.getLongSumData().getPoints()) {
        points.put(point.getAttributes(), point.getValue());
      }
      AttributeKey<String> direction = AttributeKey.stringKey("direction");
      AttributeKey<String> reason = AttributeKey.stringKey("reason");
      assertThat(points)
          .containsEntry(Attributes.of(direction, "inject", reason, "denied_key"), 1L)
          .containsEntry(Attributes.of(direction, "extract", reason, "denied_key"), 2L)
          .containsEntry(Attributes.of(direction, "inject", reason, "limit"), 0L);
    }
  }
}
