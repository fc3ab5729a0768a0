package dev.traceyard.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.grpc.GrpcService;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.BufferedReader;
import java.io.InputStreamReader;
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
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Overload as a real process: {@code traceyard run} with a 256 MiB heap, {@code memory_limiter},
 * an admission limit, a batch processor and an {@code otlp} exporter in front of a deliberately slow
 * in-test OTLP backend, loaded at twice the rate the backend can take. The process must not run out
 * of memory (it is started with {@code -XX:+ExitOnOutOfMemoryError}, so any OOM ends it), its heap
 * must stay under {@code -Xmx} as its own {@code /metrics} reports, clients must only see retryable
 * refusals, and every span the receiver acknowledged must reach the backend.
 */
class OverloadIT {
  private static final Pattern GRPC_LISTENING = Pattern.compile("receiver otlp listening for grpc on \\S*?:(\\d+)");
  private static final Pattern METRICS_LISTENING = Pattern.compile("self-telemetry listening on \\S*?:(\\d+)");
  private static final Pattern HEAP_USED = Pattern.compile("^jvm_memory_used_bytes\\{area=\"heap\"} (\\S+)$",
      Pattern.MULTILINE);
  private static final Pattern DIRECT_USED = Pattern.compile("^jvm_buffer_pool_used_bytes\\{pool=\"direct\"} (\\S+)$",
      Pattern.MULTILINE);
  private static final long MAX_HEAP = 256L * 1024 * 1024;
  /**
   * The backend takes one export at a time and needs this long per span: 200 spans/s. Low, so that
   * the backend and not the (shared, loaded) test machine is what limits the rate.
   */
  private static final long BACKEND_NANOS_PER_SPAN = 5_000_000;
  private static final int SPANS_PER_REQUEST = 20;
  /**
   * A request every 50 ms x 20 spans = 400 spans/s (~0.8 MiB/s with 2 KiB spans) offered: twice what
   * the backend takes.
   */
  private static final long REQUEST_INTERVAL_MILLIS = 50;
  private static final Duration LOAD = Duration.ofSeconds(30);

  @TempDir Path dir;
  private Process process;
  private Server backend;
  private final List<String> log = new CopyOnWriteArrayList<>();
  private final Map<ByteString, Integer> delivered = new ConcurrentHashMap<>();
  private final ReentrantLock backendLock = new ReentrantLock();

