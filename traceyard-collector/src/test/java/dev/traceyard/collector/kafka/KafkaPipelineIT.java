package dev.traceyard.collector.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.traceyard.collector.Components;
import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.ComponentKind;
import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Exporter;
import dev.traceyard.collector.component.ExporterFactory;
import dev.traceyard.collector.component.Receiver;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.ConfigLoader;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.service.Service;
import dev.traceyard.collector.service.ServiceConfig;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import dev.traceyard.collector.receiver.kafka.KafkaReceiverFactory;
import dev.traceyard.collector.testing.EmbeddedKafka;
import dev.traceyard.collector.testing.TestConfig;
import dev.traceyard.collector.testing.TestComponents;
import dev.traceyard.collector.testing.TestComponents.PushReceiver;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@code kafka} exporter and receiver against a real in-process Kafka broker (shared by the
 * class), with real OpenTelemetry SDK clients in front: SDK -> otlp receiver -> kafka exporter ->
 * broker -> kafka receiver (another service) -> a capturing exporter.
 */
class KafkaPipelineIT {
  private static final Duration WAIT = Duration.ofSeconds(45);
  private static EmbeddedKafka kafka;

  private final List<Service> services = new ArrayList<>();

  @BeforeAll
  static void startKafka() {
    kafka = EmbeddedKafka.builder().partitions(4).start();
  }

  @AfterAll
  static void stopKafka() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @AfterEach
  void stopServices() {
    for (int i = services.size() - 1; i >= 0; i--) {
      services.get(i).shutdown(Duration.ofSeconds(20));
    }
  }

  // ---- the capturing exporter at the end of the receiving service ----

  /** Records every span it accepts; its answer per batch is set by the test. */
  static final class Capture implements Exporter {
    final List<String> spanNames = new CopyOnWriteArrayList<>();
    final Map<ByteString, AtomicInteger> spanIds = new ConcurrentHashMap<>();
    final AtomicInteger calls = new AtomicInteger();
    volatile Function<Batch, ConsumeResult> policy = b -> ConsumeResult.success();

    @Override
    public ConsumeResult consume(Batch batch) {
      calls.incrementAndGet();
      ConsumeResult r = policy.apply(batch);
      if (r.isSuccess()) {
        for (ResourceSpans rs : ((TraceBatch) batch).request().getResourceSpansList()) {
          for (ScopeSpans ss : rs.getScopeSpansList()) {
            for (io.opentelemetry.proto.trace.v1.Span s : ss.getSpansList()) {
              spanNames.add(s.getName());
              spanIds.computeIfAbsent(s.getSpanId(), k -> new AtomicInteger()).incrementAndGet();
            }
          }
        }
      }
      return r;
    }

    int duplicates() {
      return spanIds.values().stream().mapToInt(c -> c.get() - 1).sum();
    }
  }

  static final class CaptureFactory implements ExporterFactory<Object> {
    @Override
    public String type() {
      return "capture";
    }

    @Override
    public Object parseConfig(ConfigNode node) {
      return new Object();
    }

    @Override
    public Set<Signal> signals() {
      return Set.of(Signal.TRACES);
    }

    @Override
    public Exporter create(ComponentSettings settings, Object config) {
      return new Capture();
    }
  }

  private Service start(String yaml, SelfTelemetry telemetry) throws Exception {
    ServiceConfig config = ServiceConfig.parse(new ConfigLoader(Map.<String, String>of()::get).loadString("kafka.yaml", yaml),
        TestComponents.addTo(Components.builtInBuilder()).exporter(new CaptureFactory()).build());
    Service service = Service.create(config, telemetry);
    service.start();
    services.add(service);
    return service;
  }

  private Service receivingService(String topic, String group, String encoding, SelfTelemetry telemetry) throws Exception {
    return start(String.join("\n",
        "receivers:",
        "  kafka:",
        "    brokers: [" + kafka.bootstrapServers() + "]",
        "    traces: {topic: " + topic + ", encoding: " + encoding + "}",
        "    group_id: " + group,
        "    initial_offset: earliest",
        "    autocommit: {interval: 200ms}",
        "    error_backoff: {initial_interval: 50ms, max_interval: 200ms}",
        "exporters:",
        "  capture:",
        "service:",
        "  telemetry: {metrics: {level: none}}",
        "  pipelines:",
        "    traces:",
        "      receivers: [kafka]",
        "      exporters: [capture]",
        ""), telemetry);
  }

