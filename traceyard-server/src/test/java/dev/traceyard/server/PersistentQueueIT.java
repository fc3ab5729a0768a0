package dev.traceyard.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.grpc.GrpcService;
import dev.traceyard.collector.otlp.Hex;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The persistent sending queue ({@code sending_queue.storage: file_storage}) with real
 * {@code traceyard run} processes, real clients (the OpenTelemetry Java SDK's OTLP/gRPC exporter, an
 * OTLP/HTTP client) and a real OTLP/gRPC downstream that counts spans by id: SIGKILL, an outage past
 * the disk quota, and a segment damaged on disk between runs.
 */
class PersistentQueueIT {
  private static final HttpClient METRICS_HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final Duration WAIT = Duration.ofSeconds(180);
  private static final Pattern GRPC = Pattern.compile("receiver otlp listening for grpc on [^ ]*:(\\d+)");
  private static final Pattern HTTP = Pattern.compile("receiver otlp listening for http on [^ ]*:(\\d+)");
  private static final Pattern METRICS = Pattern.compile("self-telemetry listening on [^ ]*:(\\d+)");

  @TempDir
  Path dir;
  private final List<TraceyardProcess> processes = new ArrayList<>();
  private Downstream downstream;

  @AfterEach
  void cleanUp() {
    processes.forEach(TraceyardProcess::kill);
    if (downstream != null) {
      downstream.stop();
    }
  }

  @Test
  void sigkillUnderLoad_everyAcknowledgedSpanIsDeliveredAfterRestart() throws Exception {
    int port = freePort();
    Path config = config(port, "    fsync: interval\n    fsync_interval: 200ms\n");
    TraceyardProcess first = start(config);

    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    SdkLoad load = new SdkLoad(first.port(GRPC), acknowledged);
    try {
      await().atMost(WAIT).until(() -> acknowledged.size() >= 5_000 || !first.process.isAlive());
      assertThat(first.process.isAlive()).as("process output: %s", first.log).isTrue();
      first.kill(); // SIGKILL while the load goes on
    } finally {
      load.stop();
    }

    TraceyardProcess second = start(config);
    downstream = new Downstream(port);
    await().atMost(WAIT).until(() -> downstream.missing(acknowledged) == 0 || !second.process.isAlive());
    assertThat(downstream.missing(acknowledged)).as("process output: %s", second.log).isZero();
    assertThat(second.logText()).contains("from before the restart will be delivered again");
    report("crash (SIGKILL under load, fsync interval)", acknowledged.size(), downstream);
  }

  @Test
  void sigkillWhileDeliveringToASlowBackend_losesNothing_andCountsDuplicates() throws Exception {
    int port = freePort();
    downstream = new Downstream(port, Duration.ofSeconds(1)); // up, but slower than the load: a backlog builds
    Path config = config(port, "    fsync: interval\n    fsync_interval: 200ms\n");
    TraceyardProcess first = start(config);
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    SdkLoad load = new SdkLoad(first.port(GRPC), acknowledged);
    try {
      await().atMost(WAIT).until(() -> (acknowledged.size() >= 5_000 && downstream.distinct() > 0)
          || !first.process.isAlive());
      assertThat(first.process.isAlive()).as("process output: %s", first.log).isTrue();
      first.kill();
    } finally {
      load.stop();
    }
    int deliveredBeforeKill = downstream.distinct();
    assertThat(downstream.missing(acknowledged)).as("a backlog was queued at the kill").isPositive();

    TraceyardProcess second = start(config);
    await().atMost(WAIT).until(() -> downstream.missing(acknowledged) == 0 || !second.process.isAlive());
    assertThat(downstream.missing(acknowledged)).as("process output: %s", second.log).isZero();
    report("crash while delivering to a slow backend (" + deliveredBeforeKill + " spans delivered before the kill)",
        acknowledged.size(), downstream);
  }

