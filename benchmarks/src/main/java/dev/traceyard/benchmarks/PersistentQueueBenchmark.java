package dev.traceyard.benchmarks;

import com.google.protobuf.ByteString;
import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.ComponentKind;
import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.config.ConfigErrors;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.exporter.exporterhelper.ExportQueue;
import dev.traceyard.collector.exporter.exporterhelper.ExportQueueFactory;
import dev.traceyard.collector.exporter.exporterhelper.QueueConfig;
import dev.traceyard.collector.extension.filestorage.FileStorageConfig;
import dev.traceyard.collector.extension.filestorage.FileStorageExtensionFactory;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * Throughput of the persistent sending queue ({@code file_storage}) per fsync mode, with one
 * 100-span batch (about 20 KiB of OTLP protobuf) per operation:
 *
 * <ul>
 *   <li>{@code append1Thread} / {@code append4Threads}: offers while the backend is down (nothing is
 *       taken), from 1 and 4 threads; with {@code fsync: always} concurrent offers share device flushes
 *       (group commit). An offer that is not accepted fails the run, so refusals cannot inflate it.
 *   <li>{@code offerTakeDone}: a healthy exporter's path per batch: append, read back, decode, acknowledge.
 * </ul>
 *
 * Each iteration starts from an empty queue in a fresh temporary directory (the quota is 8 GiB).
 * Scores are batches per second; multiply by 100 for spans per second. Check that the temporary
 * directory is on a real disk (not tmpfs), or fsync costs nothing.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class PersistentQueueBenchmark {
  static final int SPANS = 100;

  @Param({"always", "interval", "never"})
  public String fsync;

  private Path dir;
  private ExportQueue queue;
  private Runnable shutdown;
  private final TraceBatch batch = batch(new Random(1));

  @Setup(Level.Iteration)
  public void setUp() throws Exception {
    dir = Files.createTempDirectory("traceyard-pq-bench");
    ConfigErrors errors = new ConfigErrors();
    ObjectNodeYaml yaml = new ObjectNodeYaml("directory: " + dir + "\nfsync: " + fsync + "\nmax_size_mib: 8192\n");
    FileStorageExtensionFactory factory = new FileStorageExtensionFactory();
    FileStorageConfig config = factory.parseConfig(ConfigNode.of(yaml.node, "extensions.file_storage", errors));
    if (!errors.list().isEmpty()) {
      throw new IllegalStateException(errors.list().toString());
    }
    var ext = factory.create(new ComponentSettings(ComponentId.of("file_storage"), ComponentKind.EXTENSION,
        SelfTelemetry.forTesting()), config);
    ext.start(id -> java.util.Optional.empty());
    queue = ((ExportQueueFactory) ext).createQueue(ComponentId.of("otlp"),
        new QueueConfig(true, 1, 100_000_000, QueueConfig.Sizer.REQUESTS, false, ComponentId.of("file_storage")));
    shutdown = () -> {
      queue.stop();
      ext.shutdown();
    };
  }

  @TearDown(Level.Iteration)
  public void tearDown() throws Exception {
    shutdown.run();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private void append() {
    ExportQueue.Offer o = queue.offer(batch);
    if (o != ExportQueue.Offer.ACCEPTED) {
      throw new IllegalStateException("offer was " + o + ": the run would not measure appends");
    }
  }

  @Benchmark
  @Threads(1)
  public void append1Thread() {
    append();
  }

  @Benchmark
  @Threads(4)
  public void append4Threads() {
    append();
  }

  @Benchmark
  @Threads(1)
  public int offerTakeDone() throws InterruptedException {
    append();
    ExportQueue.Entry e = queue.take();
    e.done();
    return e.batch().itemCount();
  }

  static TraceBatch batch(Random random) {
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    byte[] traceId = new byte[16];
    for (int i = 0; i < SPANS; i++) {
      if (i % 10 == 0) {
        random.nextBytes(traceId);
      }
      byte[] spanId = new byte[8];
      random.nextBytes(spanId);
      Span.Builder s = Span.newBuilder().setTraceId(ByteString.copyFrom(traceId)).setSpanId(ByteString.copyFrom(spanId))
          .setName("GET /api/orders/{id}").setKind(Span.SpanKind.SPAN_KIND_SERVER)
          .setStartTimeUnixNano(1_700_000_000_000_000_000L + i).setEndTimeUnixNano(1_700_000_000_050_000_000L + i);
      for (int a = 0; a < 5; a++) {
        s.addAttributes(KeyValue.newBuilder().setKey("attr." + a)
            .setValue(AnyValue.newBuilder().setStringValue("value-" + random.nextInt(1000))));
      }
      scope.addSpans(s);
    }
    return Batch.of(ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(scope)).build());
  }

  /** Parses a small YAML snippet into a JSON tree, as the config loader would. */
  private static final class ObjectNodeYaml {
    final com.fasterxml.jackson.databind.JsonNode node;

    ObjectNodeYaml(String yaml) throws IOException {
      node = new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
          .readTree(yaml);
    }
  }

  /** Prints the batch's encoded size, for the figures. */
  public static void main(String[] args) {
    System.out.println("batch: " + SPANS + " spans, " + batch(new Random(1)).request().getSerializedSize()
        + " bytes of OTLP protobuf");
  }
}
