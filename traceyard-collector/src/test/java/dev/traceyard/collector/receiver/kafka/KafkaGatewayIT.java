package dev.traceyard.collector.receiver.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.traceyard.collector.component.Exporter;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.consumer.Consumer;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import dev.traceyard.collector.testing.EmbeddedKafka;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Kafka gateway mode against a real in-process broker: agents export with the {@code kafka}
 * exporter ({@code partition_traces_by_id}), gateways are {@code kafka} receivers with
 * {@code tail_sampling} in one consumer group, each exporting into its own recording sink.
 * Policies keep traces with an error span or a span with {@code keep=yes}; that span is always in a
 * trace's last message, so a trace decided on part of its spans would be dropped and be seen missing.
 */
class KafkaGatewayIT {
  private static final HexFormat HEX = HexFormat.of();
  private static final int PARTITIONS = 6;
  private static EmbeddedKafka kafka;

  private final List<Gateway> gateways = new ArrayList<>();
  private final List<Exporter> agents = new ArrayList<>();
  /** Every span exported by any gateway: trace id -> span id -> names of the gateways that exported it. */
  private final Map<String, Map<String, List<String>>> exported = new ConcurrentHashMap<>();

  @BeforeAll
  static void startKafka() {
    kafka = EmbeddedKafka.builder().partitions(PARTITIONS).start();
  }

  @AfterAll
  static void stopKafka() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @AfterEach
  void stopAll() {
    gateways.forEach(g -> g.receiver.shutdown());
    agents.forEach(Exporter::shutdown);
  }

  // ---- the late span after a partition move ----

  @Test
  void lateSpanAfterPartitionMoveFollowsTheOriginalDecision() throws Exception {
    Topics t = topics("move");
    Exporter agent = agent(t.data);
    Gateway first = gateway("first", t, "move-group");
    Trace kept = new Trace(1, false, true);
    Trace dropped = new Trace(2, false, false);
    send(agent, kept.spans(0, 3));
    send(agent, dropped.spans(0, 3));
    await().atMost(Duration.ofSeconds(30)).until(() -> exportedSpans(kept) == 3);
    // Decided and durable: the group's commits reach the end of the data.
    awaitAllCommitted(t.data, "move-group");
    assertThat(exportedSpans(dropped)).isZero();
    first.receiver.shutdown();
    gateways.remove(first);

    Gateway second = gateway("second", t, "move-group");
    // Late spans: alone, the kept trace's would be dropped (no error, no flag), the dropped trace's kept (an error).
    send(agent, List.of(kept.plainSpan(10)));
    send(agent, List.of(dropped.errorSpan(11)));
    awaitAllCommitted(t.data, "move-group");
    await().atMost(Duration.ofSeconds(30)).until(() -> exportedSpans(kept) == 4);
    assertThat(exported.get(kept.hex()).get(spanHex(kept.id, 10))).containsExactly("second");
    assertThat(exportedSpans(dropped)).isZero();
    assertThat(second.value("traceyard_kafka_receiver_decisions_loaded", second.name, t.decisions)).isEqualTo(2);
    assertThat(second.value("traceyard_processor_tail_sampling_late_spans", second.name, "sampled")).isEqualTo(1);
    assertThat(second.value("traceyard_processor_tail_sampling_late_spans", second.name, "not_sampled")).isEqualTo(1);
  }

  // ---- a gateway killed, another joining, under steady load ----

