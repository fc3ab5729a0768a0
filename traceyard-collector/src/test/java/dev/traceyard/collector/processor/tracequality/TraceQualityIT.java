package dev.traceyard.collector.processor.tracequality;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.LogBatch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.service.Service;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import dev.traceyard.collector.testing.TestServices;
import dev.traceyard.collector.testing.TestComponents.RecordingExporter;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.IdGenerator;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A collector built from YAML with {@code trace_quality} in its traces pipeline and the findings
 * delivered into its logs pipeline; every scenario is an app on the OpenTelemetry Java SDK that makes
 * one classic mistake on purpose and exports over OTLP gRPC to the collector's receiver. Calls between
 * services go through the W3C propagator (inject into a header map, extract on the other side) as an
 * HTTP client and server would. Each scenario uses its own service names, so they share one collector.
 */
class TraceQualityIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final String CONFIG = String.join("\n",
      "receivers:",
      "  otlp:",
      "    protocols:",
      "      grpc:",
      "        endpoint: 127.0.0.1:0",
      "processors:",
      "  trace_quality:",
      "    trace_window: 1s",
      "    report_interval: 1s",
      "    max_traces: 200000",
      "    max_queued_spans: 500000",
      "    findings_pipelines: [logs]",
      "    clock_skew_tolerance: 100ms",
      "    cardinality:",
      "      action: move_to_event",
      "      keys: {user.email: hash}",
      "    limits: {max_attributes: 64, max_attribute_value_bytes: 4096}",
      "exporters:",
      "  recording/traces:",
      "  recording/findings:",
      "service:",
      "  telemetry: {metrics: {level: none}}",
      "  pipelines:",
      "    traces:",
      "      receivers: [otlp]",
      "      processors: [trace_quality]",
      "      exporters: [recording/traces]",
      "    logs:",
      "      receivers: [otlp]",
      "      exporters: [recording/findings]",
      "");
  private static final TextMapGetter<Map<String, String>> GETTER = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(Map<String, String> carrier) {
      return carrier.keySet();
    }

    @Override
    public String get(Map<String, String> carrier, String key) {
      return carrier == null ? null : carrier.get(key);
    }
  };

  private static final SelfTelemetry TELEMETRY = SelfTelemetry.forTesting();
  private static Service service;
  private static String endpoint;

  @BeforeAll
  static void start() throws Exception {
    service = TestServices.start("q.yaml", CONFIG, TELEMETRY);
    endpoint = TestServices.otlpGrpcEndpoint(service);
  }

  @AfterAll
  static void stop() {
    if (service != null) {
      service.shutdown(TIMEOUT);
    }
  }

  // ------------------------------------------------------------------ apps

  /** One instrumented service: its own SDK, exporting over OTLP gRPC to the collector. */
  private static final class App implements AutoCloseable {
    final SdkTracerProvider provider;
    final Tracer tracer;

    App(String service, Sampler sampler, IdGenerator ids, boolean fullIdentity, Attributes extra) {
      var attrs = Attributes.builder().putAll(extra);
      if (service != null) {
        attrs.put("service.name", service);
      }
      if (fullIdentity) {
        attrs.put("service.version", "1.4.2").put("deployment.environment.name", "it");
      }
      OtlpGrpcSpanExporter exporter = OtlpGrpcSpanExporter.builder().setEndpoint(endpoint).setTimeout(TIMEOUT).build();
      // Batching as in production; a simple processor's one export per span overruns the exporter's client.
      SpanProcessor processor = BatchSpanProcessor.builder(exporter).setMaxQueueSize(200_000)
          .setMaxExportBatchSize(4096).setScheduleDelay(Duration.ofMillis(100)).build();
      var b = SdkTracerProvider.builder().setResource(Resource.getDefault().merge(Resource.create(attrs.build())))
          .setSampler(sampler).addSpanProcessor(processor);
      if (ids != null) {
        b.setIdGenerator(ids);
      }
      provider = b.build();
      tracer = provider.get("it.trace_quality");
    }

    static App of(String service) {
      return new App(service, Sampler.parentBased(Sampler.alwaysOn()), null, true, Attributes.empty());
    }

    @Override
    public void close() {
      provider.forceFlush().join(60, TimeUnit.SECONDS);
      provider.close();
    }
  }

  /** What an HTTP client does: headers carrying the current context. */
  private static Map<String, String> inject(Context context) {
    Map<String, String> headers = new HashMap<>();
    W3CTraceContextPropagator.getInstance().inject(context, headers, Map::put);
    return headers;
  }

  private static Context extract(Map<String, String> headers) {
    return W3CTraceContextPropagator.getInstance().extract(Context.root(), headers, GETTER);
  }

  /** A well-instrumented call: CLIENT span with server address, SERVER span extracted on the other side. */
  private static void call(Tracer client, App server, String route, Runnable work) {
    Span c = client.spanBuilder("POST").setSpanKind(SpanKind.CLIENT).setAttribute("http.request.method", "POST")
        .setAttribute("server.address", "payments").setAttribute("server.port", 8443L).startSpan();
    try (Scope ignored = c.makeCurrent()) {
      Map<String, String> headers = inject(Context.current());
      Span s = server.tracer.spanBuilder(route).setSpanKind(SpanKind.SERVER).setParent(extract(headers))
          .setAttribute("http.request.method", "POST").setAttribute("http.route", route).startSpan();
      try (Scope inner = s.makeCurrent()) {
        work.run();
      } finally {
        s.end();
      }
    } finally {
      c.end();
    }
  }

  // ------------------------------------------------------------------ reading the findings

  /** Every record delivered so far for {@code service}, as its event name and attributes. */
  private static List<Map<String, Object>> records(String service, String event) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Batch b : ((RecordingExporter) TraceQualityIT.service.exporter(ComponentId.parse("recording/findings"))).batches) {
      for (ResourceLogs rl : ((LogBatch) b).request().getResourceLogsList()) {
        String svc = "";
        boolean internal = false;
        for (KeyValue kv : rl.getResource().getAttributesList()) {
          if (kv.getKey().equals("service.name")) {
            svc = kv.getValue().getStringValue();
          }
          internal |= kv.getKey().equals("traceyard.internal") && kv.getValue().getBoolValue();
        }
        if (!svc.equals(service)) {
          continue;
        }
        for (ScopeLogs sl : rl.getScopeLogsList()) {
          for (LogRecord r : sl.getLogRecordsList()) {
            if (!r.getEventName().equals(event)) {
              continue;
            }
            Map<String, Object> m = new LinkedHashMap<>(QualityFixtures.attrs(r));
            m.put("internal", internal);
            m.put("scope", sl.getScope().getName());
            m.put("trace_id", io.opentelemetry.api.trace.TraceId.fromBytes(r.getTraceId().toByteArray()));
            out.add(m);
          }
        }
      }
    }
    return out;
  }

  private static List<Map<String, Object>> findings(String service) {
    return records(service, Records.FINDING);
  }

  private static List<Map<String, Object>> awaitFinding(String service, String kind) {
    return await().atMost(TIMEOUT).until(() -> findings(service).stream()
        .filter(m -> kind.equals(m.get("quality.kind"))).toList(), l -> !l.isEmpty());
  }

  /** Waits until no trace waits for its window and a report interval has ended since. */
  private static void awaitWindowsClosedAndReported() {
    await().atMost(TIMEOUT).until(() -> TELEMETRY.value(TraceQualityMetrics.TRACES_IN_MEMORY, "trace_quality") == 0);
    double reports = TELEMETRY.value(TraceQualityMetrics.REPORTS, "trace_quality");
    await().atMost(TIMEOUT).until(() -> TELEMETRY.value(TraceQualityMetrics.REPORTS, "trace_quality") > reports);
  }

  private static long allSpans(String service) {
    return sum(records(service, Records.COST).stream().filter(m -> "*".equals(m.get("cost.span_name"))).toList(),
        "cost.spans");
  }

  /** Waits until the findings of {@code kind} for {@code service} add up to {@code count}. */
  private static void awaitCount(String service, String kind, long count) {
    await().atMost(TIMEOUT).untilAsserted(() -> {
      List<Map<String, Object>> f = findings(service);
      assertThat(sum(f.stream().filter(m -> kind.equals(m.get("quality.kind"))).toList(), "quality.count"))
          .as(f.toString()).isEqualTo(count);
    });
  }

  private static long sum(List<Map<String, Object>> records, String key) {
    return records.stream().mapToLong(m -> (Long) m.get(key)).sum();
  }

  // ------------------------------------------------------------------ scenarios

  @Test
  void aCleanMultiServiceAppProducesNoFindings() {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (App shop = App.of("clean-shop"); App payments = App.of("clean-payments")) {
      for (int i = 0; i < 30; i++) {
        Span root = shop.tracer.spanBuilder("GET /checkout").setSpanKind(SpanKind.SERVER)
            .setAttribute("http.request.method", "GET").setAttribute("http.route", "/checkout").startSpan();
        try (Scope ignored = root.makeCurrent()) {
          call(shop.tracer, payments, "POST /charge", () -> {
            // An executor hop done right: the task carries the context.
            var f = pool.submit(Context.current().wrap(() -> {
              payments.tracer.spanBuilder("ledger.write").startSpan().end();
            }));
            try {
              f.get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
              throw new AssertionError(e);
            }
          });
        } finally {
          root.end();
        }
      }
    } finally {
      pool.shutdown();
    }
    // Both services were analysed (their cost rows arrived) ...
    await().atMost(TIMEOUT).untilAsserted(() -> {
      assertThat(allSpans("clean-shop")).as(records("clean-shop", Records.COST).toString()).isEqualTo(60);
      assertThat(allSpans("clean-payments")).as(records("clean-payments", Records.COST).toString()).isEqualTo(60);
    });
    // ... every trace's window closed, and one more report went out after that.
    awaitWindowsClosedAndReported();
    assertThat(findings("clean-shop")).isEmpty();
    assertThat(findings("clean-payments")).isEmpty();
    List<Map<String, Object>> cost = records("clean-shop", Records.COST);
    assertThat(cost).allSatisfy(m -> assertThat(m).containsEntry("internal", true)
        .containsEntry("scope", "traceyard.trace_quality"));
    assertThat(sum(cost.stream().filter(m -> "*".equals(m.get("cost.span_name"))).toList(), "cost.traces")).isEqualTo(30);
    assertThat(records("clean-shop", Records.COST_ATTRIBUTE)).extracting(m -> m.get("cost.attribute_key"))
        .contains("http.request.method", "server.address");
  }

  @Test
  void aParentThatIsNeverEndedLeavesItsExecutorChildrenOrphaned() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (App worker = App.of("orphans-worker")) {
      for (int i = 0; i < 5; i++) {
        Span handle = worker.tracer.spanBuilder("handle order").setSpanKind(SpanKind.SERVER).startSpan();
        try (Scope ignored = handle.makeCurrent()) {
          pool.submit(Context.current().wrap(() -> worker.tracer.spanBuilder("send receipt").startSpan().end()))
              .get(10, TimeUnit.SECONDS);
          // The mistake: an early return on this path forgets handle.end(), so the parent is never exported.
        }
      }
    } finally {
      pool.shutdown();
    }
    List<Map<String, Object>> f = awaitFinding("orphans-worker", "orphan_span");
    assertThat(f).allSatisfy(m -> assertThat(m).containsEntry("quality.span_name", "send receipt")
        .hasEntrySatisfying("quality.example_trace_id", id -> assertThat(m.get("trace_id")).isEqualTo(id)));
    awaitCount("orphans-worker", "orphan_span", 5);
  }

  @Test
  void aTraceIdDerivedFromABusinessKeyGivesOneTraceSeveralRoots() {
    // The mistake: "correlate by order" by making the trace id from the order number.
    AtomicLong order = new AtomicLong(4711);
    IdGenerator byOrder = new IdGenerator() {
      @Override
      public String generateSpanId() {
        return IdGenerator.random().generateSpanId();
      }

      @Override
      public String generateTraceId() {
        return String.format("%032x", order.get());
      }
    };
    try (App batch = new App("roots-batch", Sampler.alwaysOn(), byOrder, true, Attributes.empty())) {
      batch.tracer.spanBuilder("process order").startSpan().end();
      batch.tracer.spanBuilder("process order (retry)").startSpan().end();
    }
    assertThat(awaitFinding("roots-batch", "multiple_roots")).singleElement().satisfies(m -> assertThat(m)
        .containsEntry("quality.count", 1L)
        .containsEntry("quality.example_trace_id", String.format("%032x", 4711)));
  }

  @Test
  void aCallWithoutAClientSpanIsReportedAsMissingClientSide() {
    try (App gateway = App.of("mcs-gateway"); App api = App.of("mcs-api")) {
      Span in = gateway.tracer.spanBuilder("GET /proxy").setSpanKind(SpanKind.SERVER).startSpan();
      try (Scope ignored = in.makeCurrent()) {
        // The mistake: headers injected by hand on a raw HTTP client, with no CLIENT span around the call.
        Map<String, String> headers = inject(Context.current());
        api.tracer.spanBuilder("GET /items").setSpanKind(SpanKind.SERVER).setParent(extract(headers)).startSpan().end();
      } finally {
        in.end();
      }
    }
    assertThat(awaitFinding("mcs-api", "missing_client_side")).singleElement().satisfies(m -> assertThat(m)
        .containsEntry("quality.peer_service", "mcs-gateway").containsEntry("quality.span_name", "GET /items"));
  }

  @Test
  void aDownstreamAlwaysOnSamplerBehindAOnePercentEdgeIsInconsistentSampling() {
    // Trace ids whose random part decides TraceIdRatioBased(0.01): the first three below the 1% bound, the rest above.
    AtomicLong n = new AtomicLong();
    IdGenerator ids = new IdGenerator() {
      @Override
      public String generateSpanId() {
        return IdGenerator.random().generateSpanId();
      }

      @Override
      public String generateTraceId() {
        long i = n.incrementAndGet();
        long random = i <= 3 ? i : Long.MAX_VALUE - i;
        return String.format("%016x%016x", 0x5a5aL + i, random);
      }
    };
    try (App edge = new App("sampling-edge", Sampler.parentBased(Sampler.traceIdRatioBased(0.01)), ids, true,
        Attributes.empty());
        // The mistake: the downstream service ignores the caller's decision with its own always-on sampler.
        App ledger = new App("sampling-ledger", Sampler.alwaysOn(), null, true, Attributes.empty())) {
      for (int i = 0; i < 40; i++) {
        Span root = edge.tracer.spanBuilder("GET /pay").setSpanKind(SpanKind.SERVER).startSpan();
        try (Scope ignored = root.makeCurrent()) {
          call(edge.tracer, ledger, "POST /entries", () -> { });
        } finally {
          root.end();
        }
      }
    }
    awaitCount("sampling-ledger", "inconsistent_sampling", 37);
    assertThat(findings("sampling-ledger")).filteredOn(m -> "inconsistent_sampling".equals(m.get("quality.kind")))
        .allSatisfy(m -> assertThat(m).containsEntry("quality.peer_service", "sampling-edge")
            .containsEntry("quality.span_name", "POST /entries"));
    assertThat(findings("sampling-ledger")).extracting(m -> m.get("quality.kind")).doesNotContain("orphan_span");
  }

  @Test
  void anSdkWithoutServiceIdentityAndTwoSdksClaimingOneServiceAreReported() {
    try (App anonymous = new App(null, Sampler.alwaysOn(), null, false, Attributes.empty())) {
      anonymous.tracer.spanBuilder("GET /health").setSpanKind(SpanKind.SERVER).startSpan().end();
    }
    try (App java = App.of("dual-cart");
        App python = new App("dual-cart", Sampler.alwaysOn(), null, true, Attributes.of(
            AttributeKey.stringKey("telemetry.sdk.language"), "python",
            AttributeKey.stringKey("telemetry.sdk.version"), "1.30.0"))) {
      java.tracer.spanBuilder("GET /cart").setSpanKind(SpanKind.SERVER).startSpan().end();
      python.tracer.spanBuilder("GET /cart").setSpanKind(SpanKind.SERVER).startSpan().end();
    }
    awaitFinding("unknown_service:java", "unknown_service");
    awaitFinding("unknown_service:java", "missing_service_version");
    awaitFinding("unknown_service:java", "missing_deployment_environment");
    assertThat(awaitFinding("dual-cart", "conflicting_sdk")).first().satisfies(m ->
        assertThat((String) m.get("quality.detail")).contains("python 1.30.0", "java"));
  }

  @Test
  void anInternalSpanCarryingHttpAttributesIsAWrongSpanKind() {
    try (App app = App.of("kind-app")) {
      // The mistake: a hand-written HTTP client span left at the default kind.
      app.tracer.spanBuilder("GET").setAttribute("http.request.method", "GET")
          .setAttribute("url.full", "https://inventory.internal/items").startSpan().end();
    }
    assertThat(awaitFinding("kind-app", "wrong_span_kind")).singleElement().satisfies(m -> assertThat(m)
        .containsEntry("quality.attribute_key", "http.request.method").containsEntry("quality.span_name", "GET"));
  }

  @Test
  void aUserIdWithThirtyThousandValuesIsFlaggedAndThenMovedToAnEvent() {
    try (App users = new App("card-users", Sampler.alwaysOn(), null, true, Attributes.empty())) {
      for (int i = 0; i < 30_000; i++) {
        users.tracer.spanBuilder("GET /users/{id}").setSpanKind(SpanKind.SERVER).setAttribute("http.request.method", "GET")
            .setAttribute("user.id", "user-" + i).setAttribute("user.email", "u" + (i % 10) + "@example.com")
            .startSpan().end();
      }
    }
    List<Map<String, Object>> f = awaitFinding("card-users", "high_cardinality_attribute");
    assertThat(f).allSatisfy(m -> assertThat(m).containsEntry("quality.attribute_key", "user.id"));
    long estimate = f.stream().mapToLong(m -> (Long) m.get("quality.cardinality_estimate")).max().orElse(0);
    awaitCount("card-users", "high_cardinality_attribute", 30_000);
    long last = findings("card-users").stream().mapToLong(m -> (Long) m.get("quality.cardinality_estimate")).max()
        .orElse(0);
    assertThat(Math.max(estimate, last)).isBetween(28_500L, 31_500L);

    // Once flagged, cardinality.action (move_to_event) applies to new spans; user.email is always hashed.
    await().atMost(TIMEOUT).untilAsserted(() -> {
      try (App again = App.of("card-users")) {
        again.tracer.spanBuilder("GET /users/{id}").setSpanKind(SpanKind.SERVER).setAttribute("user.id", "user-late")
            .setAttribute("user.email", "late@example.com").startSpan().end();
      }
      io.opentelemetry.proto.trace.v1.Span late = lastSpanWith("card-users", "user-late");
      assertThat(late).isNotNull();
      assertThat(late.getAttributesList()).extracting(KeyValue::getKey).doesNotContain("user.id");
      assertThat(late.getEventsList()).singleElement().satisfies(e -> {
        assertThat(e.getName()).isEqualTo(AttributeRewriter.MOVED_EVENT);
        assertThat(e.getAttributes(0).getValue().getStringValue()).isEqualTo("user-late");
      });
      assertThat(late.getAttributesList()).filteredOn(kv -> kv.getKey().equals("user.email"))
          .extracting(kv -> kv.getValue().getStringValue()).singleElement().asString().hasSize(32)
          .doesNotContain("@");
    });
  }

  /** The last span passed on for {@code service} that carries {@code value} in an attribute or an event. */
  private static io.opentelemetry.proto.trace.v1.Span lastSpanWith(String serviceName, String value) {
    io.opentelemetry.proto.trace.v1.Span found = null;
    for (Batch b : ((RecordingExporter) service.exporter(ComponentId.parse("recording/traces"))).batches) {
      for (ResourceSpans rs : ((TraceBatch) b).request().getResourceSpansList()) {
        if (!rs.getResource().getAttributesList().contains(KeyValue.newBuilder().setKey("service.name")
            .setValue(AnyValue.newBuilder().setStringValue(serviceName)).build())) {
          continue;
        }
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          for (io.opentelemetry.proto.trace.v1.Span s : ss.getSpansList()) {
            if (s.toString().contains(value)) {
              found = s;
            }
          }
        }
      }
    }
    return found;
  }

  @Test
  void bodiesAndTooManyAttributesAreOversizedSpans() {
    try (App api = App.of("size-api")) {
      var b = api.tracer.spanBuilder("POST /upload").setSpanKind(SpanKind.SERVER)
          .setAttribute("http.request.body.content", "{\"name\":\"" + "x".repeat(5000) + "\"}");
      for (int i = 0; i < 80; i++) {
        b.setAttribute("app.field." + i, "v" + i);
      }
      b.startSpan().end();
    }
    awaitFinding("size-api", "body_on_span");
    List<Map<String, Object>> oversized = awaitFinding("size-api", "oversized_span");
    await().atMost(TIMEOUT).until(() -> findings("size-api").stream()
        .filter(m -> "oversized_span".equals(m.get("quality.kind"))).map(m -> m.getOrDefault("quality.attribute_key", ""))
        .toList().containsAll(List.of("", "http.request.body.content")));
    assertThat(oversized).isNotEmpty();
  }

  @Test
  void timestampsFromASkewedClockAndBackwardsEndsAreClockProblems() {
    try (App mobile = App.of("clock-app")) {
      Span parent = mobile.tracer.spanBuilder("sync").setSpanKind(SpanKind.SERVER).startSpan();
      Instant now = Instant.now();
      try (Scope ignored = parent.makeCurrent()) {
        // The mistake: timestamps taken from the device's clock, 5 s behind the server's.
        mobile.tracer.spanBuilder("device upload").setStartTimestamp(now.minusSeconds(5)).startSpan()
            .end(now.minusSeconds(4));
        Span backwards = mobile.tracer.spanBuilder("render").setStartTimestamp(now).startSpan();
        backwards.end(now.minusMillis(50));
      } finally {
        parent.end();
      }
    }
    awaitFinding("clock-app", "clock_skew");
    assertThat(findings("clock-app")).filteredOn(m -> "clock_skew".equals(m.get("quality.kind")))
        .extracting(m -> m.get("quality.span_name")).containsOnly("device upload");
    awaitFinding("clock-app", "negative_duration");
  }
}