  private static Capture capture(Service s) {
    return (Capture) s.exporter(ComponentId.parse("capture"));
  }

  // ---- tests ----

  @Test
  void everySdkSpanArrivesThroughKafkaAndEachTraceStaysInOnePartition() throws Exception {
    String topic = "e2e_spans";
    kafka.createTopic(topic, 4);
    SelfTelemetry senderTelemetry = SelfTelemetry.forTesting();
    Service sender = start(String.join("\n",
        "receivers:",
        "  otlp:",
        "    protocols:",
        "      grpc: {endpoint: 127.0.0.1:0}",
        "exporters:",
        "  kafka:",
        "    brokers: [" + kafka.bootstrapServers() + "]",
        "    traces: {topic: " + topic + "}",
        "    partition_traces_by_id: true",
        "    producer: {required_acks: -1, compression: lz4}",
        "service:",
        "  telemetry: {metrics: {level: none}}",
        "  pipelines:",
        "    traces:",
        "      receivers: [otlp]",
        "      exporters: [kafka]",
        ""), senderTelemetry);
    Service receiver = receivingService(topic, "e2e", "otlp_proto", SelfTelemetry.forTesting());

    int traces = 60;
    int spansPerTrace = 5;
    String endpoint = "http://127.0.0.1:" + sender.receiver(ComponentId.parse("otlp")).boundAddresses().get("grpc").getPort();
    OtlpGrpcSpanExporter exporter = OtlpGrpcSpanExporter.builder().setEndpoint(endpoint).setTimeout(WAIT).build();
    // Batches of several traces, so the exporter has to split them by trace id.
    try (SdkTracerProvider tracing = SdkTracerProvider.builder()
        .addSpanProcessor(BatchSpanProcessor.builder(exporter).setMaxExportBatchSize(64)
            .setScheduleDelay(Duration.ofMillis(50)).build()).build()) {
      Tracer tracer = tracing.get("kafka-it");
      for (int t = 0; t < traces; t++) {
        Span root = tracer.spanBuilder("root-" + t).startSpan();
        try (Scope ignored = root.makeCurrent()) {
          for (int c = 1; c < spansPerTrace; c++) {
            tracer.spanBuilder("child-" + t + "-" + c).startSpan().end();
          }
        }
        root.end();
      }
      assertThat(tracing.forceFlush().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    }

    Capture capture = capture(receiver);
    await().atMost(WAIT).untilAsserted(() -> assertThat(capture.spanIds).hasSize(traces * spansPerTrace));
    assertThat(senderTelemetry.value("traceyard_exporter_sent_spans", "kafka")).isEqualTo(traces * spansPerTrace);
    assertThat(senderTelemetry.value("traceyard_exporter_send_failed_spans", "kafka")).isZero();

    // Read the topic back: every message is keyed by the one trace id it holds, every trace in one partition.
    Map<ByteString, Set<Integer>> partitionsOfTrace = new HashMap<>();
    List<ConsumerRecord<byte[], byte[]>> records = readAll(topic, 4);
    for (ConsumerRecord<byte[], byte[]> r : records) {
      ExportTraceServiceRequest req = ExportTraceServiceRequest.parseFrom(r.value());
      Set<ByteString> ids = new HashSet<>();
      req.getResourceSpansList().forEach(rs -> rs.getScopeSpansList().forEach(ss -> ss.getSpansList()
          .forEach(s -> ids.add(s.getTraceId()))));
      assertThat(ids).containsExactly(ByteString.copyFrom(r.key()));
      partitionsOfTrace.computeIfAbsent(ByteString.copyFrom(r.key()), k -> new HashSet<>()).add(r.partition());
    }
    assertThat(partitionsOfTrace).hasSize(traces);
    assertThat(partitionsOfTrace.values()).allSatisfy(p -> assertThat(p).hasSize(1));
    assertThat(partitionsOfTrace.values().stream().flatMap(Set::stream).distinct().count())
        .as("traces spread over partitions").isGreaterThan(1);
    // And the receiver commits everything it delivered.
    long end = kafka.endOffsets(topic).values().stream().mapToLong(Long::longValue).sum();
    await().atMost(WAIT).untilAsserted(() -> assertThat(
        kafka.committedOffsets("e2e").values().stream().mapToLong(Long::longValue).sum()).isEqualTo(end));
  }

  @Test
  void restartedReceiverResumesFromItsCommittedOffsetsWithoutLoss() throws Exception {
    String topic = "restart_spans";
    kafka.createTopic(topic, 3);
    produce(topic, KafkaEncoding.OTLP_PROTO, "first", 0, 90);
    SelfTelemetry t1 = SelfTelemetry.forTesting();
    Service first = receivingService(topic, "restart", "otlp_proto", t1);
    Capture c1 = capture(first);
    await().atMost(WAIT).untilAsserted(() -> assertThat(c1.spanIds).hasSize(90));
    first.shutdown(Duration.ofSeconds(20));
    services.remove(first);

    produce(topic, KafkaEncoding.OTLP_PROTO, "second", 90, 90);
    Service second = receivingService(topic, "restart", "otlp_proto", SelfTelemetry.forTesting());
    Capture c2 = capture(second);
    await().atMost(WAIT).untilAsserted(() -> assertThat(c2.spanIds).hasSize(90));

    Set<ByteString> all = new HashSet<>(c1.spanIds.keySet());
    all.addAll(c2.spanIds.keySet());
    assertThat(all).hasSize(180);
    // A clean stop commits what was delivered: the second receiver starts exactly where the first stopped.
    int duplicates = c1.duplicates() + c2.duplicates() + (c1.spanIds.size() + c2.spanIds.size() - all.size());
    assertThat(duplicates).isZero();
    assertThat(c2.spanNames).allSatisfy(n -> assertThat(n).startsWith("second-"));
  }

  @Test
  void retryableRefusalsAreRetriedInOrderAndPermanentOnesAreSkippedAndCounted() throws Exception {
    String topic = "refusing_spans";
    kafka.createTopic(topic, 1);
    SelfTelemetry telemetry = SelfTelemetry.forTesting();
    AtomicInteger refusals = new AtomicInteger();
    Service service = receivingService(topic, "refusing", "otlp_proto", telemetry);
    Capture capture = capture(service);
    capture.policy = b -> {
      String name = ((TraceBatch) b).request().getResourceSpans(0).getScopeSpans(0).getSpans(0).getName();
      if (name.equals("span-13")) {
        return ConsumeResult.permanent("span-13 is refused for good");
      }
      // span-0, span-5, span-10, span-15 are each refused three times before they are taken.
      if (Integer.parseInt(name.substring(5)) % 5 == 0 && refusals.incrementAndGet() % 4 != 0) {
        return ConsumeResult.retryable("downstream is busy", null);
      }
      return ConsumeResult.success();
    };
    // Produced after the policy is in place; the receiver reads from the earliest offset.
    produce(topic, KafkaEncoding.OTLP_PROTO, "span", 0, 20);

    await().atMost(WAIT).untilAsserted(() -> assertThat(kafka.committedOffsets("refusing"))
        .containsEntry(new TopicPartition(topic, 0), 20L));
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      if (i != 13) {
        expected.add("span-" + i);
      }
    }
    // Nothing skipped, nothing reordered, nothing twice; only the permanently refused one is missing.
    assertThat(capture.spanNames).containsExactlyElementsOf(expected);
    assertThat(telemetry.value("traceyard_kafka_receiver_retries", "kafka", topic)).isEqualTo(12);
    assertThat(telemetry.value("traceyard_receiver_refused_spans", "kafka", "kafka")).isEqualTo(1);
    assertThat(telemetry.value("traceyard_receiver_accepted_spans", "kafka", "kafka")).isEqualTo(19);
  }

