package dev.traceyard.collector.exporter.loadbalancing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.grpc.GrpcService;
import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.config.ConfigLoader;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.exporter.ExporterTesting;
import dev.traceyard.collector.receiver.otlp.OtlpReceiverFactory;
import dev.traceyard.collector.service.ComponentRegistry;
import dev.traceyard.collector.service.Service;
import dev.traceyard.collector.service.ServiceConfig;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The exporter between a real OTLP receiver (fed by the OpenTelemetry Java SDK) and real OTLP/gRPC
 * backends on loopback addresses 127.0.0.1-4, all on one port, so a DNS name can list them as a
 * headless service would. The DNS answers come from a lookup the test controls.
 */
class LoadBalancingExporterIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final ComponentId LB = ComponentId.parse("loadbalancing");

  /** A real OTLP/gRPC backend recording each span (trace id -> span ids) it acknowledged. */
  static final class Backend {
    final String address;
    final String endpoint;
    final Map<String, Set<String>> spansByTrace = new ConcurrentHashMap<>();
    final AtomicInteger spans = new AtomicInteger();
    final Server server;

    Backend(String address, int port) {
      this.address = address;
      GrpcService grpc = GrpcService.builder().addService(new TraceServiceGrpc.TraceServiceImplBase() {
        @Override
        public void export(ExportTraceServiceRequest req, StreamObserver<ExportTraceServiceResponse> obs) {
          req.getResourceSpansList().forEach(rs -> rs.getScopeSpansList().forEach(ss -> ss.getSpansList().forEach(s -> {
            spansByTrace.computeIfAbsent(hex(s.getTraceId()), k -> ConcurrentHashMap.newKeySet()).add(hex(s.getSpanId()));
            spans.incrementAndGet();
          })));
          obs.onNext(ExportTraceServiceResponse.getDefaultInstance());
          obs.onCompleted();
        }
      }).build();
      server = Server.builder().http(new InetSocketAddress(address, port)).service(grpc)
          .gracefulShutdownTimeout(Duration.ZERO, Duration.ZERO).connectionDrainDuration(Duration.ZERO).build();
      server.start().join();
      endpoint = address + ":" + server.activeLocalPort();
    }

    int port() {
      return server.activeLocalPort();
    }

    String endpoint() {
      return endpoint;
    }

    void kill() {
      server.stop().join();
    }
  }

  private static String hex(ByteString b) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < b.size(); i++) {
      sb.append(String.format("%02x", b.byteAt(i) & 0xff));
    }
    return sb.toString();
  }

  private final List<Backend> backends = new ArrayList<>();
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final SelfTelemetry telemetry = SelfTelemetry.forTesting();
  private final List<String> dnsAnswer = new CopyOnWriteArrayList<>();
  private Service service;

  /** Backends on 127.0.0.1..n, one port. */
  private void startBackends(int n) {
    Backend first = new Backend("127.0.0.1", 0);
    backends.add(first);
    for (int i = 2; i <= n; i++) {
      backends.add(new Backend("127.0.0." + i, first.port()));
    }
  }

  private Backend addBackend() {
    Backend b = new Backend("127.0.0." + (backends.size() + 1), backends.get(0).port());
    backends.add(b);
    return b;
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
    if (service != null) {
      service.shutdown(TIMEOUT);
    }
    java.util.concurrent.CompletableFuture.allOf(backends.stream().map(b -> b.server.stop())
        .toArray(java.util.concurrent.CompletableFuture[]::new)).join();
  }

  private static final String RECEIVER = String.join("\n",
      "receivers:",
      "  otlp:",
      "    protocols:",
      "      grpc:",
      "        endpoint: 127.0.0.1:0",
      "");

  private static final String PIPELINE = String.join("\n",
      "service:",
      "  telemetry: {metrics: {level: none}}",
      "  pipelines:",
      "    traces:",
      "      receivers: [otlp]",
      "      exporters: [loadbalancing]",
      "");

  private String startGateway(String resolverYaml) throws Exception {
    return startGateway(resolverYaml, "");
  }

  private String startGateway(String resolverYaml, String moreOtlpSettings) throws Exception {
    String yaml = RECEIVER + String.join("\n",
        "exporters:",
        "  loadbalancing:",
        "    protocol:",
        "      otlp:",
        "        timeout: 10s",
        "        tls: {insecure: true}",
        moreOtlpSettings,
        "    resolver:",
        resolverYaml,
        "") + PIPELINE;
    DnsResolver.AddressLookup lookup = host -> {
      if (!host.equals("gateways.test")) {
        throw new UnknownHostException(host);
      }
      List<InetAddress> out = new ArrayList<>();
      for (String a : dnsAnswer) {
        out.add(InetAddress.getByName(a));
      }
      return out;
    };
    ComponentRegistry registry = ComponentRegistry.builder().receiver(new OtlpReceiverFactory())
        .exporter(new LoadBalancingExporterFactory(lookup)).build();
    service = Service.create(ServiceConfig.parse(new ConfigLoader(Map.<String, String>of()::get)
        .loadString("lb.yaml", yaml), registry), telemetry);
    service.start();
    return "http://127.0.0.1:" + service.receiver(ComponentId.parse("otlp")).boundAddresses().get("grpc").getPort();
  }

  private String staticResolver() {
    StringBuilder sb = new StringBuilder("      static:\n        hostnames:");
    for (Backend b : backends) {
      sb.append("\n          - ").append(b.endpoint());
    }
    return sb.toString();
  }

  private String dnsResolver() {
    return "      dns: {hostname: gateways.test, port: " + backends.get(0).port() + ", interval: 100ms}";
  }

  private LoadBalancingExporter exporter() {
    return (LoadBalancingExporter) service.exporter(LB);
  }

  /** An SDK that batches spans of many traces together, as a service under load does. */
  private Tracer sdk(String endpoint) {
    SdkTracerProvider provider = SdkTracerProvider.builder()
        .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "lb-it"))))
        .addSpanProcessor(BatchSpanProcessor.builder(OtlpGrpcSpanExporter.builder().setEndpoint(endpoint).setTimeout(TIMEOUT).build())
            .setScheduleDelay(Duration.ofMillis(20)).setMaxExportBatchSize(200).setMaxQueueSize(100_000).build())
        .build();
    closeables.add(provider);
    return provider.get("lb-it");
  }

  private static void flush(Tracer tracer, List<AutoCloseable> closeables) {
    for (AutoCloseable c : closeables) {
      if (c instanceof SdkTracerProvider) {
        assertThat(((SdkTracerProvider) c).forceFlush().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
      }
    }
  }

  /** One trace of {@code spans} spans (root and children); returns its span context and records its span ids. */
  private static SpanContext trace(Tracer tracer, int spans, Map<String, Set<String>> sent, SpanContext parent) {
    Span root = tracer.spanBuilder("root").setParent(parent == null ? Context.root() : Context.root().with(Span.wrap(parent)))
        .startSpan();
    record(sent, root);
    for (int i = 1; i < spans; i++) {
      Span child = tracer.spanBuilder("child-" + i).setParent(Context.root().with(root)).startSpan();
      record(sent, child);
      child.end();
    }
    root.end();
    return root.getSpanContext();
  }

  private static void record(Map<String, Set<String>> sent, Span span) {
    sent.computeIfAbsent(span.getSpanContext().getTraceId(), k -> ConcurrentHashMap.newKeySet()).add(span.getSpanContext().getSpanId());
  }

  private static int count(Map<String, Set<String>> spans) {
    return spans.values().stream().mapToInt(Set::size).sum();
  }

  /** Every sent span id, as received by any backend (a span received twice counts once). */
  private Map<String, Set<String>> received() {
    Map<String, Set<String>> all = new HashMap<>();
    for (Backend b : backends) {
      b.spansByTrace.forEach((t, s) -> all.computeIfAbsent(t, k -> new HashSet<>()).addAll(s));
    }
    return all;
  }

  private Map<String, Backend> ownerOfEachTrace() {
    Map<String, Backend> owners = new HashMap<>();
    for (Backend b : backends) {
      for (String t : b.spansByTrace.keySet()) {
        Backend other = owners.put(t, b);
        assertThat(other).as("trace %s split over %s and %s", t, other == null ? null : other.address, b.address).isNull();
      }
    }
    return owners;
  }

  @Test
  void tracesStayWholeAcrossThreeBackends_withTheStaticResolver() throws Exception {
    startBackends(3);
    String endpoint = startGateway(staticResolver());
    Tracer tracer = sdk(endpoint);
    Map<String, Set<String>> sent = new ConcurrentHashMap<>();
    for (int t = 0; t < 300; t++) {
      trace(tracer, 5, sent, null);
    }
    flush(tracer, closeables);

    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(received()).isEqualTo(sent));
    Map<String, Backend> owners = ownerOfEachTrace();
    assertThat(owners).hasSize(300);
    for (Backend b : backends) {
      assertThat(b.spansByTrace.size()).as("traces at %s", b.address).isBetween(50, 150);
    }
    assertThat(telemetry.value("traceyard_loadbalancer_endpoint_sent_spans", "loadbalancing", backends.get(0).endpoint()))
        .isEqualTo(backends.get(0).spans.get());
    assertThat(telemetry.value("traceyard_loadbalancer_membership_changes", "loadbalancing")).isEqualTo(3);
  }

  @Test
  void removingABackend_movesOnlyItsShare_andAddingOneMovesOnlyTheNewcomersShare() throws Exception {
    startBackends(3);
    dnsAnswer.addAll(List.of("127.0.0.1", "127.0.0.2", "127.0.0.3"));
    String endpoint = startGateway(dnsResolver());
    assertThat(exporter().endpoints()).hasSize(3);
    Tracer tracer = sdk(endpoint);
    Map<String, Set<String>> sent = new ConcurrentHashMap<>();
    List<SpanContext> traces = new ArrayList<>();
    for (int t = 0; t < 600; t++) {
      traces.add(trace(tracer, 2, sent, null));
    }
    flush(tracer, closeables);
    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(received()).isEqualTo(sent));
    Map<String, Backend> before = ownerOfEachTrace();

    // Backend 3 leaves DNS (it stays up: a scale-down that drains). Later spans of the same traces:
    Backend leaving = backends.get(2);
    dnsAnswer.remove("127.0.0.3");
    await().atMost(TIMEOUT).until(() -> exporter().endpoints().size() == 2);
    Map<String, Integer> spansBefore = new HashMap<>();
    backends.forEach(b -> spansBefore.put(b.address, b.spans.get()));
    Map<String, Set<String>> later = new ConcurrentHashMap<>();
    for (SpanContext parent : traces) {
      trace(tracer, 1, later, parent);
    }
    flush(tracer, closeables);
    await().atMost(TIMEOUT).untilAsserted(() ->
        assertThat(backends.stream().mapToInt(b -> b.spans.get() - spansBefore.get(b.address)).sum()).isEqualTo(600));
    assertThat(leaving.spans.get()).as("nothing more for the backend that left").isEqualTo(spansBefore.get(leaving.address));

    int moved = 0;
    for (Backend b : backends.subList(0, 2)) {
      for (Map.Entry<String, Set<String>> e : b.spansByTrace.entrySet()) {
        Backend was = before.get(e.getKey());
        if (was != b) {
          assertThat(was).as("only the leaving backend's traces move").isSameAs(leaving);
          moved++;
        }
      }
    }
    long leavingTraces = before.values().stream().filter(b -> b == leaving).count();
    assertThat(moved).as("every trace of the backend that left moved, no other").isEqualTo((int) leavingTraces);
    assertThat((double) moved / traces.size()).isBetween(0.2, 0.47);
  }

  @Test
  void dnsReResolution_picksUpANewMember_thatGetsItsShare() throws Exception {
    startBackends(2);
    dnsAnswer.addAll(List.of("127.0.0.1", "127.0.0.2"));
    String endpoint = startGateway(dnsResolver());
    assertThat(exporter().endpoints()).hasSize(2);

    Backend joining = addBackend();
    dnsAnswer.add("127.0.0.3");
    await().atMost(TIMEOUT).until(() -> exporter().endpoints().contains(joining.endpoint()));
    assertThat(telemetry.value("traceyard_loadbalancer_membership_changes", "loadbalancing")).isEqualTo(3);

    Tracer tracer = sdk(endpoint);
    Map<String, Set<String>> sent = new ConcurrentHashMap<>();
    for (int t = 0; t < 300; t++) {
      trace(tracer, 3, sent, null);
    }
    flush(tracer, closeables);
    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(received()).isEqualTo(sent));
    ownerOfEachTrace();
    assertThat(joining.spansByTrace.size()).isBetween(50, 150);
  }

  @Test
  void aFailedLookup_keepsTheLastKnownMembers() throws Exception {
    startBackends(2);
    dnsAnswer.addAll(List.of("127.0.0.1", "127.0.0.2"));
    startGateway(dnsResolver());
    dnsAnswer.clear();
    await().atMost(TIMEOUT).until(() -> telemetry.value("traceyard_loadbalancer_resolution_failures", "loadbalancing") >= 2);
    assertThat(exporter().endpoints()).containsExactly(backends.get(0).endpoint(), backends.get(1).endpoint());
  }

  @Test
  void killingABackendMidStream_reRoutesItsSpansWithoutLoss() throws Exception {
    startBackends(3);
    String endpoint = startGateway(staticResolver());
    Tracer tracer = sdk(endpoint);
    Map<String, Set<String>> sent = new ConcurrentHashMap<>();
    Backend victim = backends.get(1);
    for (int t = 0; t < 1500; t++) {
      trace(tracer, 3, sent, null);
      if (t == 500) {
        // Mid-stream: wait until the victim has taken part of the load, then kill it.
        await().atMost(TIMEOUT).until(() -> victim.spans.get() > 50);
        victim.kill();
      }
      if (t % 100 == 0) {
        Thread.sleep(5);
      }
    }
    flush(tracer, closeables);

    await().atMost(TIMEOUT).untilAsserted(() -> {
      Map<String, Set<String>> got = received();
      int lost = count(sent) - count(got);
      assertThat(lost).as("spans lost").isZero();
      assertThat(got).isEqualTo(sent);
    });
    assertThat(telemetry.value("traceyard_loadbalancer_rerouted_spans", "loadbalancing", "endpoint_down")).isPositive();
    assertThat(telemetry.value("traceyard_exporter_send_failed_spans", "loadbalancing/" + victim.endpoint())).isZero();
    assertThat(telemetry.value("traceyard_loadbalancer_endpoint_send_failed_spans", "loadbalancing", victim.endpoint()))
        .isPositive();
  }

  @Test
  void whenNoBackendCanTakeTheSpans_andTheQueueIsOff_theRefusalIsRetryableUpstream() throws Exception {
    startBackends(2);
    startGateway(staticResolver(), "        sending_queue: {enabled: false}\n        retry_on_failure: {enabled: false}");
    TraceBatch batch = ExporterTesting.traces("op", 4);
    assertThat(exporter().consume(batch).isSuccess()).isTrue();
    backends.forEach(Backend::kill);

    ConsumeResult refused = exporter().consume(ExporterTesting.traces("op", 4));
    assertThat(refused.isRetryable()).as("%s", refused).isTrue();
    double failed = 0;
    for (Backend b : backends) {
      failed += telemetry.value("traceyard_exporter_send_failed_spans", "loadbalancing/" + b.endpoint());
    }
    // Without a queue, a part re-routed to a second dead backend is counted there and again at the first.
    assertThat(failed).as("given up and counted at a backend").isBetween(4.0, 8.0);
  }

  @Test
  void beforeTheNameResolves_spansAreRefusedRetryably_andCounted() throws Exception {
    startBackends(1);
    startGateway(dnsResolver());
    ConsumeResult refused = exporter().consume(ExporterTesting.traces("op", 3));
    assertThat(refused.isRetryable()).isTrue();
    assertThat(refused.message()).contains("no backend resolved yet");
    assertThat(telemetry.value("traceyard_loadbalancer_refused_spans", "loadbalancing")).isEqualTo(3);

    dnsAnswer.add("127.0.0.1");
    await().atMost(TIMEOUT).until(() -> exporter().endpoints().size() == 1);
    assertThat(exporter().consume(ExporterTesting.traces("op", 3)).isSuccess()).isTrue();
    await().atMost(TIMEOUT).until(() -> backends.get(0).spans.get() == 3);
  }

  @Test
  void shippedGatewayPoolExample_resolvesARealHostname() throws Exception {
    startBackends(1);
    Path example = Path.of("..", "configs", "agent-to-gateway-pool.yaml");
    assertThat(example).exists();
    Map<String, String> env = Map.of(
        "TRACEYARD_GATEWAY_HOSTNAME", "localhost",
        "TRACEYARD_GATEWAY_PORT", String.valueOf(backends.get(0).port()),
        "TRACEYARD_OTLP_GRPC_ENDPOINT", "127.0.0.1:0",
        "TRACEYARD_OTLP_HTTP_ENDPOINT", "127.0.0.1:0",
        "TRACEYARD_METRICS_ADDRESS", "127.0.0.1:0");
    ComponentRegistry registry = dev.traceyard.collector.Components.builtIn();
    service = Service.create(ServiceConfig.parse(new ConfigLoader(env::get).loadString("agent-to-gateway-pool.yaml",
        Files.readString(example)), registry), telemetry);
    service.start();
    String endpoint = "http://127.0.0.1:" + service.receiver(ComponentId.parse("otlp")).boundAddresses().get("grpc").getPort();
    assertThat(((LoadBalancingExporter) service.exporter(LB)).endpoints()).containsExactly(backends.get(0).endpoint());

    Tracer tracer = sdk(endpoint);
    Map<String, Set<String>> sent = new ConcurrentHashMap<>();
    for (int t = 0; t < 20; t++) {
      trace(tracer, 2, sent, null);
    }
    flush(tracer, closeables);
    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(received()).isEqualTo(sent));
  }
}