  @Test
  void killedGatewayAndJoiningGatewayLoseNothingAndKeepEveryKeptTraceWhole() throws Exception {
    Topics t = topics("kill");
    String group = "kill-group";
    Exporter agent = agent(t.data);
    Gateway g1 = gateway("g1", t, group);
    gateway("g2", t, group);
    gateway("g3", t, group);

    List<Trace> sent = new CopyOnWriteArrayList<>();
    AtomicLong phase = new AtomicLong();
    Thread load = new Thread(() -> runLoad(agent, sent, phase), "it-load");
    load.start();
    await().atMost(Duration.ofSeconds(60)).until(() -> sent.size() >= 250);
    Map<org.apache.kafka.common.TopicPartition, Long> endAtKill = kafka.endOffsets(t.data);
    long killedAt = System.nanoTime();
    g1.receiver.halt();
    java.util.concurrent.CompletableFuture<Long> recovery = java.util.concurrent.CompletableFuture.supplyAsync(
        () -> recoveryMs(t.data, group, endAtKill, killedAt));
    // The survivors take g1's partitions over (after its session times out) and replay them; then more load.
    long recoveredAfterMs = recovery.get(90, TimeUnit.SECONDS);
    int atRecovery = sent.size();
    await().atMost(Duration.ofSeconds(60)).until(() -> sent.size() >= atRecovery + 150);
    Gateway g4 = gateway("g4", t, group);
    await().atMost(Duration.ofSeconds(60)).until(() -> sent.size() >= atRecovery + 400);
    phase.set(1);
    load.join(60_000);
    assertThat(load.isAlive()).isFalse();

    // Late spans of traces decided long before the kill and the join.
    List<Trace> early = sent.subList(0, 40);
    for (Trace tr : early) {
      send(agent, List.of(tr.kept() ? tr.plainSpan(10) : tr.errorSpan(11)));
    }
    awaitAllCommitted(t.data, group);

    int incomplete = 0;
    int lost = 0;
    int wronglyKept = 0;
    for (Trace tr : sent) {
      Map<String, List<String>> spans = exported.getOrDefault(tr.hex(), Map.of());
      if (tr.kept()) {
        Set<String> expected = new java.util.HashSet<>();
        for (int i = 0; i < 3; i++) {
          expected.add(spanHex(tr.id, i));
        }
        if (early.contains(tr)) {
          expected.add(spanHex(tr.id, 10));
        }
        if (spans.isEmpty()) {
          lost++;
        } else if (!spans.keySet().equals(expected)) {
          incomplete++;
        }
      } else if (!spans.isEmpty()) {
        wronglyKept++;
      }
    }
    int duplicates = 0;
    int duplicatesNotFromKill = 0;
    for (Map<String, List<String>> spans : exported.values()) {
      for (List<String> by : spans.values()) {
        if (by.size() > 1) {
          duplicates += by.size() - 1;
          if (!by.get(0).equals("g1")) {
            duplicatesNotFromKill += by.size() - 1;
          }
        }
      }
    }
    double replayDropped = 0;
    for (Gateway g : gateways) {
      replayDropped += g.value("traceyard_processor_tail_sampling_replay_duplicates", g.name);
    }
    long keptTraces = sent.stream().filter(Trace::kept).count();
    System.out.printf("gateway kill/join: %d traces sent (%d kept), lost %d, incomplete %d, wrongly kept %d, "
        + "duplicates at the sink %d (%d not from the kill window), replayed spans dropped as duplicates %.0f, "
        + "all data at the kill durably decided %d ms after it%n", sent.size(), keptTraces, lost, incomplete,
        wronglyKept, duplicates, duplicatesNotFromKill, replayDropped, recoveredAfterMs);

    assertThat(lost).as("kept traces lost").isZero();
    assertThat(incomplete).as("kept traces missing spans").isZero();
    assertThat(wronglyKept).as("dropped traces exported").isZero();
    assertThat(duplicatesNotFromKill).as("duplicates other than from the killed gateway's last exports").isZero();
    assertThat(replayDropped).as("replayed spans recognised as exported").isPositive();
    assertThat(g4.value("traceyard_kafka_receiver_decisions_loaded", g4.name, t.decisions)).isPositive();
  }

  // ---- the same with gateways as child processes, one killed with SIGKILL ----