  @Test
  void commitGateHoldsCommitsBackSoTheNextOwnerReplaysWhatTheGateStillNeeds() throws Exception {
    String topic = "gated_spans";
    kafka.createTopic(topic, 1);
    produce(topic, KafkaEncoding.OTLP_PROTO, "gated", 0, 12);
    KafkaReceiverFactory factory = new KafkaReceiverFactory();
    var parsed = TestConfig.parse(String.join("\n",
        "brokers: [" + kafka.bootstrapServers() + "]",
        "traces: {topic: " + topic + "}",
        "group_id: gated",
        "initial_offset: earliest",
        "autocommit: {interval: 100ms}"), "receivers.kafka", factory::parseConfig);
    assertThat(parsed.errors()).isEmpty();
    SelfTelemetry telemetry = SelfTelemetry.forTesting();
    ComponentSettings settings = new ComponentSettings(ComponentId.parse("kafka"), ComponentKind.RECEIVER, telemetry);
    List<String> firstSeen = new CopyOnWriteArrayList<>();
    // A stage that still needs everything from offset 4 on (say, undecided traces): commits stop there.
    Receiver gated = factory.create(settings, parsed.config(), b -> {
      firstSeen.add(((TraceBatch) b).request().getResourceSpans(0).getScopeSpans(0).getSpans(0).getName());
      return ConsumeResult.success();
    }, Set.of(Signal.TRACES), (tp, delivered) -> Math.min(delivered, 4));
    gated.start(id -> java.util.Optional.empty());
    try {
      await().atMost(WAIT).untilAsserted(() -> assertThat(firstSeen).hasSize(12));
      await().atMost(WAIT).untilAsserted(() -> assertThat(kafka.committedOffsets("gated"))
          .containsEntry(new TopicPartition(topic, 0), 4L));
    } finally {
      gated.shutdown();
    }
    // Still 4 after the stop: the gate, not the shutdown, decides.
    assertThat(kafka.committedOffsets("gated")).containsEntry(new TopicPartition(topic, 0), 4L);

    List<String> replayed = new CopyOnWriteArrayList<>();
    Receiver next = factory.create(settings, parsed.config(), b -> {
      replayed.add(((TraceBatch) b).request().getResourceSpans(0).getScopeSpans(0).getSpans(0).getName());
      return ConsumeResult.success();
    }, Set.of(Signal.TRACES));
    next.start(id -> java.util.Optional.empty());
    try {
      await().atMost(WAIT).untilAsserted(() -> assertThat(replayed).hasSize(8));
      await().atMost(WAIT).untilAsserted(() -> assertThat(kafka.committedOffsets("gated"))
          .containsEntry(new TopicPartition(topic, 0), 12L));
    } finally {
      next.shutdown();
    }
    assertThat(replayed).containsExactly("gated-4", "gated-5", "gated-6", "gated-7", "gated-8", "gated-9", "gated-10",
        "gated-11");
  }

