package dev.traceyard.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.ComponentKind;
import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Exporter;
import dev.traceyard.collector.component.Receiver;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.ConfigErrors;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.exporter.kafka.KafkaExporterConfig;
import dev.traceyard.collector.exporter.kafka.KafkaExporterFactory;
import dev.traceyard.collector.receiver.kafka.KafkaReceiverFactory;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import dev.traceyard.server.loadgen.TraceGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * Spans per second through the {@code kafka} exporter, an in-process single-node KRaft broker and
 * the {@code kafka} receiver, in one JVM: pre-generated loadgen batches are offered to the exporter
 * (sending queue, {@code partition_traces_by_id} on or off) as fast as it takes them; the receiver's
 * pipeline counts spans. Reports the rate from the first offer until the receiver has every span.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.traceyard.benchmarks.KafkaThroughput \
 *     [--spans 1000000] [--batch 512] [--partitions 4] [--by-trace-id true] [--encoding otlp_proto] [--compression none]</pre>
 */
public final class KafkaThroughput {
  private KafkaThroughput() {}

  public static void main(String[] args) throws Exception {
    long totalSpans = 1_000_000;
    int batch = 512;
    int partitions = 4;
    boolean byTraceId = true;
    String encoding = "otlp_proto";
    String compression = "none";
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--spans" -> totalSpans = Long.parseLong(args[i + 1]);
        case "--batch" -> batch = Integer.parseInt(args[i + 1]);
        case "--partitions" -> partitions = Integer.parseInt(args[i + 1]);
        case "--by-trace-id" -> byTraceId = Boolean.parseBoolean(args[i + 1]);
        case "--encoding" -> encoding = args[i + 1];
        case "--compression" -> compression = args[i + 1];
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    Path dir = Files.createTempDirectory("kafka-bench");
    TestKitNodes nodes = new TestKitNodes.Builder().setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1)
        .setBaseDirectory(dir).build();
    try (KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(nodes).setDeleteOnClose(true)
        .setConfigProp("offsets.topic.replication.factor", "1")
        .setConfigProp("offsets.topic.num.partitions", "1")
        .setConfigProp("group.initial.rebalance.delay.ms", "0").build()) {
      cluster.format();
      cluster.startup();
      cluster.waitForReadyBrokers();
      String bootstrap = cluster.bootstrapServers();
      try (Admin admin = Admin.create(cluster.clientProperties())) {
        admin.createTopics(List.of(new NewTopic("bench_spans", partitions, (short) 1))).all().get();
      }
      run(bootstrap, totalSpans, batch, partitions, byTraceId, encoding, compression);
    }
  }

  private static void run(String bootstrap, long totalSpans, int batchSize, int partitions, boolean byTraceId,
      String encoding, String compression) throws Exception {
    TraceGenerator gen = new TraceGenerator(10, 5, 42);
    List<TraceBatch> batches = new ArrayList<>();
    long now = System.currentTimeMillis() * 1_000_000L;
    for (int i = 0; i < 64; i++) {
      batches.add(TraceBatch.of(gen.request(batchSize, 0.1, now)));
    }
    long bytes = batches.stream().mapToLong(b -> b.request().getSerializedSize()).sum() / batches.size();

    SelfTelemetry telemetry = SelfTelemetry.forTesting();
    KafkaExporterFactory ef = new KafkaExporterFactory();
    KafkaExporterConfig ec = parse(ef::parseConfig, "exporters.kafka", String.join("\n",
        "brokers: [" + bootstrap + "]",
        "traces: {topic: bench_spans, encoding: " + encoding + "}",
        "partition_traces_by_id: " + byTraceId,
        "producer: {required_acks: 1, compression: " + compression + "}",
        "sending_queue: {queue_size: 200}"));
    Exporter exporter = ef.create(new ComponentSettings(ComponentId.parse("kafka"), ComponentKind.EXPORTER, telemetry), ec);

    LongAdder received = new LongAdder();
    KafkaReceiverFactory rf = new KafkaReceiverFactory();
    var rc = parse(rf::parseConfig, "receivers.kafka", String.join("\n",
        "brokers: [" + bootstrap + "]",
        "traces: {topic: bench_spans, encoding: " + encoding + "}",
        "group_id: bench",
        "initial_offset: earliest"));
    Receiver receiver = rf.create(new ComponentSettings(ComponentId.parse("kafka"), ComponentKind.RECEIVER, telemetry), rc,
        (Batch b) -> {
          received.add(b.itemCount());
          return ConsumeResult.success();
        }, Set.of(Signal.TRACES));

    exporter.start(id -> Optional.empty());
    receiver.start(id -> Optional.empty());
    long offered = 0;
    long refusals = 0;
    long start = System.nanoTime();
    int i = 0;
    while (offered < totalSpans) {
      TraceBatch b = batches.get(i++ % batches.size());
      ConsumeResult r = exporter.consume(b);
      if (r.isSuccess()) {
        offered += b.itemCount();
      } else {
        refusals++;
        Thread.sleep(1);
      }
    }
    long offeredAt = System.nanoTime();
    long deadline = offeredAt + 300_000_000_000L;
    while (received.sum() < offered && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    long end = System.nanoTime();
    receiver.shutdown();
    exporter.shutdown();
    double secs = (end - start) / 1e9;
    System.out.printf("kafka exporter -> broker -> kafka receiver: spans=%d batch=%d (%d bytes) partitions=%d"
            + " partition_traces_by_id=%s encoding=%s compression=%s%n",
        offered, batchSize, bytes, partitions, byTraceId, encoding, compression);
    System.out.printf("  received=%d in %.2fs: %.0f spans/s (offer phase %.2fs, queue-full refusals %d, send failed %.0f)%n",
        received.sum(), secs, received.sum() / secs, (offeredAt - start) / 1e9, refusals,
        telemetry.value("traceyard_exporter_send_failed_spans", "kafka"));
  }

  private static <C> C parse(java.util.function.Function<ConfigNode, C> parser, String path, String yaml) throws Exception {
    JsonNode tree = new ObjectMapper(new YAMLFactory()).readTree(yaml);
    ConfigErrors errors = new ConfigErrors();
    ConfigNode node = ConfigNode.of(tree, path, errors);
    C c = parser.apply(node);
    node.reportUnknownKeys();
    if (!errors.list().isEmpty()) {
      throw new IllegalArgumentException(errors.list().toString());
    }
    return c;
  }
}