  @Test
  void sigkilledGatewayProcessLosesNothingAndItsPartitionsAreRebuiltByTheOthers() throws Exception {
    Topics t = topics("sigkill");
    String out = t.data + "-out";
    kafka.admin().createTopics(List.of(new NewTopic(out, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
    String group = "sigkill-group";
    Exporter agent = agent(t.data);
    List<Process> children = new ArrayList<>();
    try {
      Process first = child(t, group, out);
      children.add(first);
      children.add(child(t, group, out));
      children.add(child(t, group, out));
      List<Trace> sent = new CopyOnWriteArrayList<>();
      AtomicLong phase = new AtomicLong();
      Thread load = new Thread(() -> runLoad(agent, sent, phase), "it-load-sigkill");
      load.start();
      await().atMost(Duration.ofSeconds(60)).until(() -> sent.size() >= 200);
      first.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(60)).until(() -> sent.size() >= 400);
      children.add(child(t, group, out));
      await().atMost(Duration.ofSeconds(60)).until(() -> sent.size() >= 550);
      phase.set(1);
      load.join(60_000);
      awaitAllCommitted(t.data, group);

      Map<String, Map<String, Integer>> seen = new HashMap<>();
      readAll(out, seen);
      int lost = 0;
      int incomplete = 0;
      int wronglyKept = 0;
      for (Trace tr : sent) {
        Map<String, Integer> spans = seen.getOrDefault(tr.hex(), Map.of());
        if (tr.kept() && spans.isEmpty()) {
          lost++;
        } else if (tr.kept() && spans.size() != 3) {
          incomplete++;
        } else if (!tr.kept() && !spans.isEmpty()) {
          wronglyKept++;
        }
      }
      int duplicates = 0;
      int tracesWithDuplicates = 0;
      for (Map<String, Integer> spans : seen.values()) {
        int d = spans.values().stream().mapToInt(c -> c - 1).sum();
        duplicates += d;
        tracesWithDuplicates += d > 0 ? 1 : 0;
      }
      long kept = sent.stream().filter(Trace::kept).count();
      System.out.printf("gateway SIGKILL (child processes): %d traces sent (%d kept), lost %d, incomplete %d, "
          + "wrongly kept %d, duplicates at the final exporter %d spans in %d traces%n", sent.size(), kept, lost,
          incomplete, wronglyKept, duplicates, tracesWithDuplicates);
      assertThat(lost).as("kept traces lost").isZero();
      assertThat(incomplete).as("kept traces missing spans").isZero();
      assertThat(wronglyKept).as("dropped traces exported").isZero();
      // Duplicates can only come from the killed process's last export whose decision was not yet stored:
      // at most the traces of one send (one tick's decisions), far below a tenth of the kept traces.
      assertThat(tracesWithDuplicates).as("traces exported twice").isLessThanOrEqualTo((int) (kept / 10));
    } finally {
      children.forEach(Process::destroyForcibly);
    }
  }

  private static Process child(Topics t, String group, String out) throws Exception {
    String javaBin = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(javaBin, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp",
        System.getProperty("java.class.path"), GatewayChild.class.getName(), kafka.bootstrapServers(), t.data,
        t.decisions, group, out).redirectErrorStream(true).start();
    java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
        java.nio.charset.StandardCharsets.UTF_8));
    java.util.concurrent.CompletableFuture<Boolean> ready = new java.util.concurrent.CompletableFuture<>();
    List<String> output = new CopyOnWriteArrayList<>();
    Thread drain = new Thread(() -> {
      try {
        for (String line; (line = r.readLine()) != null; ) {
          if (output.size() < 200) {
            output.add(line);
          }
          if (line.contains("GATEWAY READY")) {
            ready.complete(true);
          }
        }
      } catch (java.io.IOException e) {
        // The child was killed.
      }
      ready.complete(false);
    }, "it-child-output");
    drain.setDaemon(true);
    drain.start();
    assertThat(ready.get(60, TimeUnit.SECONDS)).as("gateway child started; its output:%n%s", String.join("\n", output))
        .isTrue();
    return p;
  }

  private static void readAll(String topic, Map<String, Map<String, Integer>> seen) throws Exception {
    java.util.Properties props = kafka.clientProperties();
    props.put("group.id", "it-reader-" + TOPIC_SEQ.incrementAndGet());
    props.put("auto.offset.reset", "earliest");
    try (var c = new org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]>(props,
        new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
        new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
      c.subscribe(List.of(topic));
      long end = kafka.endOffsets(topic).values().stream().mapToLong(Long::longValue).sum();
      long read = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (read < end && System.nanoTime() < deadline) {
        for (var rec : c.poll(Duration.ofMillis(500))) {
          read++;
          for (ResourceSpans rs : ExportTraceServiceRequest.parseFrom(rec.value()).getResourceSpansList()) {
            for (ScopeSpans ss : rs.getScopeSpansList()) {
              for (Span s : ss.getSpansList()) {
                seen.computeIfAbsent(HEX.formatHex(s.getTraceId().toByteArray()), k -> new HashMap<>())
                    .merge(HEX.formatHex(s.getSpanId().toByteArray()), 1, Integer::sum);
              }
            }
          }
        }
      }
      assertThat(read).as("output messages read").isEqualTo(end);
    }
  }

