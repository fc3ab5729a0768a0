package dev.traceyard.collector.processor.batch;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.ComponentKind;
import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.consumer.Consumer;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BatchProcessorTest {
  private static final Duration LONG = Duration.ofHours(1);

  private final SelfTelemetry telemetry = SelfTelemetry.forTesting();
  private final Recorder downstream = new Recorder();
  private final List<BatchProcessor> started = new ArrayList<>();
  private int spanSeq;

  @AfterEach
  void stopAll() {
    downstream.answer = b -> ConsumeResult.success();
    started.forEach(BatchProcessor::shutdown);
  }

  @Test
  void sizeTrigger_sendsMergedBatchOnceSendBatchSizeIsReached() {
    BatchProcessor p = start(new BatchProcessorConfig(5, LONG, 0));

    assertThat(p.consume(spans(3)).isSuccess()).isTrue();
    assertThat(downstream.received).isEmpty();
    assertThat(p.consume(spans(3)).isSuccess()).isTrue();

    await().atMost(30, SECONDS).until(() -> downstream.received.size() == 1);
    assertThat(downstream.sizes()).containsExactly(6);
    // the two input batches share their resource and scope, so the merge has one of each
    ExportTraceServiceRequest sent = (ExportTraceServiceRequest) downstream.received.get(0).request();
    assertThat(sent.getResourceSpansCount()).isEqualTo(1);
    assertThat(sent.getResourceSpans(0).getScopeSpansCount()).isEqualTo(1);
    assertThat(metric("traceyard_processor_batch_batch_size_trigger_send")).isEqualTo(1);
    assertThat(metric("traceyard_processor_batch_timeout_trigger_send")).isZero();
    assertThat(itemMetric("traceyard_processor_incoming_items")).isEqualTo(6);
    assertThat(itemMetric("traceyard_processor_outgoing_items")).isEqualTo(6);
    assertThat(telemetry.scrape()).contains("traceyard_processor_batch_batch_send_size_count{processor=\"batch\"} 1");
  }

  @Test
  void timeoutTrigger_sendsSmallBatchAfterTimeout() {
    BatchProcessor p = start(new BatchProcessorConfig(1000, Duration.ofMillis(50), 0));

    p.consume(spans(2));
    p.consume(spans(1));

    await().atMost(30, SECONDS).until(() -> downstream.items() == 3);
    assertThat(metric("traceyard_processor_batch_timeout_trigger_send")).isGreaterThanOrEqualTo(1);
    assertThat(metric("traceyard_processor_batch_batch_size_trigger_send")).isZero();
  }

  @Test
  void zeroTimeout_sendsAtOnce() {
    BatchProcessor p = start(new BatchProcessorConfig(1000, Duration.ZERO, 0));

    p.consume(spans(4));

    await().atMost(30, SECONDS).until(() -> downstream.items() == 4);
  }

  @Test
  void maxSize_splitsLargeBatches_andKeepsSmallRemainderForLater() {
    BatchProcessor p = start(new BatchProcessorConfig(10, LONG, 10));

    p.consume(spans(25));

    await().atMost(30, SECONDS).until(() -> downstream.received.size() == 2);
    assertThat(downstream.sizes()).containsExactly(10, 10);
    assertThat(metric("traceyard_processor_batch_batch_size_trigger_send")).isEqualTo(2);

    p.shutdown();

    assertThat(downstream.sizes()).containsExactly(10, 10, 5);
    assertThat(downstream.spanNames()).doesNotHaveDuplicates().hasSize(25);
  }

  @Test
  void shutdown_flushesEverythingBeforeReturning() {
    BatchProcessor p = start(new BatchProcessorConfig(1000, LONG, 0));
    p.consume(spans(3));
    p.consume(spans(4));
    assertThat(downstream.received).isEmpty();

    p.shutdown();

    assertThat(downstream.items()).isEqualTo(7);
    assertThat(downstream.spanNames()).doesNotHaveDuplicates();
  }

  @Test
  void afterShutdown_passesDataStraightThroughWithDownstreamResult() {
    BatchProcessor p = start(new BatchProcessorConfig(1000, LONG, 0));
    p.shutdown();
    downstream.answer = b -> ConsumeResult.retryable("backend down", null);

    ConsumeResult r = p.consume(spans(2));

    assertThat(r.isRetryable()).isTrue();
    assertThat(downstream.items()).isEqualTo(2);
    assertThat(itemMetric("traceyard_processor_dropped_items")).isZero();
  }

  @Test
  void retryableRefusal_isHeldAndRetriedUntilDownstreamAccepts_nothingDropped() {
    java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
    downstream.answer = b -> calls.incrementAndGet() <= 3 ? ConsumeResult.retryable("backend down", null)
        : ConsumeResult.success();
    BatchProcessor p = start(new BatchProcessorConfig(3, LONG, 0));

    assertThat(p.consume(spans(3)).isSuccess()).isTrue();

    await().atMost(30, SECONDS).until(() -> downstream.acceptedItems() == 3);
    assertThat(downstream.received).hasSize(4);
    assertThat(downstream.acceptedSpanNames()).containsExactly("span-0", "span-1", "span-2");
    assertThat(metric("traceyard_processor_batch_retried_sends")).isEqualTo(3);
    assertThat(itemMetric("traceyard_processor_dropped_items")).isZero();
    assertThat(itemMetric("traceyard_processor_outgoing_items")).isEqualTo(3);
  }

  @Test
  void whileDownstreamRefuses_heldDataFillsTheBound_newDataIsRefusedRetryably_andAllAcceptedDataArrivesInOrder() {
    downstream.answer = b -> ConsumeResult.retryable("backend down", Duration.ofMillis(20));
    // send_batch_size 2 -> the buffer holds up to 10 x 2 = 20 items, held ones included
    BatchProcessor p = start(new BatchProcessorConfig(2, Duration.ofMillis(1), 0));
    List<String> acknowledged = new ArrayList<>();
    ConsumeResult refused = null;
    for (int i = 0; i < 100 && refused == null; i++) {
      int first = spanSeq;
      ConsumeResult r = p.consume(spans(2));
      if (r.isSuccess()) {
        acknowledged.add("span-" + first);
        acknowledged.add("span-" + (first + 1));
        // let the sender take what is there, so that refused data is held rather than only buffered
        await().atMost(30, SECONDS).until(() -> downstream.received.size() > 0);
      } else {
        refused = r;
      }
    }

    assertThat(refused).as("refused once the held data reached the bound").isNotNull();
    assertThat(refused.isRetryable()).isTrue();
    assertThat(refused.isThrottled()).isTrue();
    assertThat(refused.message()).contains("held for a retry");
    assertThat(acknowledged).hasSize(20);
    assertThat(itemMetric("traceyard_processor_refused_items")).isEqualTo(2);
    assertThat(telemetry.scrape()).contains("traceyard_processor_batch_pending_items{processor=\"batch\",signal=\"traces\"} 20");

    downstream.answer = b -> ConsumeResult.success();
    await().atMost(30, SECONDS).until(() -> downstream.acceptedItems() == 20);
    assertThat(downstream.acceptedSpanNames()).containsExactlyElementsOf(acknowledged);
    assertThat(itemMetric("traceyard_processor_dropped_items")).isZero();
    assertThat(p.consume(spans(2)).isSuccess()).as("room again").isTrue();
  }

  @Test
  void permanentRefusal_isDroppedAndCounted() {
    downstream.answer = b -> ConsumeResult.permanent("bad data");
    BatchProcessor p = start(new BatchProcessorConfig(3, LONG, 0));

    assertThat(p.consume(spans(3)).isSuccess()).isTrue();

    await().atMost(30, SECONDS).until(() -> itemMetric("traceyard_processor_dropped_items") == 3);
    assertThat(downstream.received).hasSize(1);
    assertThat(metric("traceyard_processor_batch_retried_sends")).isZero();
  }

  @Test
  void shutdown_deliversHeldDataOnceDownstreamRecovers() {
    java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
    downstream.answer = b -> calls.incrementAndGet() <= 2 ? ConsumeResult.retryable("backend down", LONG)
        : ConsumeResult.success();
    BatchProcessor p = start(new BatchProcessorConfig(3, LONG, 0));
    p.consume(spans(3));
    await().atMost(30, SECONDS).until(() -> downstream.received.size() == 1);
    p.consume(spans(1));

    p.shutdown();

    assertThat(downstream.acceptedSpanNames()).containsExactly("span-0", "span-1", "span-2", "span-3");
    assertThat(itemMetric("traceyard_processor_dropped_items")).isZero();
  }

  @Test
  void shutdown_countsWhatDownstreamStillRefusesAtTheDeadlineAsDropped() {
    downstream.answer = b -> ConsumeResult.retryable("backend down", null);
    BatchProcessor p = new BatchProcessor(
        new ComponentSettings(ComponentId.of("batch"), ComponentKind.PROCESSOR, telemetry),
        new BatchProcessorConfig(3, LONG, 0), Signal.TRACES, downstream, Duration.ofMillis(300));
    p.start(id -> java.util.Optional.empty());
    p.consume(spans(3));
    await().atMost(30, SECONDS).until(() -> downstream.received.size() >= 1);
    p.consume(spans(2));

    p.shutdown();

    assertThat(itemMetric("traceyard_processor_dropped_items")).isEqualTo(5);
    assertThat(downstream.acceptedItems()).isZero();
  }

  @Test
  void downstreamThrowing_countsItemsAsDropped_andSenderKeepsWorking() {
    downstream.answer = b -> {
      throw new IllegalStateException("boom");
    };
    BatchProcessor p = start(new BatchProcessorConfig(2, LONG, 0));

    p.consume(spans(2));
    await().atMost(30, SECONDS).until(() -> itemMetric("traceyard_processor_dropped_items") == 2);

    downstream.answer = b -> ConsumeResult.success();
    p.consume(spans(2));
    await().atMost(30, SECONDS).until(() -> downstream.items() == 4);
    assertThat(itemMetric("traceyard_processor_dropped_items")).isEqualTo(2);
  }

  @Test
  void fullBuffer_refusesAsThrottled_untilDownstreamCatchesUp() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    downstream.answer = b -> {
      entered.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return ConsumeResult.success();
    };
    // send_batch_size 2 -> the buffer holds up to 10 x 2 = 20 items
    BatchProcessor p = start(new BatchProcessorConfig(2, LONG, 0));
    p.consume(spans(2));
    assertThat(entered.await(30, SECONDS)).isTrue();

    for (int i = 0; i < 4; i++) {
      assertThat(p.consume(spans(5)).isSuccess()).as("batch %s fits", i).isTrue();
    }
    ConsumeResult refused = p.consume(spans(5));

    assertThat(refused.isRetryable()).isTrue();
    assertThat(refused.isThrottled()).isTrue();
    assertThat(refused.retryAfter()).isEqualTo(BatchProcessor.THROTTLED_RETRY_AFTER);
    assertThat(refused.message()).contains("buffer is full");
    assertThat(itemMetric("traceyard_processor_refused_items")).isEqualTo(5);
    assertThat(itemMetric("traceyard_processor_incoming_items")).isEqualTo(27);

    release.countDown();
    await().atMost(30, SECONDS).until(() -> downstream.items() == 22);
    assertThat(p.consume(spans(5)).isSuccess()).isTrue();
    await().atMost(30, SECONDS).until(() -> downstream.items() == 27);
    assertThat(itemMetric("traceyard_processor_dropped_items")).isZero();
  }

  @Test
  void manyConcurrentProducers_loseAndDuplicateNothing() throws Exception {
    BatchProcessor p = start(new BatchProcessorConfig(50, Duration.ofMillis(10), 64));
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      List<Batch> mine = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        mine.add(spans(3));
      }
      threads.add(new Thread(() -> mine.forEach(b -> {
        while (!p.consume(b).isSuccess()) {
          Thread.onSpinWait();
        }
      })));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join(30_000);
    }

    await().atMost(30, SECONDS).until(() -> downstream.items() == 1200);
    assertThat(downstream.spanNames()).doesNotHaveDuplicates().hasSize(1200);
    assertThat(downstream.sizes()).allSatisfy(s -> assertThat(s).isBetween(1, 64));
  }

  @Test
  void onePipelinePerSignal_canShareTheTelemetry() {
    BatchProcessor traces = start(new BatchProcessorConfig(1, LONG, 0));
    BatchProcessor logs = new BatchProcessor(
        new ComponentSettings(ComponentId.of("batch"), ComponentKind.PROCESSOR, telemetry), new BatchProcessorConfig(1, LONG, 0),
        Signal.LOGS, downstream);
    started.add(logs);
    logs.start(id -> java.util.Optional.empty());

    traces.consume(spans(1));

    await().atMost(30, SECONDS).until(() -> downstream.items() == 1);
    assertThat(telemetry.scrape()).contains("traceyard_processor_batch_pending_items{processor=\"batch\",signal=\"logs\"} 0");
  }

  // ---- helpers ----

  private BatchProcessor start(BatchProcessorConfig config) {
    BatchProcessor p = new BatchProcessor(
        new ComponentSettings(ComponentId.of("batch"), ComponentKind.PROCESSOR, telemetry), config, Signal.TRACES, downstream);
    p.start(id -> java.util.Optional.empty());
    started.add(p);
    return p;
  }

  private double metric(String name) {
    return telemetry.value(name, "batch");
  }

  private double itemMetric(String name) {
    return telemetry.value(name, "batch", "traces");
  }

  private TraceBatch spans(int n) {
    ScopeSpans.Builder ss = ScopeSpans.newBuilder();
    ss.getScopeBuilder().setName("test");
    for (int i = 0; i < n; i++) {
      ss.addSpans(Span.newBuilder().setName("span-" + (spanSeq++)));
    }
    return TraceBatch.of(ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(KeyValue.newBuilder().setKey("service.name")
            .setValue(AnyValue.newBuilder().setStringValue("svc"))))
        .addScopeSpans(ss)).build());
  }

  private static final class Recorder implements Consumer {
    final List<Batch> received = new CopyOnWriteArrayList<>();
    /** Only the batches this consumer said yes to. */
    final List<Batch> accepted = new CopyOnWriteArrayList<>();
    volatile Function<Batch, ConsumeResult> answer = b -> ConsumeResult.success();

    @Override
    public ConsumeResult consume(Batch batch) {
      received.add(batch);
      ConsumeResult r = answer.apply(batch);
      if (r.isSuccess()) {
        accepted.add(batch);
      }
      return r;
    }

    int acceptedItems() {
      return accepted.stream().mapToInt(Batch::itemCount).sum();
    }

    List<String> acceptedSpanNames() {
      return names(accepted);
    }

    List<Integer> sizes() {
      List<Integer> out = new ArrayList<>();
      received.forEach(b -> out.add(b.itemCount()));
      return out;
    }

    int items() {
      return received.stream().mapToInt(Batch::itemCount).sum();
    }

    List<String> spanNames() {
      return names(received);
    }

    private static List<String> names(List<Batch> batches) {
      List<String> out = new ArrayList<>();
      for (Batch b : batches) {
        for (ResourceSpans rs : ((TraceBatch) b).request().getResourceSpansList()) {
          for (ScopeSpans ss : rs.getScopeSpansList()) {
            ss.getSpansList().forEach(s -> out.add(s.getName()));
          }
        }
      }
      return out;
    }
  }
}
