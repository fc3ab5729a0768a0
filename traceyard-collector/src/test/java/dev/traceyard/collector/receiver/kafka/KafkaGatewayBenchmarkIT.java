package dev.traceyard.collector.receiver.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.traceyard.collector.component.Exporter;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.consumer.Consumer;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.receiver.kafka.KafkaGatewayIT.Trace;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Benchmark harness, not a test (skipped unless {@code -Dkafkagw.bench=true}): spans/s through
 * agent (kafka exporter, partition_traces_by_id) -> Kafka (in-process broker, 6 partitions) -> 2
 * gateways (kafka receiver in gateway mode, keep-everything policy) -> counting sink, then the
 * recovery time after one gateway is killed under load. Figures in docs/benchmarks.md.
 */
@EnabledIfSystemProperty(named = "kafkagw.bench", matches = "true")
class KafkaGatewayBenchmarkIT {
  private static final int PARTITIONS = 6;
  private static final int SPANS_PER_TRACE = 5;
  private static final int TRACES_PER_REQUEST = 100;
  private final AtomicLong sunk = new AtomicLong();

  @Test
  void throughputAndRecovery() throws Exception {
    int traces = Integer.getInteger("kafkagw.traces", 40_000);
    int agentThreads = Integer.getInteger("kafkagw.agents", 2);
    try (EmbeddedKafka kafka = EmbeddedKafka.builder().partitions(PARTITIONS).start()) {
      String topic = "bench-spans";
      kafka.admin().createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1),
          new NewTopic(topic + "_decisions", PARTITIONS, (short) 1).configs(Map.of("cleanup.policy", "compact"))))
          .all().get(30, TimeUnit.SECONDS);
      List<Exporter> agents = new ArrayList<>();
      for (int i = 0; i < agentThreads; i++) {
        agents.add(agent(kafka, topic));
      }

      // Phase 1a: the agents write every trace with no gateway running (the agents' rate alone).
      long expected = (long) traces * SPANS_PER_TRACE;
      long start = System.nanoTime();
      List<Thread> threads = new ArrayList<>();
      for (int a = 0; a < agentThreads; a++) {
        Exporter agent = agents.get(a);
        int first = a * (traces / agentThreads);
        threads.add(new Thread(() -> produce(agent, first, traces / agentThreads, 0)));
      }
      threads.forEach(Thread::start);
      for (Thread t : threads) {
        t.join();
      }
      long produced = System.nanoTime() - start;

      // Phase 1b: two gateways drain the backlog (the gateways' rate alone), measured at the sink from the
      // first span to the last, and from the gateways' start (group join, reading, decision_wait) to the last.
      long gatewaysStarted = System.nanoTime();
      KafkaReceiver g1 = gateway(kafka, "g1", topic);
      KafkaReceiver g2 = gateway(kafka, "g2", topic);
      await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(10)).until(() -> sunk.get() > 0);
      long firstSunk = System.nanoTime();
      await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(50)).until(() -> sunk.get() >= expected);
      long drained = System.nanoTime() - firstSunk;
      long sinceStart = System.nanoTime() - gatewaysStarted;
      System.out.printf("kafka gateway throughput: %d spans (%d traces x %d spans, requests of %d traces): %d agents "
          + "wrote %.0f spans/s; 2 gateways (tail sampling, keep all, decision_wait 1s) drained the backlog to the "
          + "sink at %.0f spans/s (first to last span %.1f s); %.0f spans/s counted from the gateways' start "
          + "(%.1f s, including the group join and decision_wait)%n",
          expected, traces, SPANS_PER_TRACE, TRACES_PER_REQUEST, agentThreads, expected / (produced / 1e9),
          (sunk.get() - 0) / (drained / 1e9), drained / 1e9, expected / (sinceStart / 1e9), sinceStart / 1e9);

      // Phase 2: steady load at ~2000 spans/s, one gateway killed; recovery = kill until every message
      // present at the kill is decided, exported and committed by the survivor.
      Thread load = new Thread(() -> produce(agents.get(0), traces, Integer.MAX_VALUE, 4));
      load.start();
      Thread.sleep(3000);
      Map<TopicPartition, Long> endAtKill = kafka.endOffsets(topic);
      long killedAt = System.nanoTime();
      g1.halt();
      await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100)).until(() -> {
        var committed = kafka.committedOffsets("bench");
        return endAtKill.entrySet().stream().allMatch(e -> committed.getOrDefault(e.getKey(), 0L) >= e.getValue());
      });
      long recovery = System.nanoTime() - killedAt;
      load.interrupt();
      load.join();
      System.out.printf("kafka gateway recovery: all data present at the kill decided, exported and committed by the "
          + "survivor %.1f s after the kill (session_timeout 3s, decision_wait 1s)%n", recovery / 1e9);
      assertThat(sunk.get()).isGreaterThanOrEqualTo(expected);
      g2.shutdown();
      g1.shutdown();
      agents.forEach(Exporter::shutdown);
    }
  }

  /** Sends {@code count} traces from {@code first} in requests of 100 traces; {@code pauseMs} between requests. */
  private static void produce(Exporter agent, int first, int count, int pauseMs) {
    for (int done = 0; done < count && !Thread.currentThread().isInterrupted(); done += TRACES_PER_REQUEST) {
      List<Span> spans = new ArrayList<>(TRACES_PER_REQUEST * SPANS_PER_TRACE);
      for (int i = 0; i < TRACES_PER_REQUEST; i++) {
        Trace t = new Trace(first + done + i, false, false);
        spans.addAll(t.spans(0, SPANS_PER_TRACE));
      }
      ExportTraceServiceRequest request = ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans
          .newBuilder().setResource(Resource.newBuilder().addAttributes(KeyValue.newBuilder().setKey("service.name")
              .setValue(AnyValue.newBuilder().setStringValue("bench"))))
          .addScopeSpans(ScopeSpans.newBuilder().setScope(InstrumentationScope.newBuilder().setName("bench"))
              .addAllSpans(spans)))
          .build();
      ConsumeResult r = agent.consume(TraceBatch.of(request));
      if (!r.isSuccess()) {
        throw new AssertionError("agent export failed: " + r);
      }
      if (pauseMs > 0) {
        try {
          Thread.sleep(pauseMs);
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  private KafkaReceiver gateway(EmbeddedKafka kafka, String name, String topic) throws Exception {
    String yaml = String.join("\n",
        "brokers: [" + kafka.bootstrapServers() + "]",
        "topic: " + topic,
        "group_id: bench",
        "initial_offset: earliest",
        "session_timeout: 3s",
        "heartbeat_interval: 500ms",
        "tail_sampling:",
        "  decision_wait: 1s",
        "  num_traces: 200000",
        "  policies: [{name: all, type: always_sample}]",
        "");
    return KafkaComponents.startReceiver(name, yaml, SelfTelemetry.forTesting(), new Consumer() {
      @Override
      public ConsumeResult consume(Batch batch) {
        sunk.addAndGet(batch.itemCount());
        return ConsumeResult.success();
      }
    });
  }

  private static Exporter agent(EmbeddedKafka kafka, String topic) throws Exception {
    String yaml = String.join("\n",
        "brokers: [" + kafka.bootstrapServers() + "]",
        "topic: " + topic,
        "partition_traces_by_id: true",
        "producer: {required_acks: -1, compression: lz4}",
        "sending_queue: {enabled: false}",
        "");
    return KafkaComponents.startExporter(yaml);
  }
}