  /**
   * Steady load: like an agent's batches, every ~20ms a request starting five traces, each trace's
   * decisive span sent in a later request ~600ms after its start, so that undecided traces straddle
   * the kill and the join.
   */
  private static void runLoad(Exporter agent, List<Trace> sent, AtomicLong phase) {
    java.util.ArrayDeque<Trace> open = new java.util.ArrayDeque<>();
    java.util.ArrayDeque<Long> openedAt = new java.util.ArrayDeque<>();
    long n = 1000;
    while (phase.get() == 0) {
      List<Span> first = new ArrayList<>();
      for (int i = 0; i < 5; i++, n++) {
        Trace tr = new Trace(n, n % 10 == 0, n % 10 == 5);
        first.addAll(tr.spans(0, 2));
        open.add(tr);
        openedAt.add(System.nanoTime());
      }
      send(agent, first);
      List<Span> second = new ArrayList<>();
      List<Trace> finished = new ArrayList<>();
      while (!openedAt.isEmpty() && System.nanoTime() - openedAt.peekFirst() > 600_000_000L) {
        openedAt.pollFirst();
        Trace done = open.pollFirst();
        second.addAll(done.spans(2, 3));
        finished.add(done);
      }
      if (!second.isEmpty()) {
        send(agent, second);
        sent.addAll(finished);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        return;
      }
    }
    List<Span> rest = new ArrayList<>();
    for (Trace done : open) {
      rest.addAll(done.spans(2, 3));
    }
    if (!rest.isEmpty()) {
      send(agent, rest);
      sent.addAll(open);
    }
  }

