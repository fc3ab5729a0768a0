package dev.traceyard.collector.exporter.exporterhelper;

import static dev.traceyard.collector.exporter.ExporterTesting.NO_EXTENSIONS;
import static dev.traceyard.collector.exporter.ExporterTesting.logs;
import static dev.traceyard.collector.exporter.ExporterTesting.traces;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.Extension;
import dev.traceyard.collector.component.Host;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.exporter.ExporterTesting;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ExporterHelperTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final RetryConfig FAST_RETRY =
      new RetryConfig(true, Duration.ofMillis(5), 0.5, 1.5, Duration.ofMillis(50), Duration.ofMinutes(5));

  private final SelfTelemetry telemetry = SelfTelemetry.forTesting();
  private final List<ExporterHelper> started = new CopyOnWriteArrayList<>();

  @AfterEach
  void stopAll() {
    started.forEach(ExporterHelper::shutdown);
  }

  /** A sender whose answer is scripted per attempt and that can be held at a gate. */
  static final class FakeSender implements Sender {
    record Attempt(Batch batch, long nanos) {}

    final List<Attempt> attempts = new CopyOnWriteArrayList<>();
    final AtomicInteger inSend = new AtomicInteger();
    volatile CountDownLatch gate = new CountDownLatch(0);
    volatile BiFunction<Batch, Integer, ConsumeResult> answer = (b, n) -> ConsumeResult.success();
    volatile boolean stopped;

    @Override
    public ConsumeResult send(Batch batch) {
      attempts.add(new Attempt(batch, System.nanoTime()));
      inSend.incrementAndGet();
      try {
        gate.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        inSend.decrementAndGet();
      }
      long n = attempts.stream().filter(a -> a.batch == batch).count();
      return answer.apply(batch, (int) n);
    }

    long attemptsOf(Batch b) {
      return attempts.stream().filter(a -> a.batch == b).count();
    }

    @Override
    public void shutdown() {
      stopped = true;
    }
  }

  private ExporterHelper start(String id, ExporterHelperConfig config, Sender sender, Duration drain) throws Exception {
    ExporterHelper h = ExporterHelper.builder(ExporterTesting.settings(id, telemetry), config, sender)
        .drainTimeout(drain).build();
    h.start(NO_EXTENSIONS);
    started.add(h);
    return h;
  }

  private ExporterHelper start(String id, ExporterHelperConfig config, Sender sender) throws Exception {
    return start(id, config, sender, Duration.ofSeconds(10));
  }

  private static ExporterHelperConfig queued(int consumers, long size, QueueConfig.Sizer sizer, RetryConfig retry) {
    return new ExporterHelperConfig(Duration.ofSeconds(5),
        new QueueConfig(true, consumers, size, sizer, false, null), retry);
  }

  /** A callback gauge's current value, read the way Prometheus would: from the exposition. */
  private double gauge(String name, String exporter) {
    Matcher m = Pattern.compile("(?m)^" + name + "\\{exporter=\"" + Pattern.quote(exporter) + "\"} (\\S+)$")
        .matcher(telemetry.scrape());
    return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
  }

  private double sentSpans(String id) {
    return telemetry.value("traceyard_exporter_sent_spans", id);
  }

  private double failedSpans(String id) {
    return telemetry.value("traceyard_exporter_send_failed_spans", id);
  }

  private double enqueueFailedSpans(String id) {
    return telemetry.value("traceyard_exporter_enqueue_failed_spans", id);
  }

  @Test
  void queuedBatch_isAcknowledgedAtOnceAndSentInTheBackground() throws Exception {
    FakeSender sender = new FakeSender();
    ExporterHelper h = start("otlp", queued(2, 10, QueueConfig.Sizer.REQUESTS, FAST_RETRY), sender);

    assertThat(h.consume(traces("a", 3)).isSuccess()).isTrue();
    assertThat(h.consume(logs("b", 2)).isSuccess()).isTrue();

    await().atMost(WAIT).until(() -> sentSpans("otlp") == 3
        && telemetry.value("traceyard_exporter_sent_log_records", "otlp") == 2);
    assertThat(gauge("traceyard_exporter_queue_capacity", "otlp")).isEqualTo(10);
  }

  @Test
  void fullQueue_refusesWithThrottledAndCountsEnqueueFailed() throws Exception {
    FakeSender sender = new FakeSender();
    sender.gate = new CountDownLatch(1);
    ExporterHelper h = start("otlp", queued(1, 2, QueueConfig.Sizer.REQUESTS, FAST_RETRY), sender);

    assertThat(h.consume(traces("first", 1)).isSuccess()).isTrue();
    await().atMost(WAIT).until(() -> sender.inSend.get() == 1);
    assertThat(h.consume(traces("q1", 1)).isSuccess()).isTrue();
    assertThat(h.consume(traces("q2", 1)).isSuccess()).isTrue();
    assertThat(gauge("traceyard_exporter_queue_size", "otlp")).isEqualTo(2);

    ConsumeResult refused = h.consume(traces("refused", 4));

    assertThat(refused.isRetryable()).isTrue();
    assertThat(refused.isThrottled()).isTrue();
    assertThat(refused.message()).contains("sending queue", "full");
    assertThat(enqueueFailedSpans("otlp")).isEqualTo(4);

    sender.gate.countDown();
    await().atMost(WAIT).until(() -> sentSpans("otlp") == 3);
    assertThat(failedSpans("otlp")).isZero();
  }

  @Test
  void itemsSizer_countsSpansAndRefusesBatchLargerThanTheQueue() throws Exception {
    FakeSender sender = new FakeSender();
    sender.gate = new CountDownLatch(1);
    ExporterHelper h = start("otlp", queued(1, 10, QueueConfig.Sizer.ITEMS, FAST_RETRY), sender);
    h.consume(traces("held", 1));
    await().atMost(WAIT).until(() -> sender.inSend.get() == 1);

    assertThat(h.consume(traces("six", 6)).isSuccess()).isTrue();
    assertThat(gauge("traceyard_exporter_queue_size", "otlp")).isEqualTo(6);
    ConsumeResult full = h.consume(traces("five", 5));
    ConsumeResult tooLarge = h.consume(traces("eleven", 11));

    assertThat(full.isRetryable()).isTrue();
    assertThat(tooLarge.isPermanent()).isTrue();
    assertThat(tooLarge.message()).contains("larger than the sending queue");
    assertThat(enqueueFailedSpans("otlp")).isEqualTo(16);
    sender.gate.countDown();
  }

  @Test
  void blockOnOverflow_waitsForRoomInsteadOfRefusing() throws Exception {
    FakeSender sender = new FakeSender();
    sender.gate = new CountDownLatch(1);
    ExporterHelperConfig config = new ExporterHelperConfig(Duration.ofSeconds(5),
        new QueueConfig(true, 1, 1, QueueConfig.Sizer.REQUESTS, true, null), FAST_RETRY);
    ExporterHelper h = start("otlp", config, sender);
    h.consume(traces("held", 1));
    await().atMost(WAIT).until(() -> sender.inSend.get() == 1);
    h.consume(traces("queued", 1));

    AtomicReference<ConsumeResult> result = new AtomicReference<>();
    Thread producer = new Thread(() -> result.set(h.consume(traces("blocked", 1))));
    producer.start();
    await().atMost(WAIT).until(() -> producer.getState() == Thread.State.WAITING);
    assertThat(result.get()).isNull();

    sender.gate.countDown();
    producer.join(WAIT.toMillis());
    assertThat(result.get().isSuccess()).isTrue();
    await().atMost(WAIT).until(() -> sentSpans("otlp") == 3);
    assertThat(enqueueFailedSpans("otlp")).isZero();
  }

  @Test
  void retryableFailure_isRetriedNoSoonerThanRetryAfterThenDelivered() throws Exception {
    FakeSender sender = new FakeSender();
    Duration retryAfter = Duration.ofMillis(300);
    sender.answer = (b, n) -> n < 3 ? ConsumeResult.retryable("UNAVAILABLE", retryAfter) : ConsumeResult.success();
    ExporterHelper h = start("otlp", queued(1, 10, QueueConfig.Sizer.REQUESTS, FAST_RETRY), sender);

    h.consume(traces("a", 2));

    await().atMost(WAIT).until(() -> sentSpans("otlp") == 2);
    assertThat(sender.attempts).hasSize(3);
    for (int i = 1; i < 3; i++) {
      long gap = sender.attempts.get(i).nanos() - sender.attempts.get(i - 1).nanos();
      assertThat(Duration.ofNanos(gap)).isGreaterThanOrEqualTo(retryAfter);
    }
    assertThat(failedSpans("otlp")).isZero();
  }

  @Test
  void permanentFailure_isNotRetriedAndCountedAsSendFailed() throws Exception {
    FakeSender sender = new FakeSender();
    sender.answer = (b, n) -> b.itemCount() == 4 ? ConsumeResult.permanent("INVALID_ARGUMENT") : ConsumeResult.success();
    ExporterHelper h = start("otlp", queued(1, 10, QueueConfig.Sizer.REQUESTS, FAST_RETRY), sender);
    Batch bad = traces("bad", 4);
    Batch good = traces("good", 1);

    h.consume(bad);
    h.consume(good);

    // One consumer: once the later batch is sent, the first one is settled.
    await().atMost(WAIT).until(() -> sentSpans("otlp") == 1);
    assertThat(failedSpans("otlp")).isEqualTo(4);
    assertThat(sender.attemptsOf(bad)).isEqualTo(1);
  }

  @Test
  void retriesStopAtMaxElapsedTime_andTheBatchIsCountedFailed() throws Exception {
    FakeSender sender = new FakeSender();
    sender.answer = (b, n) -> ConsumeResult.retryable("UNAVAILABLE", null);
    RetryConfig retry = new RetryConfig(true, Duration.ofMillis(10), 0, 2, Duration.ofMillis(40), Duration.ofMillis(150));
    ExporterHelper h = start("otlp", queued(1, 10, QueueConfig.Sizer.REQUESTS, retry), sender);

    h.consume(traces("doomed", 3));

    await().atMost(WAIT).until(() -> failedSpans("otlp") == 3);
    assertThat(sender.attempts.size()).isGreaterThan(1);
    assertThat(sentSpans("otlp")).isZero();
  }

  @Test
  void retryDisabled_givesUpAfterOneAttempt() throws Exception {
    FakeSender sender = new FakeSender();
    sender.answer = (b, n) -> ConsumeResult.retryable("UNAVAILABLE", null);
    ExporterHelper h = start("otlp", queued(1, 10, QueueConfig.Sizer.REQUESTS, RetryConfig.disabled()), sender);

    h.consume(traces("once", 2));

    await().atMost(WAIT).until(() -> failedSpans("otlp") == 2);
    assertThat(sender.attempts).hasSize(1);
  }

  @Test
  void partialSuccess_countsRejectedItemsAsFailedAndTheRestAsSent() throws Exception {
    FakeSender sender = new FakeSender();
    sender.answer = (b, n) -> ConsumeResult.partialSuccess(2, "2 spans had no name");
    ExporterHelper h = start("otlp", queued(1, 10, QueueConfig.Sizer.REQUESTS, FAST_RETRY), sender);

    h.consume(traces("partly", 5));

    await().atMost(WAIT).until(() -> sentSpans("otlp") == 3);
    assertThat(failedSpans("otlp")).isEqualTo(2);
    assertThat(sender.attempts).hasSize(1);
  }

  @Test
  void disabledQueue_sendsOnTheCallerThreadAndReturnsTheOutcome() throws Exception {
    FakeSender sender = new FakeSender();
    sender.answer = (b, n) -> b.itemCount() == 1 ? ConsumeResult.permanent("bad data") : ConsumeResult.success();
    ExporterHelperConfig config = new ExporterHelperConfig(Duration.ofSeconds(5), QueueConfig.disabled(), FAST_RETRY);
    ExporterHelper h = start("otlp", config, sender);

    assertThat(h.consume(traces("ok", 2)).isSuccess()).isTrue();
    assertThat(sentSpans("otlp")).isEqualTo(2);
    ConsumeResult bad = h.consume(traces("bad", 1));
    assertThat(bad.isPermanent()).isTrue();
    assertThat(bad.message()).isEqualTo("bad data");
    assertThat(failedSpans("otlp")).isEqualTo(1);
  }

  @Test
  void disabledQueue_retriesBeforeReturning() throws Exception {
    FakeSender sender = new FakeSender();
    sender.answer = (b, n) -> n == 1 ? ConsumeResult.retryable("blip", null) : ConsumeResult.success();
    ExporterHelperConfig config = new ExporterHelperConfig(Duration.ofSeconds(5), QueueConfig.disabled(), FAST_RETRY);
    ExporterHelper h = start("otlp", config, sender);

    assertThat(h.consume(traces("ok", 2)).isSuccess()).isTrue();
    assertThat(sender.attempts).hasSize(2);
  }

  @Test
  void shutdown_drainsQueuedBatchesBeforeStoppingTheSender() throws Exception {
    FakeSender sender = new FakeSender();
    sender.gate = new CountDownLatch(1);
    ExporterHelper h = start("otlp", queued(1, 100, QueueConfig.Sizer.REQUESTS, FAST_RETRY), sender);
    for (int i = 0; i < 5; i++) {
      assertThat(h.consume(traces("q" + i, 2)).isSuccess()).isTrue();
    }
    await().atMost(WAIT).until(() -> sender.inSend.get() == 1);

    Thread stopper = new Thread(h::shutdown);
    stopper.start();
    // Shutdown is now waiting for the queue to drain: new data is refused, queued data still goes out.
    await().atMost(WAIT).until(() -> stopper.getState() == Thread.State.TIMED_WAITING);
    assertThat(h.consume(traces("late", 1)).isRetryable()).isTrue();
    sender.gate.countDown();
    stopper.join(WAIT.toMillis());

    assertThat(stopper.isAlive()).isFalse();
    assertThat(sentSpans("otlp")).isEqualTo(10);
    assertThat(failedSpans("otlp")).isZero();
    assertThat(sender.stopped).isTrue();
  }

  @Test
  void shutdown_cutsRetriesShortAndCountsWhatCouldNotBeSent() throws Exception {
    FakeSender sender = new FakeSender();
    sender.answer = (b, n) -> ConsumeResult.retryable("UNAVAILABLE", Duration.ofHours(1));
    RetryConfig forever = new RetryConfig(true, Duration.ofMillis(5), 0.5, 1.5, Duration.ofMillis(50), Duration.ZERO);
    ExporterHelper h = start("otlp", queued(2, 100, QueueConfig.Sizer.REQUESTS, forever), sender,
        Duration.ofMillis(200));
    for (int i = 0; i < 4; i++) {
      h.consume(traces("q" + i, 3));
    }
    await().atMost(WAIT).until(() -> sender.attempts.size() >= 2);

    Thread stopper = new Thread(h::shutdown);
    stopper.start();
    stopper.join(WAIT.toMillis());

    assertThat(stopper.isAlive()).isFalse();
    assertThat(failedSpans("otlp")).isEqualTo(12);
    assertThat(sentSpans("otlp")).isZero();
  }

  @Test
  void shutdown_isBoundedEvenWhenTheSenderHangs() throws Exception {
    FakeSender sender = new FakeSender();
    sender.gate = new CountDownLatch(1);
    ExporterHelperConfig config = new ExporterHelperConfig(Duration.ofMillis(100),
        new QueueConfig(true, 1, 10, QueueConfig.Sizer.REQUESTS, false, null), FAST_RETRY);
    ExporterHelper h = start("otlp", config, sender, Duration.ofMillis(100));
    h.consume(traces("stuck", 1));
    h.consume(traces("queued", 2));
    await().atMost(WAIT).until(() -> sender.inSend.get() == 1);

    Thread stopper = new Thread(h::shutdown);
    stopper.start();
    stopper.join(WAIT.toMillis());

    assertThat(stopper.isAlive()).isFalse();
    // The queued batch never got its turn: it is counted, not silently lost.
    assertThat(failedSpans("otlp")).isEqualTo(2);
    sender.gate.countDown();
  }

  @Test
  void storageNamingAMissingExtension_failsStartWithItsName() {
    ExporterHelperConfig config = new ExporterHelperConfig(Duration.ofSeconds(5),
        new QueueConfig(true, 1, 10, QueueConfig.Sizer.REQUESTS, false, ComponentId.parse("file_storage/q")),
        FAST_RETRY);
    FakeSender sender = new FakeSender();
    ExporterHelper h = ExporterHelper.create(ExporterTesting.settings("otlp", telemetry), config, sender);

    assertThatThrownBy(() -> h.start(NO_EXTENSIONS))
        .hasMessageContaining("sending_queue.storage")
        .hasMessageContaining("file_storage/q");
    assertThat(sender.stopped).isTrue();
  }

  @Test
  void storageExtension_providesTheQueue() throws Exception {
    AtomicReference<ComponentId> askedFor = new AtomicReference<>();
    class Storage implements Extension, ExportQueueFactory {
      @Override
      public ExportQueue createQueue(ComponentId exporter, QueueConfig config) {
        askedFor.set(exporter);
        return new MemoryQueue(config.queueSize(), config.sizer());
      }
    }
    Storage storage = new Storage();
    Host host = id -> id.equals(ComponentId.parse("file_storage")) ? Optional.of(storage) : Optional.empty();
    ExporterHelperConfig config = new ExporterHelperConfig(Duration.ofSeconds(5),
        new QueueConfig(true, 1, 10, QueueConfig.Sizer.REQUESTS, false, ComponentId.parse("file_storage")),
        FAST_RETRY);
    ExporterHelper h = ExporterHelper.create(ExporterTesting.settings("otlp/2", telemetry), config, new FakeSender());
    h.start(host);
    started.add(h);

    h.consume(traces("x", 1));

    await().atMost(WAIT).until(() -> telemetry.value("traceyard_exporter_sent_spans", "otlp/2") == 1);
    assertThat(askedFor.get()).isEqualTo(ComponentId.parse("otlp/2"));
  }

  @Test
  void twoQueuedExporters_shareOneTelemetryRegistry() throws Exception {
    start("otlp", queued(1, 10, QueueConfig.Sizer.REQUESTS, FAST_RETRY), new FakeSender());
    start("otlphttp", queued(1, 20, QueueConfig.Sizer.REQUESTS, FAST_RETRY), new FakeSender());

    assertThat(gauge("traceyard_exporter_queue_capacity", "otlp")).isEqualTo(10);
    assertThat(gauge("traceyard_exporter_queue_capacity", "otlphttp")).isEqualTo(20);
  }

  @Test
  void senderThatThrows_isTreatedAsRetryable() throws Exception {
    FakeSender sender = new FakeSender();
    sender.answer = (b, n) -> {
      if (n == 1) {
        throw new IllegalStateException("bug");
      }
      return ConsumeResult.success();
    };
    ExporterHelper h = start("otlp", queued(1, 10, QueueConfig.Sizer.REQUESTS, FAST_RETRY), sender);

    h.consume(traces("x", 1));

    await().atMost(WAIT).until(() -> sentSpans("otlp") == 1);
    assertThat(sender.attempts).hasSize(2);
  }

  @Test
  void backoff_growsByTheMultiplierUpToTheMaximum() {
    Backoff b = new Backoff(new RetryConfig(true, Duration.ofMillis(100), 0, 2, Duration.ofMillis(350), Duration.ZERO));
    assertThat(List.of(b.next(), b.next(), b.next(), b.next())).containsExactly(
        Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(350), Duration.ofMillis(350));
  }

  @Test
  void backoff_jitterStaysWithinTheRandomizationFactor() {
    Backoff b = new Backoff(new RetryConfig(true, Duration.ofMillis(100), 0.5, 1, Duration.ofMillis(100), Duration.ZERO));
    for (int i = 0; i < 200; i++) {
      assertThat(b.next()).isBetween(Duration.ofMillis(50), Duration.ofMillis(150));
    }
  }

  @Test
  void consumeBeforeStart_isRefusedAsRetryable() {
    ExporterHelper h = ExporterHelper.create(ExporterTesting.settings("otlp", telemetry), ExporterHelperConfig.defaults(),
        new FakeSender());
    assertThat(h.consume(traces("x", 1)).isRetryable()).isTrue();
  }
}