  @AfterEach
  void stop() {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
    }
    if (backend != null) {
      backend.stop().join();
    }
  }

  @Test
  void twiceTheSustainableRate_withASmallHeap_noOutOfMemory_retryableRefusals_nothingAcknowledgedLost()
      throws Exception {
    flood(2 * 1024, 512);
  }

  /**
   * 16 KiB spans, up to 256 requests (~84 MB of bodies) in flight: this exhausted direct memory (not
   * heap) while netty's adaptive allocator was the default (docs/reliability.md).
   */
  @Test
  void aHeavierFloodOfLargeRequests_doesNotExhaustDirectMemory() throws Exception {
    flood(16 * 1024, 256);
  }

  /**
   * @param spanPayloadBytes size of each span's one attribute
   * @param maxOutstanding requests in flight at once, so that the test itself stays bounded; far above
   *     what the rate needs
   */
  private void flood(int spanPayloadBytes, int maxOutstanding) throws Exception {
    startBackend();
    Path config = dir.resolve("config.yaml");
    Files.writeString(config, String.join("\n",
        "receivers:",
        "  otlp:",
        "    protocols:",
        "      grpc:",
        "        endpoint: 127.0.0.1:0",
        "        admission: {request_limit_mib: 1}",
        "processors:",
        "  memory_limiter: {check_interval: 100ms, limit_mib: 180, spike_limit_mib: 40}",
        "  batch: {send_batch_size: 100, send_batch_max_size: 100, timeout: 100ms}",
        "exporters:",
        "  otlp:",
        "    endpoint: 127.0.0.1:" + backend.activeLocalPort(),
        "    tls: {insecure: true}",
        "    compression: none",
        "    sending_queue: {queue_size: 4, num_consumers: 2}",
        "    retry_on_failure: {initial_interval: 100ms, max_interval: 1s, max_elapsed_time: 0s}",
        "service:",
        "  telemetry: {metrics: {address: 127.0.0.1:0}}",
        "  pipelines:",
        "    traces: {receivers: [otlp], processors: [memory_limiter, batch], exporters: [otlp]}",
        ""));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    process = new ProcessBuilder(java, "-Xmx256m", "-XX:+ExitOnOutOfMemoryError", "-cp",
        System.getProperty("java.class.path"), Main.class.getName(), "run", "--config", config.toString())
        .redirectErrorStream(true)
        .start();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          log.add(line);
        }
      } catch (Exception e) {
        // process ended
      }
    });
    reader.setDaemon(true);
    reader.start();
    await().atMost(Duration.ofSeconds(60)).until(() -> (port(GRPC_LISTENING) > 0 && port(METRICS_LISTENING) > 0)
        || !process.isAlive());
    assertThat(process.isAlive()).as("process output: %s", log).isTrue();

    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    URI metrics = URI.create("http://127.0.0.1:" + port(METRICS_LISTENING) + "/metrics");
    AtomicLong maxHeap = new AtomicLong();
    AtomicLong maxDirect = new AtomicLong();
    List<Long> heapSamples = new CopyOnWriteArrayList<>();
    Thread sampler = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        try {
          String body = http.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(5)).build(),
              HttpResponse.BodyHandlers.ofString()).body();
          long used = gauge(HEAP_USED, body);
          heapSamples.add(used);
          maxHeap.accumulateAndGet(used, Math::max);
          maxDirect.accumulateAndGet(gauge(DIRECT_USED, body), Math::max);
          Thread.sleep(200);
        } catch (InterruptedException e) {
          return;
        } catch (Exception e) {
          // the process is busy; the next sample will do
        }
      }
    });
    sampler.setDaemon(true);
    sampler.start();

    // ---- load, open loop: a fresh request every 50 ms whatever the answers, as many services would
    // send; a refused request is sent again 200 ms later (as an SDK retries) until the load ends.
    Set<ByteString> acknowledged = ConcurrentHashMap.newKeySet();
    Map<Status.Code, AtomicLong> refusals = new EnumMap<>(Status.Code.class);
    for (Status.Code c : Status.Code.values()) {
      refusals.put(c, new AtomicLong());
    }
    AtomicLong offered = new AtomicLong();
    AtomicLong attempts = new AtomicLong();
    AtomicLong nonRetryable = new AtomicLong();
    AtomicLong idSeq = new AtomicLong();
    long end = System.nanoTime() + LOAD.toNanos();
    TraceServiceGrpc.TraceServiceFutureStub stub = GrpcClients.builder("http://127.0.0.1:" + port(GRPC_LISTENING))
        .responseTimeout(Duration.ofSeconds(30)).maxRequestMessageLength(16 * 1024 * 1024)
        .build(TraceServiceGrpc.TraceServiceFutureStub.class);
    ScheduledExecutorService retries = Executors.newScheduledThreadPool(2);
    Semaphore outstanding = new Semaphore(maxOutstanding);
    List<java.util.function.Consumer<ExportTraceServiceRequest>> send = new ArrayList<>(1);
    send.add(req -> {
      outstanding.acquireUninterruptibly();
      attempts.incrementAndGet();
      Futures.addCallback(stub.export(req), new FutureCallback<>() {
        @Override
        public void onSuccess(ExportTraceServiceResponse r) {
          outstanding.release();
          req.getResourceSpans(0).getScopeSpans(0).getSpansList().forEach(s -> acknowledged.add(s.getSpanId()));
        }

        @Override
        public void onFailure(Throwable t) {
          outstanding.release();
          Status.Code code = Status.fromThrowable(t).getCode();
          refusals.get(code).incrementAndGet();
          if (code != Status.Code.RESOURCE_EXHAUSTED && code != Status.Code.UNAVAILABLE) {
            nonRetryable.incrementAndGet();
          } else if (System.nanoTime() < end) {
            retries.schedule(() -> send.get(0).accept(req), 200, TimeUnit.MILLISECONDS);
          }
        }
      }, MoreExecutors.directExecutor());
    });
    long next = System.nanoTime();
    while (System.nanoTime() < end) {
      send.get(0).accept(request(idSeq, spanPayloadBytes));
      offered.addAndGet(SPANS_PER_REQUEST);
      next += TimeUnit.MILLISECONDS.toNanos(REQUEST_INTERVAL_MILLIS);
      long sleep = next - System.nanoTime();
      if (sleep > 0) {
        Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
      }
    }
    retries.shutdown();
    assertThat(retries.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    assertThat(outstanding.tryAcquire(maxOutstanding, 60, TimeUnit.SECONDS)).as("all answered").isTrue();
    long loadEnded = System.nanoTime();

    // ---- everything acknowledged reaches the backend once the backlog drains
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
        .until(() -> delivered.keySet().containsAll(acknowledged) || !process.isAlive());
    double drainSeconds = (System.nanoTime() - loadEnded) / 1e9;
    sampler.interrupt();
    sampler.join(5_000);

    String output = String.join("\n", log);
    assertThat(process.isAlive()).as("process output: %s", output).isTrue();
    assertThat(output).doesNotContain("OutOfMemoryError");
    HttpResponse<String> scrape = http.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(scrape.statusCode()).as("still answers").isEqualTo(200);

    long duplicates = delivered.values().stream().filter(n -> n > 1).count();
    String byReason = reasons(scrape.body());
    System.out.printf("OVERLOAD FIGURES (%d KiB spans, %d in flight): offered=%d new spans in %ds"
        + " (%.0f/s, backend ~%.0f/s), %d requests sent"
        + " (retries included), acknowledged=%d,"
        + " delivered=%d (duplicates=%d), refusals=%s, receiver refusals by reason: %s,"
        + " max heap used=%.1f MiB of %d MiB (%d samples), max direct buffers=%.1f MiB, drain after load=%.1fs%n",
        spanPayloadBytes / 1024, maxOutstanding, offered.get(), LOAD.toSeconds(),
        offered.get() / (double) LOAD.toSeconds(), 1e9 / BACKEND_NANOS_PER_SPAN,
        attempts.get(), acknowledged.size(), delivered.size(), duplicates, nonZero(refusals), byReason,
        maxHeap.get() / 1048576.0, MAX_HEAP / 1048576, heapSamples.size(), maxDirect.get() / 1048576.0,
        drainSeconds);
    long retryable = refusals.get(Status.Code.RESOURCE_EXHAUSTED).get() + refusals.get(Status.Code.UNAVAILABLE).get();
    assertThat(retryable).as("clients saw retryable refusals").isPositive();
    assertThat(nonRetryable.get()).as("non-retryable answers: %s", refusals).isZero();
    assertThat(acknowledged).isNotEmpty();
    assertThat(delivered.keySet()).as("every acknowledged span reached the backend").containsAll(acknowledged);
    assertThat(maxHeap.get()).as("heap samples %s", heapSamples.size()).isPositive().isLessThan(MAX_HEAP);
  }

  private void startBackend() {
    backend = Server.builder()
        .http(0)
        .maxRequestLength(64 * 1024 * 1024)
        .requestTimeout(Duration.ofSeconds(60))
        .service(GrpcService.builder()
            .maxRequestMessageLength(64 * 1024 * 1024)
            .useBlockingTaskExecutor(true)
            .addService(new TraceServiceGrpc.TraceServiceImplBase() {
              @Override
              public void export(ExportTraceServiceRequest request,
                  StreamObserver<ExportTraceServiceResponse> response) {
                int spans = 0;
                for (ResourceSpans rs : request.getResourceSpansList()) {
                  for (ScopeSpans ss : rs.getScopeSpansList()) {
                    spans += ss.getSpansCount();
                  }
                }
                // One export at a time, at a fixed cost per span: a backend with a known capacity.
                backendLock.lock();
                try {
                  Thread.sleep(spans * BACKEND_NANOS_PER_SPAN / 1_000_000);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                } finally {
                  backendLock.unlock();
                }
                for (ResourceSpans rs : request.getResourceSpansList()) {
                  for (ScopeSpans ss : rs.getScopeSpansList()) {
                    ss.getSpansList().forEach(s -> delivered.merge(s.getSpanId(), 1, Integer::sum));
                  }
                }
                response.onNext(ExportTraceServiceResponse.getDefaultInstance());
                response.onCompleted();
              }
            })
            .build())
        .build();
    backend.start().join();
  }

  private static ExportTraceServiceRequest request(AtomicLong idSeq, int spanPayloadBytes) {
    ScopeSpans.Builder ss = ScopeSpans.newBuilder();
    ss.getScopeBuilder().setName("overload-it");
    String payload = "p".repeat(spanPayloadBytes);
    for (int i = 0; i < SPANS_PER_REQUEST; i++) {
      long id = idSeq.incrementAndGet();
      ss.addSpans(Span.newBuilder()
          .setTraceId(ByteString.copyFrom(ByteBuffer.allocate(16).putLong(0x5eed).putLong(id / 10 + 1).array()))
          .setSpanId(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(id).array()))
          .setName("op-" + (id % 7))
          .setStartTimeUnixNano(1_700_000_000_000_000_000L + id)
          .setEndTimeUnixNano(1_700_000_000_001_000_000L + id)
          .addAttributes(KeyValue.newBuilder().setKey("payload").setValue(AnyValue.newBuilder().setStringValue(payload))));
    }
    ResourceSpans.Builder rs = ResourceSpans.newBuilder().addScopeSpans(ss);
    rs.getResourceBuilder().addAttributes(KeyValue.newBuilder().setKey("service.name")
        .setValue(AnyValue.newBuilder().setStringValue("overload")));
    return ExportTraceServiceRequest.newBuilder().addResourceSpans(rs).build();
  }

  private static long gauge(Pattern p, String scrape) {
    Matcher m = p.matcher(scrape);
    if (!m.find()) {
      throw new IllegalStateException("no " + p + " in /metrics");
    }
    return (long) Double.parseDouble(m.group(1));
  }

  /** {@code traceyard_receiver_refused_requests_total} and the processors' refused items, for the figures. */
  private static String reasons(String scrape) {
    List<String> out = new ArrayList<>();
    for (String line : scrape.split("\n")) {
      if ((line.startsWith("traceyard_receiver_refused_requests_total{")
          || line.startsWith("traceyard_processor_refused_items_total{")
          || line.startsWith("traceyard_processor_dropped_items_total{")
          || line.startsWith("traceyard_exporter_send_failed_spans_total{")
          || line.startsWith("traceyard_processor_batch_retried_sends_total{"))
          && !line.endsWith(" 0.0") && !line.endsWith(" 0")) {
        out.add(line);
      }
    }
    return out.toString();
  }

  private static Map<Status.Code, Long> nonZero(Map<Status.Code, AtomicLong> counts) {
    Map<Status.Code, Long> out = new EnumMap<>(Status.Code.class);
    counts.forEach((k, v) -> {
      if (v.get() > 0) {
        out.put(k, v.get());
      }
    });
    return out;
  }

  private int port(Pattern p) {
    for (String line : log) {
      Matcher m = p.matcher(line);
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
    }
    return -1;
  }
}