  /** Time from the kill until every message present at the kill was committed (decided and durable). */
  private static long recoveryMs(String topic, String group, Map<org.apache.kafka.common.TopicPartition, Long> endAtKill,
      long killedAt) {
    long[] at = new long[1];
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100)).until(() -> {
      var committed = kafka.committedOffsets(group);
      at[0] = System.nanoTime();
      return endAtKill.entrySet().stream().allMatch(e -> committed.getOrDefault(e.getKey(), 0L) >= e.getValue());
    });
    return TimeUnit.NANOSECONDS.toMillis(at[0] - killedAt);
  }

  // ---- helpers ----

  record Topics(String data, String decisions) {}

  private static final AtomicLong TOPIC_SEQ = new AtomicLong();

  private static Topics topics(String prefix) throws Exception {
    String data = prefix + "-spans-" + TOPIC_SEQ.incrementAndGet();
    String decisions = data + "-decisions";
    kafka.admin().createTopics(List.of(new NewTopic(data, PARTITIONS, (short) 1),
        new NewTopic(decisions, PARTITIONS, (short) 1).configs(Map.of("cleanup.policy", "compact"))))
        .all().get(30, TimeUnit.SECONDS);
    return new Topics(data, decisions);
  }

  static String gatewayYaml(String brokers, String topic, String decisions, String group) {
    return String.join("\n",
        "brokers: [" + brokers + "]",
        "topic: " + topic,
        "group_id: " + group,
        "initial_offset: earliest",
        "session_timeout: 3s",
        "heartbeat_interval: 500ms",
        "autocommit: {interval: 200ms}",
        "tail_sampling:",
        "  decisions_topic: " + decisions,
        "  decision_wait: 1500ms",
        "  policies:",
        "    - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}",
        "    - {name: flagged, type: string_attribute, string_attribute: {key: keep, values: [\"yes\"]}}",
        "");
  }

  private Gateway gateway(String name, Topics t, String group) throws Exception {
    SelfTelemetry telemetry = SelfTelemetry.forTesting();
    KafkaReceiver receiver = KafkaComponents.startReceiver(name,
        gatewayYaml(kafka.bootstrapServers(), t.data, t.decisions, group), telemetry, new Sink(name));
    Gateway g = new Gateway(name, receiver, telemetry);
    gateways.add(g);
    return g;
  }

  private Exporter agent(String topic) throws Exception {
    String yaml = String.join("\n",
        "brokers: [" + kafka.bootstrapServers() + "]",
        "topic: " + topic,
        "partition_traces_by_id: true",
        "sending_queue: {enabled: false}",
        "retry_on_failure: {enabled: false}",
        "");
    Exporter e = KafkaComponents.startExporter(yaml);
    agents.add(e);
    return e;
  }

  /** Sends spans through the agent's exporter; returns once the broker acknowledged them. */
  private static void send(Exporter agent, List<Span> spans) {
    ExportTraceServiceRequest request = ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(KeyValue.newBuilder().setKey("service.name")
            .setValue(AnyValue.newBuilder().setStringValue("agent"))))
        .addScopeSpans(ScopeSpans.newBuilder().setScope(InstrumentationScope.newBuilder().setName("it"))
            .addAllSpans(spans)))
        .build();
    ConsumeResult r = agent.consume(TraceBatch.of(request));
    assertThat(r.isSuccess()).as("agent export: %s", r).isTrue();
  }

  private void awaitAllCommitted(String topic, String group) {
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
      var end = kafka.endOffsets(topic);
      var committed = kafka.committedOffsets(group);
      return end.entrySet().stream().allMatch(e -> e.getValue() == 0 || e.getValue().equals(committed.get(e.getKey())));
    });
  }

  private int exportedSpans(Trace t) {
    Map<String, List<String>> spans = exported.get(t.hex());
    return spans == null ? 0 : spans.size();
  }

  static String spanHex(ByteString traceId, long n) {
    return HEX.formatHex(spanId(traceId, n).toByteArray());
  }

  static ByteString spanId(ByteString traceId, long n) {
    return ByteString.copyFrom(ByteBuffer.allocate(8).putLong(traceId.substring(8).asReadOnlyByteBuffer().getLong() * 31 + n)
        .array());
  }

  /** A test trace: spans numbered 0..; span 0 is the root; its decisive span (error or keep=yes) is sent last. */
  static final class Trace {
    final ByteString id;
    final boolean error;
    final boolean flagged;

    Trace(long n, boolean error, boolean flagged) {
      this.id = ByteString.copyFrom(ByteBuffer.allocate(16).putLong(0x7ea7_0000_0000_0000L | n)
          .putLong(n * 0x9E3779B97F4A7C15L + 1).array());
      this.error = error;
      this.flagged = flagged;
    }

    boolean kept() {
      return error || flagged;
    }

    String hex() {
      return HEX.formatHex(id.toByteArray());
    }

    /** Spans {@code from} (inclusive) to {@code to} (exclusive); the trace's marks go on span {@code to - 1} when it is the last (3). */
    List<Span> spans(int from, int to) {
      List<Span> out = new ArrayList<>();
      for (int i = from; i < to; i++) {
        Span.Builder b = base(i);
        if (i == 3 - 1) {
          if (error) {
            b.setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR));
          }
          if (flagged) {
            b.addAttributes(KeyValue.newBuilder().setKey("keep").setValue(AnyValue.newBuilder().setStringValue("yes")));
          }
        }
        out.add(b.build());
      }
      return out;
    }

    Span plainSpan(int n) {
      return base(n).build();
    }

    Span errorSpan(int n) {
      return base(n).setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR)).build();
    }

    private Span.Builder base(int n) {
      long now = System.currentTimeMillis() * 1_000_000L;
      Span.Builder b = Span.newBuilder().setTraceId(id).setSpanId(spanId(id, n)).setName("op-" + n)
          .setStartTimeUnixNano(now).setEndTimeUnixNano(now + 1_000_000);
      if (n > 0) {
        b.setParentSpanId(spanId(id, 0));
      }
      return b;
    }
  }

  final class Sink implements Consumer {
    private final String name;

    Sink(String name) {
      this.name = name;
    }

    @Override
    public ConsumeResult consume(Batch batch) {
      ExportTraceServiceRequest r = ((TraceBatch) batch).request();
      for (ResourceSpans rs : r.getResourceSpansList()) {
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          for (Span s : ss.getSpansList()) {
            exported.computeIfAbsent(HEX.formatHex(s.getTraceId().toByteArray()), k -> new ConcurrentHashMap<>())
                .computeIfAbsent(HEX.formatHex(s.getSpanId().toByteArray()), k -> new CopyOnWriteArrayList<>())
                .add(name);
          }
        }
      }
      return ConsumeResult.success();
    }
  }

  record Gateway(String name, KafkaReceiver receiver, SelfTelemetry telemetry) {
    double value(String metric, String... labels) {
      String[] all = new String[labels.length];
      for (int i = 0; i < labels.length; i++) {
        all[i] = labels[i].equals(name) ? "kafka/" + name : labels[i];
      }
      return telemetry.value(metric, all);
    }
  }
}