  @Test
  void outagePastTheQuota_refusesRetryably_countsIt_andLosesNothingAcknowledged() throws Exception {
    int port = freePort();
    Path config = config(port, "    max_size_mib: 0.25\n    segment_size_mib: 0.03125\n");
    TraceyardProcess p = start(config);
    HttpClient http = HttpClient.newHttpClient();
    URI traces = URI.create("http://127.0.0.1:" + p.port(HTTP) + "/v1/traces");
    Set<String> acknowledged = new HashSet<>();
    List<String> refusals = new ArrayList<>();
    AtomicLong ids = new AtomicLong();
    for (int i = 0; i < 5_000 && refusals.size() < 20; i++) {
      Request r = request(ids, 20);
      HttpResponse<byte[]> resp = post(http, traces, r);
      if (resp.statusCode() == 200) {
        acknowledged.addAll(r.ids);
      } else {
        refusals.add(resp.statusCode() + " Retry-After=" + resp.headers().firstValue("Retry-After").orElse("none"));
      }
    }
    assertThat(acknowledged).hasSizeGreaterThan(100);
    assertThat(refusals).hasSize(20)
        .allSatisfy(r -> assertThat(r).matches("(429|503) Retry-After=\\d+"));
    assertThat(p.metric("traceyard_exporter_queue_quota_refused_batches_total")).isEqualTo(20);
    assertThat(p.metric("traceyard_exporter_enqueue_failed_spans_total")).isEqualTo(20 * 20);
    assertThat(p.metric("traceyard_exporter_queue_disk_bytes")).isLessThanOrEqualTo(0.25 * 1024 * 1024);

    downstream = new Downstream(port);
    await().atMost(WAIT).until(() -> downstream.missing(acknowledged) == 0);
    // With the backlog delivered, the quota has room again.
    await().atMost(WAIT).until(() -> {
      Request r = request(ids, 20);
      if (post(http, traces, r).statusCode() != 200) {
        return false;
      }
      acknowledged.addAll(r.ids);
      return true;
    });
    await().atMost(WAIT).until(() -> downstream.missing(acknowledged) == 0);
    report("outage past a 0.25 MiB quota (" + refusals.size() + " requests refused with " + refusals.get(0) + ")",
        acknowledged.size(), downstream);
  }

  @Test
  void segmentDamagedBetweenRuns_isQuarantined_andEverythingElseIsDelivered() throws Exception {
    int port = freePort();
    Path config = config(port, "    fsync: always\n    segment_size_mib: 0.03125\n");
    TraceyardProcess first = start(config);
    HttpClient http = HttpClient.newHttpClient();
    URI traces = URI.create("http://127.0.0.1:" + first.port(HTTP) + "/v1/traces");
    Set<String> acknowledged = new HashSet<>();
    AtomicLong ids = new AtomicLong();
    for (int i = 0; i < 40; i++) {
      Request r = request(ids, 20);
      assertThat(post(http, traces, r).statusCode()).isEqualTo(200);
      acknowledged.addAll(r.ids);
    }
    first.terminate();

    Path queueDir = dir.resolve("queue").resolve("exporter_otlp");
    List<Path> segments;
    try (Stream<Path> s = Files.list(queueDir)) {
      segments = s.filter(f -> f.getFileName().toString().startsWith("seg-")).sorted().collect(Collectors.toList());
    }
    assertThat(segments).hasSizeGreaterThan(1);
    Path damaged = segments.get(0);
    Set<String> lost = damageSecondRecord(damaged);
    assertThat(lost).hasSize(20);

    TraceyardProcess second = start(config);
    downstream = new Downstream(port);
    Set<String> expected = new HashSet<>(acknowledged);
    expected.removeAll(lost);
    await().atMost(WAIT).until(() -> downstream.missing(expected) == 0 || !second.process.isAlive());
    assertThat(downstream.missing(expected)).as("process output: %s", second.log).isZero();
    assertThat(downstream.received(lost)).isZero();
    assertThat(second.logText()).contains(damaged.toString() + " (").contains("is damaged").contains("moved to");
    assertThat(second.metric("traceyard_exporter_queue_quarantined_segments_total")).isEqualTo(1);
    assertThat(second.metric("traceyard_exporter_queue_quarantined_bytes_total")).isPositive();
    try (Stream<Path> s = Files.list(queueDir.resolve("quarantine"))) {
      assertThat(s.map(f -> f.getFileName().toString()))
          .singleElement().asString().startsWith(damaged.getFileName().toString());
    }
    report("corruption (one record of a segment damaged, " + lost.size() + " spans in it skipped)", expected.size(),
        downstream);
  }