  @Test
  void malformedMessageIsSkippedAndCountedWithoutStoppingThePartition() throws Exception {
    String topic = "json_spans";
    kafka.createTopic(topic, 1);
    produce(topic, KafkaEncoding.OTLP_JSON, "before", 0, 3);
    try (KafkaProducer<byte[], byte[]> p = producer()) {
      p.send(new ProducerRecord<>(topic, "{\"resourceSpans\": [".getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
      p.send(new ProducerRecord<>(topic, new byte[] {1, 2, 3})).get(30, TimeUnit.SECONDS);
    }
    produce(topic, KafkaEncoding.OTLP_JSON, "after", 3, 3);
    SelfTelemetry telemetry = SelfTelemetry.forTesting();
    Service service = receivingService(topic, "json", "otlp_json", telemetry);
    Capture capture = capture(service);
    await().atMost(WAIT).untilAsserted(() -> assertThat(capture.spanNames).hasSize(6));
    assertThat(capture.spanNames).containsExactly("before-0", "before-1", "before-2", "after-3", "after-4", "after-5");
    assertThat(telemetry.value("traceyard_kafka_receiver_malformed_messages", "kafka", topic)).isEqualTo(2);
    await().atMost(WAIT).untilAsserted(() -> assertThat(kafka.committedOffsets("json"))
        .containsEntry(new TopicPartition(topic, 0), 8L));
  }

  @Test
  void exporterStartedWhileTheBrokerIsDownQueuesAndDeliversOnceItIsBack() throws Exception {
    String topic = "late_spans";
    kafka.createTopic(topic, 1);
    SelfTelemetry telemetry = SelfTelemetry.forTesting();
    kafka.stopBroker();
    try {
      Service sender = start(String.join("\n",
          "receivers:",
          "  push:",
          "exporters:",
          "  kafka:",
          "    brokers: [" + kafka.bootstrapServers() + "]",
          "    topic: " + topic,
          "    timeout: 1s",
          "    retry_on_failure: {initial_interval: 200ms, max_interval: 1s, max_elapsed_time: 2m}",
          "service:",
          "  telemetry: {metrics: {level: none}}",
          "  pipelines:",
          "    traces:",
          "      receivers: [push]",
          "      exporters: [kafka]",
          ""), telemetry);
      PushReceiver push = (PushReceiver) sender.receiver(ComponentId.parse("push"));
      ConsumeResult queued = push.next.consume(TraceBatch.of(request("late", 0, 7)));
      assertThat(queued.isSuccess()).as("queued while the broker is down: %s", queued).isTrue();
      assertThat(telemetry.value("traceyard_exporter_sent_spans", "kafka")).isZero();
    } finally {
      kafka.startBroker();
    }
    await().atMost(WAIT).untilAsserted(() -> assertThat(telemetry.value("traceyard_exporter_sent_spans", "kafka")).isEqualTo(7));
    assertThat(telemetry.value("traceyard_exporter_send_failed_spans", "kafka")).isZero();
    List<ConsumerRecord<byte[], byte[]>> records = readAll(topic, 1);
    assertThat(records).hasSize(1);
    assertThat(ExportTraceServiceRequest.parseFrom(records.get(0).value()).getResourceSpans(0).getScopeSpans(0)
        .getSpansList()).extracting(io.opentelemetry.proto.trace.v1.Span::getName)
        .containsExactly("late-0", "late-1", "late-2", "late-3", "late-4", "late-5", "late-6");
  }

  // ---- helpers ----

  /** {@code count} messages of one span each, named {@code prefix-i}, with distinct span ids. */
  private static void produce(String topic, KafkaEncoding encoding, String prefix, int from, int count) throws Exception {
    try (KafkaProducer<byte[], byte[]> p = producer()) {
      for (int i = from; i < from + count; i++) {
        p.send(new ProducerRecord<>(topic, encoding.encode(TraceBatch.of(request(prefix, i, 1)))));
      }
      p.flush();
    }
  }

  private static final AtomicInteger NEXT_ID = new AtomicInteger(1);

  private static ExportTraceServiceRequest request(String prefix, int index, int spans) {
    ScopeSpans.Builder ss = ScopeSpans.newBuilder();
    for (int s = 0; s < spans; s++) {
      int id = NEXT_ID.getAndIncrement();
      ss.addSpans(io.opentelemetry.proto.trace.v1.Span.newBuilder()
          .setTraceId(ByteString.copyFrom(ByteBuffer.allocate(16).putLong(8, id).array()))
          .setSpanId(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(id).array()))
          .setName(prefix + "-" + (index + s)).setStartTimeUnixNano(1).setEndTimeUnixNano(2));
    }
    return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(KeyValue.newBuilder().setKey("service.name")
            .setValue(AnyValue.newBuilder().setStringValue("kafka-it"))))
        .addScopeSpans(ss)).build();
  }

  private static KafkaProducer<byte[], byte[]> producer() {
    Properties p = kafka.clientProperties();
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** Every record of a topic, read from the beginning without a group. */
  private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int partitions) {
    Map<TopicPartition, Long> end = kafka.endOffsets(topic);
    long total = end.values().stream().mapToLong(Long::longValue).sum();
    Properties p = kafka.clientProperties();
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> tps = new ArrayList<>();
      for (int i = 0; i < partitions; i++) {
        tps.add(new TopicPartition(topic, i));
      }
      c.assign(tps);
      c.seekToBeginning(tps);
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (out.size() < total && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    assertThat(out).hasSize((int) total);
    return out;
  }
}
