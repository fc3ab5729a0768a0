package dev.traceyard.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.google.protobuf.ByteString;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.grpc.GrpcService;
import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.ComponentKind;
import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Exporter;
import dev.traceyard.collector.component.ExporterFactory;
import dev.traceyard.collector.config.ConfigErrors;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.exporter.loadbalancing.LoadBalancingBenchmarkAccess;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * How many traces the {@code loadbalancing} exporter splits (spans of one trace at two gateways) when a
 * gateway leaves, joins or dies under steady load. Real OTLP/gRPC gateways on 127.0.0.1-4 (one port),
 * found by a DNS name whose answer this tool changes; the exporter is fed directly, as an agent's
 * pipeline would feed it: {@code rate} new traces per second, each emitting {@code spans} spans evenly
 * over {@code duration} ms, flushed every 20 ms. Each scenario: 3 gateways, steady load for 3 s, the
 * event (or none: the steady-state baseline), 3 s more, then open traces finish. Counts split traces, and spans no gateway acknowledged.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar dev.traceyard.benchmarks.LoadBalancerSplitBench [rate] [spans] [durationMs]}
 */
public final class LoadBalancerSplitBench {
  private static final Duration PHASE = Duration.ofSeconds(3);
  private static final long FLUSH_MS = 20;

  /** A gateway that records which traces it acknowledged spans of. */
  static final class Gateway {
    final String address;
    final Map<ByteString, Set<ByteString>> spans = new ConcurrentHashMap<>();
    final Server server;

    Gateway(String address, int port) {
      this.address = address;
      GrpcService grpc = GrpcService.builder().addService(new TraceServiceGrpc.TraceServiceImplBase() {
        @Override
        public void export(ExportTraceServiceRequest req, StreamObserver<ExportTraceServiceResponse> obs) {
          req.getResourceSpansList().forEach(rs -> rs.getScopeSpansList().forEach(ss -> ss.getSpansList().forEach(s ->
              spans.computeIfAbsent(s.getTraceId(), k -> ConcurrentHashMap.newKeySet()).add(s.getSpanId()))));
          obs.onNext(ExportTraceServiceResponse.getDefaultInstance());
          obs.onCompleted();
        }
      }).build();
      server = Server.builder().http(new InetSocketAddress(address, port)).service(grpc)
          .gracefulShutdownTimeout(Duration.ZERO, Duration.ZERO).connectionDrainDuration(Duration.ZERO).build();
      server.start().join();
    }

    int port() {
      return server.activeLocalPort();
    }
  }

  private record OpenTrace(ByteString id, long startNanos, int[] emitted) {}

  private final int rate;
  private final int spansPerTrace;
  private final long durationMs;
  private final Random random = new Random(1);

  private LoadBalancerSplitBench(int rate, int spansPerTrace, long durationMs) {
    this.rate = rate;
    this.spansPerTrace = spansPerTrace;
    this.durationMs = durationMs;
  }

  public static void main(String[] args) throws Exception {
    int rate = args.length > 0 ? Integer.parseInt(args[0]) : 300;
    int spans = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    long durationMs = args.length > 2 ? Long.parseLong(args[2]) : 1000;
    System.out.printf("machine: %d cores; load: %d traces/s, %d spans per trace over %d ms (%d spans/s)%n",
        Runtime.getRuntime().availableProcessors(), rate, spans, durationMs, rate * spans);
    LoadBalancerSplitBench bench = new LoadBalancerSplitBench(rate, spans, durationMs);
    System.out.println("| event | traces | traces in flight at the event | split traces | split % | spans lost |");
    System.out.println("|---|---:|---:|---:|---:|---:|");
    for (String event : new String[] {"none", "leave", "join", "kill"}) {
      bench.run(event);
    }
    System.exit(0);
  }