  // ------------------------------------------------------------------ helpers

  /** Flips bytes in the middle of the second record's payload; returns the ids of the spans it held. */
  private static Set<String> damageSecondRecord(Path segment) throws IOException {
    byte[] data = Files.readAllBytes(segment);
    ByteBuffer b = ByteBuffer.wrap(data);
    int header = 25; // see RecordFormat: magic, length, crc, seq, signal, items
    int second = header + b.getInt(4);
    int length = b.getInt(second + 4);
    ExportTraceServiceRequest req = ExportTraceServiceRequest.parseFrom(
        ByteBuffer.wrap(data, second + header, length));
    try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
      for (int i = 0; i < 8; i++) {
        long pos = second + header + length / 2 + i;
        f.seek(pos);
        int v = f.read();
        f.seek(pos);
        f.write(v ^ 0x5a);
      }
    }
    Set<String> ids = new HashSet<>();
    for (ResourceSpans rs : req.getResourceSpansList()) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span s : ss.getSpansList()) {
          ids.add(Hex.encode(s.getSpanId().toByteArray()));
        }
      }
    }
    return ids;
  }

  private static void report(String test, int acknowledged, Downstream d) {
    // Picked up into docs/reliability.md.
    System.out.printf("PERSISTENT-QUEUE-FIGURES %s: acknowledged=%d delivered_distinct=%d delivered_total=%d "
        + "duplicates=%d%n", test, acknowledged, d.distinct(), d.total(), d.total() - d.distinct());
  }

  private Path config(int downstreamPort, String storageSettings) throws IOException {
    Path queue = Files.createDirectories(dir.resolve("queue"));
    Path config = dir.resolve("config.yaml");
    Files.writeString(config, String.join("\n",
        "receivers:",
        "  otlp:",
        "    protocols:",
        "      grpc: {endpoint: 127.0.0.1:0}",
        "      http: {endpoint: 127.0.0.1:0}",
        "exporters:",
        "  otlp:",
        "    endpoint: 127.0.0.1:" + downstreamPort,
        "    tls: {insecure: true}",
        "    timeout: 2s",
        "    sending_queue: {storage: file_storage, num_consumers: 4, queue_size: 1000000}",
        "    retry_on_failure: {initial_interval: 50ms, max_interval: 500ms, max_elapsed_time: 0s}",
        "extensions:",
        "  file_storage:",
        "    directory: " + queue,
        storageSettings + "service:",
        "  extensions: [file_storage]",
        "  telemetry: {metrics: {address: 127.0.0.1:0}}",
        "  pipelines:",
        "    traces: {receivers: [otlp], exporters: [otlp]}",
        ""));
    return config;
  }

  private TraceyardProcess start(Path config) throws IOException {
    TraceyardProcess p = new TraceyardProcess(config);
    processes.add(p);
    await().atMost(WAIT).until(() -> (p.port(GRPC) > 0 && p.port(HTTP) > 0 && p.port(METRICS) > 0)
        || !p.process.isAlive());
    assertThat(p.process.isAlive()).as("process output: %s", p.log).isTrue();
    return p;
  }

  /**
   * A free port for a downstream that starts later. Below Linux's ephemeral range (32768+), so that
   * neither another process' outgoing connection nor the exporter's own reconnect attempts (a TCP
   * self-connect when source and destination port coincide) can take it while it is down.
   */
  private static int freePort() throws IOException {
    java.util.Random random = new java.util.Random();
    for (int attempt = 0; attempt < 1000; attempt++) {
      int port = 20_000 + random.nextInt(12_000);
      try (ServerSocket s = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
        return s.getLocalPort();
      } catch (IOException taken) {
        // try another
      }
    }
    throw new IOException("no free port below the ephemeral range");
  }

  private record Request(ExportTraceServiceRequest body, List<String> ids) {}

  private static Request request(AtomicLong ids, int spans) {
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    List<String> out = new ArrayList<>();
    byte[] traceId = new byte[16];
    traceId[0] = 1;
    for (int i = 0; i < spans; i++) {
      byte[] spanId = ByteBuffer.allocate(8).putLong(ids.incrementAndGet() | 0x4000_0000_0000_0000L).array();
      scope.addSpans(Span.newBuilder().setTraceId(ByteString.copyFrom(traceId)).setSpanId(ByteString.copyFrom(spanId))
          .setName("op-" + i).setStartTimeUnixNano(1_700_000_000_000_000_000L).setEndTimeUnixNano(1_700_000_000_100_000_000L));
      out.add(Hex.encode(spanId));
    }
    return new Request(ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(scope)).build(), out);
  }

  private static HttpResponse<byte[]> post(HttpClient http, URI uri, Request r) throws Exception {
    return http.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/x-protobuf")
        .POST(HttpRequest.BodyPublishers.ofByteArray(r.body.toByteArray())).build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  /**
   * Steady load from the OpenTelemetry Java SDK (BatchSpanProcessor, OTLP/gRPC exporter without
   * retries), about 2000 spans/s; records the ids of spans whose export request succeeded.
   */
  private static final class SdkLoad {
    private final SdkTracerProvider provider;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    SdkLoad(int grpcPort, Set<String> acknowledged) {
      OtlpGrpcSpanExporter otlp = OtlpGrpcSpanExporter.builder().setEndpoint("http://127.0.0.1:" + grpcPort)
          .setTimeout(Duration.ofSeconds(5)).setRetryPolicy(null).build();
      provider = SdkTracerProvider.builder()
          .addSpanProcessor(BatchSpanProcessor.builder(new AcknowledgementCounter(otlp, acknowledged))
              .setScheduleDelay(Duration.ofMillis(50)).setMaxExportBatchSize(200).setMaxQueueSize(50_000).build())
          .build();
      Tracer tracer = provider.get("persistent-queue-it");
      thread = new Thread(() -> {
        while (running.get()) {
          for (int i = 0; i < 40; i++) {
            tracer.spanBuilder("op").startSpan().end();
          }
          try {
            Thread.sleep(20);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "sdk-load");
      thread.start();
    }

    void stop() throws InterruptedException {
      running.set(false);
      thread.join();
      provider.shutdown().join(30, TimeUnit.SECONDS);
    }
  }

  /** Adds the ids of spans whose export the collector acknowledged. */
  private static final class AcknowledgementCounter implements SpanExporter {
    private final SpanExporter delegate;
    private final Set<String> acknowledged;

    AcknowledgementCounter(SpanExporter delegate, Set<String> acknowledged) {
      this.delegate = delegate;
      this.acknowledged = acknowledged;
    }

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
      CompletableResultCode r = delegate.export(spans);
      r.whenComplete(() -> {
        if (r.isSuccess()) {
          spans.forEach(s -> acknowledged.add(s.getSpanId()));
        }
      });
      return r;
    }

    @Override
    public CompletableResultCode flush() {
      return delegate.flush();
    }

    @Override
    public CompletableResultCode shutdown() {
      return delegate.shutdown();
    }
  }

  /** An OTLP/gRPC receiver on a fixed port that counts the spans it gets by span id. */
  private static final class Downstream {
    private final Map<String, Integer> counts = new ConcurrentHashMap<>();
    private final Server server;

    Downstream(int port) {
      this(port, Duration.ZERO);
    }

    /** @param delay how long each export takes, for a backend slower than the load */
    Downstream(int port, Duration delay) {
      TraceServiceGrpc.TraceServiceImplBase service = new TraceServiceGrpc.TraceServiceImplBase() {
        @Override
        public void export(ExportTraceServiceRequest request, StreamObserver<ExportTraceServiceResponse> observer) {
          if (!delay.isZero()) {
            try {
              Thread.sleep(delay.toMillis());
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          for (ResourceSpans rs : request.getResourceSpansList()) {
            for (ScopeSpans ss : rs.getScopeSpansList()) {
              for (Span s : ss.getSpansList()) {
                counts.merge(Hex.encode(s.getSpanId().toByteArray()), 1, Integer::sum);
              }
            }
          }
          observer.onNext(ExportTraceServiceResponse.getDefaultInstance());
          observer.onCompleted();
        }
      };
      server = Server.builder().http(new java.net.InetSocketAddress("127.0.0.1", port))
          .gracefulShutdownTimeout(Duration.ZERO, Duration.ZERO)
          .maxRequestLength(64L * 1024 * 1024)
          .service(GrpcService.builder().addService(service).maxRequestMessageLength(64 * 1024 * 1024)
              .useBlockingTaskExecutor(true).build())
          .build();
      server.start().join();
    }

    long missing(Set<String> ids) {
      return ids.stream().filter(id -> !counts.containsKey(id)).count();
    }

    long received(Set<String> ids) {
      return ids.stream().filter(counts::containsKey).count();
    }

    int distinct() {
      return counts.size();
    }

    long total() {
      return counts.values().stream().mapToLong(Integer::longValue).sum();
    }

    void stop() {
      server.stop().join();
    }
  }

  /** {@code traceyard run} in its own JVM, its output collected. */
  private static final class TraceyardProcess {
    final Process process;
    final List<String> log = new CopyOnWriteArrayList<>();
    private final Thread reader;

    TraceyardProcess(Path config) throws IOException {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      process = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
          Main.class.getName(), "run", "--config", config.toString())
          .redirectErrorStream(true)
          .start();
      reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line; (line = r.readLine()) != null; ) {
            log.add(line);
          }
        } catch (IOException e) {
          // process ended
        }
      });
      reader.setDaemon(true);
      reader.start();
    }

    int port(Pattern p) {
      for (String line : log) {
        Matcher m = p.matcher(line);
        if (m.find()) {
          return Integer.parseInt(m.group(1));
        }
      }
      return -1;
    }

    String logText() {
      return String.join("\n", log);
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed. */
    void kill() {
      if (process.isAlive()) {
        process.destroyForcibly();
        try {
          process.waitFor(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }

    /** SIGTERM, then waits for the exit. */
    void terminate() throws InterruptedException {
      assertThat(process.toHandle().destroy()).isTrue();
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("exits after SIGTERM").isTrue();
      reader.join(TimeUnit.SECONDS.toMillis(30));
    }

    /** A series of this process' self-telemetry labelled {@code exporter="otlp"}. */
    double metric(String name) throws Exception {
      // HTTP/1.1: the JDK client's default h2c upgrade on a fresh connection now and then ended in an EOF
      // on a loaded CI machine. A scrape is a read, so one failed attempt is simply repeated.
      HttpRequest scrape = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(METRICS) + "/metrics"))
          .version(HttpClient.Version.HTTP_1_1).timeout(Duration.ofSeconds(30)).build();
      String body;
      try {
        body = METRICS_HTTP.send(scrape, HttpResponse.BodyHandlers.ofString()).body();
      } catch (java.io.IOException e) {
        body = METRICS_HTTP.send(scrape, HttpResponse.BodyHandlers.ofString()).body();
      }
      for (String line : body.split("\n")) {
        if (line.startsWith(name + "{") && line.contains("exporter=\"otlp\"")) {
          return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
      }
      return 0;
    }
  }
}