  private void run(String event) throws Exception {
    List<Gateway> gateways = new ArrayList<>();
    Gateway first = new Gateway("127.0.0.1", 0);
    gateways.add(first);
    for (int i = 2; i <= 4; i++) {
      gateways.add(new Gateway("127.0.0." + i, first.port()));
    }
    List<String> answer = new CopyOnWriteArrayList<>(List.of("127.0.0.1", "127.0.0.2", "127.0.0.3"));
    ExporterFactory<?> factory = LoadBalancingBenchmarkAccess.factory(host -> {
      List<InetAddress> out = new ArrayList<>();
      for (String a : answer) {
        try {
          out.add(InetAddress.getByName(a));
        } catch (UnknownHostException e) {
          return null;
        }
      }
      return out;
    });
    String yaml = "protocol: {otlp: {tls: {insecure: true}, timeout: 10s}}\n"
        + "resolver: {dns: {hostname: gateways.bench, port: " + first.port() + ", interval: 100ms}}\n";
    Exporter exporter = create(factory, new ObjectMapper(new YAMLFactory()).readTree(yaml));
    exporter.start(id -> Optional.empty());

    Map<ByteString, Set<ByteString>> sent = new HashMap<>();
    List<OpenTrace> open = new ArrayList<>();
    long start = System.nanoTime();
    long eventAt = start + PHASE.toNanos();
    long stopNewAt = eventAt + PHASE.toNanos();
    boolean eventDone = false;
    int inFlightAtEvent = 0;
    double credit = 0;
    long refusedBatches = 0;
    while (true) {
      long now = System.nanoTime();
      if (!eventDone && now >= eventAt) {
        inFlightAtEvent = open.size();
        switch (event) {
          case "leave":
            answer.remove("127.0.0.3");
            break;
          case "join":
            answer.add("127.0.0.4");
            break;
          case "none":
            break;
          default:
            gateways.get(1).server.stop().join();
        }
        eventDone = true;
      }
      if (now < stopNewAt) {
        credit += rate * FLUSH_MS / 1000.0;
        for (; credit >= 1; credit--) {
          open.add(new OpenTrace(randomId(16), now, new int[1]));
        }
      } else if (open.isEmpty()) {
        break;
      }
      ExportTraceServiceRequest.Builder req = ExportTraceServiceRequest.newBuilder();
      ScopeSpans.Builder scope = ScopeSpans.newBuilder();
      for (Iterator<OpenTrace> it = open.iterator(); it.hasNext(); ) {
        OpenTrace t = it.next();
        long ageMs = (now - t.startNanos()) / 1_000_000;
        int due = spansPerTrace <= 1 ? 1 : (int) Math.min(spansPerTrace, 1 + ageMs * (spansPerTrace - 1) / durationMs);
        while (t.emitted()[0] < due) {
          ByteString spanId = randomId(8);
          scope.addSpans(Span.newBuilder().setTraceId(t.id()).setSpanId(spanId).setName("op-" + t.emitted()[0])
              .setStartTimeUnixNano(System.currentTimeMillis() * 1_000_000L).setEndTimeUnixNano(System.currentTimeMillis() * 1_000_000L + 1000));
          sent.computeIfAbsent(t.id(), k -> new HashSet<>()).add(spanId);
          t.emitted()[0]++;
        }
        if (t.emitted()[0] >= spansPerTrace) {
          it.remove();
        }
      }
      if (scope.getSpansCount() > 0) {
        Batch batch = Batch.of(req.addResourceSpans(ResourceSpans.newBuilder().setResource(Resource.newBuilder()
            .addAttributes(KeyValue.newBuilder().setKey("service.name").setValue(AnyValue.newBuilder().setStringValue("bench"))))
            .addScopeSpans(scope)).build());
        // An agent's batch processor holds and retries a refused batch; so does this loop.
        ConsumeResult r;
        while (!(r = exporter.consume(batch)).isSuccess()) {
          refusedBatches++;
          Thread.sleep(FLUSH_MS);
        }
      }
      long sleep = FLUSH_MS - (System.nanoTime() - now) / 1_000_000;
      if (sleep > 0) {
        Thread.sleep(sleep);
      }
    }
    // Let queues drain: wait until every span is acknowledged somewhere, or 30 s.
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    long lost;
    while ((lost = lost(sent, gateways)) > 0 && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    int split = 0;
    for (ByteString trace : sent.keySet()) {
      int at = 0;
      for (Gateway g : gateways) {
        if (g.spans.containsKey(trace)) {
          at++;
        }
      }
      if (at > 1) {
        split++;
      }
    }
    System.out.printf("| %s | %d | %d | %d | %.2f | %d |%n", event, sent.size(), inFlightAtEvent, split,
        100.0 * split / sent.size(), lost);
    if (refusedBatches > 0) {
      System.out.printf("  (%d batches were refused once and retried)%n", refusedBatches);
    }
    exporter.shutdown();
    for (Gateway g : gateways) {
      g.server.stop().join();
    }
  }

  private static long lost(Map<ByteString, Set<ByteString>> sent, List<Gateway> gateways) {
    long lost = 0;
    for (Map.Entry<ByteString, Set<ByteString>> e : sent.entrySet()) {
      for (ByteString span : e.getValue()) {
        boolean found = false;
        for (Gateway g : gateways) {
          Set<ByteString> got = g.spans.get(e.getKey());
          if (got != null && got.contains(span)) {
            found = true;
            break;
          }
        }
        if (!found) {
          lost++;
        }
      }
    }
    return lost;
  }

  private ByteString randomId(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return ByteString.copyFrom(b);
  }

  @SuppressWarnings("unchecked")
  private static <C> Exporter create(ExporterFactory<C> factory, JsonNode tree) {
    ConfigErrors errors = new ConfigErrors();
    ConfigNode node = ConfigNode.of(tree, "exporters.loadbalancing", errors);
    C config = factory.parseConfig(node);
    node.reportUnknownKeys();
    if (!errors.list().isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", errors.list()));
    }
    return factory.create(new ComponentSettings(ComponentId.parse("loadbalancing"), ComponentKind.EXPORTER,
        SelfTelemetry.forTesting()), config);
  }
}
