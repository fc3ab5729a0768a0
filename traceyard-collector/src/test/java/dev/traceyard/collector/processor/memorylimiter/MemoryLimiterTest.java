package dev.traceyard.collector.processor.memorylimiter;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.ComponentKind;
import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.LogBatch;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class MemoryLimiterTest {
  private static final long MIB = 1024 * 1024;
  /** limit 100 MiB, spike 20 MiB: soft limit 80 MiB. */
  private static final MemoryLimiterConfig CONFIG = new MemoryLimiterConfig(Duration.ofSeconds(1), 100, 20, 0, 0,
      Duration.ofSeconds(10), Duration.ZERO);

  private final SelfTelemetry telemetry = SelfTelemetry.forTesting();
  private final AtomicLong heap = new AtomicLong(10 * MIB);
  private final AtomicLong clock = new AtomicLong();
  private final AtomicInteger gcs = new AtomicInteger();
  /** What the heap drops to when a GC runs; by default the GC frees nothing. */
  private final AtomicLong heapAfterGc = new AtomicLong(-1);
  private final List<Batch> received = new CopyOnWriteArrayList<>();
  private MemoryLimiterProcessor processor;

  @AfterEach
  void stop() {
    if (processor != null) {
      processor.shutdown();
    }
  }

  @Test
  void belowSoftLimit_passesDataThrough() {
    MemoryMonitor monitor = monitor(CONFIG);
    MemoryLimiterProcessor p = processor(monitor, Signal.LOGS);
    heap.set(79 * MIB);
    monitor.check();

    assertThat(p.consume(logs(3)).isSuccess()).isTrue();
    assertThat(received).hasSize(1);
    assertThat(count("traceyard_processor_outgoing_items", "logs")).isEqualTo(3);
    assertThat(count("traceyard_processor_refused_items", "logs")).isZero();
    assertThat(gcs).hasValue(0);
  }

  @Test
  void aboveSoftLimit_refusesAsThrottled_andCountsRefusedItems() {
    MemoryMonitor monitor = monitor(CONFIG);
    MemoryLimiterProcessor p = processor(monitor, Signal.LOGS);
    heap.set(85 * MIB);
    monitor.check();

    ConsumeResult r = p.consume(logs(4));

    assertThat(r.isRetryable()).isTrue();
    assertThat(r.isThrottled()).isTrue();
    assertThat(r.retryAfter()).isEqualTo(Duration.ofSeconds(1));
    assertThat(r.message()).isEqualTo("memory limit exceeded: heap used 85 MiB is above the soft limit of 80 MiB (memory_limiter)");
    assertThat(received).isEmpty();
    assertThat(count("traceyard_processor_incoming_items", "logs")).isEqualTo(4);
    assertThat(count("traceyard_processor_refused_items", "logs")).isEqualTo(4);
    assertThat(count("traceyard_processor_outgoing_items", "logs")).isZero();
    // crossing the soft limit tries one GC first, which freed nothing here
    assertThat(gcs).hasValue(1);
  }

  @Test
  void recovery_acceptsAgainOnceHeapIsBelowSoftLimit() {
    MemoryMonitor monitor = monitor(CONFIG);
    MemoryLimiterProcessor p = processor(monitor, Signal.LOGS);
    heap.set(90 * MIB);
    monitor.check();
    assertThat(p.consume(logs(1)).isRetryable()).isTrue();

    heap.set(60 * MIB);
    monitor.check();

    assertThat(p.consume(logs(2)).isSuccess()).isTrue();
    assertThat(received).hasSize(1);
    assertThat(count("traceyard_processor_refused_items", "logs")).isEqualTo(1);
  }

  @Test
  void crossingSoftLimit_gcThatFreesEnough_avoidsRefusing() {
    MemoryMonitor monitor = monitor(CONFIG);
    MemoryLimiterProcessor p = processor(monitor, Signal.LOGS);
    heap.set(85 * MIB);
    heapAfterGc.set(30 * MIB);

    monitor.check();

    assertThat(gcs).hasValue(1);
    assertThat(monitor.mustRefuse()).isFalse();
    assertThat(p.consume(logs(1)).isSuccess()).isTrue();
  }

  @Test
  void softLimitGc_isRateLimitedByMinGcInterval() {
    MemoryMonitor monitor = monitor(CONFIG);
    heap.set(85 * MIB);
    monitor.check();
    heap.set(10 * MIB);
    monitor.check();
    clock.addAndGet(Duration.ofSeconds(5).toNanos());
    heap.set(85 * MIB);
    monitor.check();
    assertThat(gcs).as("second crossing within 10s forces no GC").hasValue(1);
    assertThat(monitor.mustRefuse()).isTrue();

    heap.set(10 * MIB);
    monitor.check();
    clock.addAndGet(Duration.ofSeconds(5).toNanos());
    heap.set(85 * MIB);
    monitor.check();
    assertThat(gcs).hasValue(2);
  }

  @Test
  void aboveHardLimit_forcesGcOnEveryCheck_andRefuses() {
    MemoryMonitor monitor = monitor(CONFIG);
    MemoryLimiterProcessor p = processor(monitor, Signal.LOGS);
    heap.set(120 * MIB);

    monitor.check();
    monitor.check();

    assertThat(gcs).hasValue(2);
    assertThat(p.consume(logs(1)).isThrottled()).isTrue();
  }

  @Test
  void hardLimitGc_isRateLimitedByItsMinInterval() {
    MemoryMonitor monitor = monitor(new MemoryLimiterConfig(Duration.ofSeconds(1), 100, 20, 0, 0,
        Duration.ofSeconds(10), Duration.ofSeconds(3)));
    heap.set(120 * MIB);

    monitor.check();
    clock.addAndGet(Duration.ofSeconds(1).toNanos());
    monitor.check();
    assertThat(gcs).hasValue(1);

    clock.addAndGet(Duration.ofSeconds(2).toNanos());
    monitor.check();
    assertThat(gcs).hasValue(2);
    assertThat(monitor.mustRefuse()).isTrue();
  }

  @Test
  void backgroundCheck_followsTheHeap() {
    MemoryMonitor monitor = monitor(new MemoryLimiterConfig(Duration.ofMillis(10), 100, 20, 0, 0,
        Duration.ofSeconds(10), Duration.ZERO));
    MemoryLimiterProcessor p = processor(monitor, Signal.LOGS);
    p.start(id -> Optional.empty());

    heap.set(95 * MIB);
    await().atMost(30, SECONDS).until(() -> p.consume(logs(1)).isThrottled());
    heap.set(10 * MIB);
    await().atMost(30, SECONDS).until(() -> p.consume(logs(1)).isSuccess());

    p.shutdown();
    heap.set(95 * MIB);
    assertThat(monitor.mustRefuse()).as("a stopped limiter refuses nothing").isFalse();
  }

  @Test
  void spikeDefaultsToTwentyPercentOfLimit() {
    MemoryLimiterConfig c = new MemoryLimiterConfig(Duration.ofSeconds(1), 1000, 0, 0, 0, Duration.ZERO, Duration.ZERO);
    assertThat(c.limits(Long.MAX_VALUE)).isEqualTo(new MemoryLimiterConfig.Limits(1000 * MIB, 800 * MIB));
  }

  @Test
  void percentages_areOfMaxHeap_andLimitMibWins() {
    MemoryLimiterConfig pct = new MemoryLimiterConfig(Duration.ofSeconds(1), 0, 0, 80, 25, Duration.ZERO, Duration.ZERO);
    assertThat(pct.limits(1000 * MIB)).isEqualTo(new MemoryLimiterConfig.Limits(800 * MIB, 550 * MIB));

    MemoryLimiterConfig pctDefaultSpike = new MemoryLimiterConfig(Duration.ofSeconds(1), 0, 0, 50, 0, Duration.ZERO, Duration.ZERO);
    assertThat(pctDefaultSpike.limits(1000 * MIB)).isEqualTo(new MemoryLimiterConfig.Limits(500 * MIB, 400 * MIB));

    MemoryLimiterConfig both = new MemoryLimiterConfig(Duration.ofSeconds(1), 100, 10, 80, 25, Duration.ZERO, Duration.ZERO);
    assertThat(both.limits(1000 * MIB)).isEqualTo(new MemoryLimiterConfig.Limits(100 * MIB, 90 * MIB));
  }

  @Test
  void percentageOnUnboundedHeap_failsAtStart() {
    MemoryLimiterConfig pct = new MemoryLimiterConfig(Duration.ofSeconds(1), 0, 0, 80, 20, Duration.ZERO, Duration.ZERO);
    MemoryMonitor monitor = new MemoryMonitor(pct, Long.MAX_VALUE, heap::get, gcs::incrementAndGet,
        LoggerFactory.getLogger("test"));
    MemoryLimiterProcessor p = processor(monitor, Signal.LOGS);

    assertThatThrownBy(() -> p.start(id -> Optional.empty()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("limit_percentage needs a bounded heap, but this JVM has no maximum heap size: "
            + "start it with -Xmx or configure limit_mib");
  }

  @Test
  void factory_sharesOneMonitorPerId_acrossPipelines() {
    MemoryLimiterProcessorFactory f = new MemoryLimiterProcessorFactory();
    // a limit no test JVM reaches, since this monitor reads the real heap
    MemoryLimiterConfig huge = new MemoryLimiterConfig(Duration.ofSeconds(1), 1 << 30, 0, 0, 0,
        Duration.ofSeconds(10), Duration.ZERO);
    MemoryLimiterProcessor traces = (MemoryLimiterProcessor) f.create(settings(), huge, Signal.TRACES, b -> {
      received.add(b);
      return ConsumeResult.success();
    });
    MemoryLimiterProcessor logs = (MemoryLimiterProcessor) f.create(settings(), huge, Signal.LOGS,
        b -> ConsumeResult.success());
    MemoryLimiterProcessor other = (MemoryLimiterProcessor) f.create(
        new ComponentSettings(ComponentId.parse("memory_limiter/other"), ComponentKind.PROCESSOR, telemetry),
        huge, Signal.LOGS, b -> ConsumeResult.success());

    assertThat(traces.monitor()).isSameAs(logs.monitor()).isNotSameAs(other.monitor());
    traces.start(id -> Optional.empty());
    logs.start(id -> Optional.empty());
    try {
      assertThat(traces.consume(logs(1)).isSuccess()).isTrue();
      assertThat(received).hasSize(1);
    } finally {
      traces.shutdown();
      logs.shutdown();
    }
  }

  // ---- helpers ----

  private MemoryMonitor monitor(MemoryLimiterConfig config) {
    return new MemoryMonitor(config, 1024 * MIB, heap::get, () -> {
      gcs.incrementAndGet();
      if (heapAfterGc.get() >= 0) {
        heap.set(heapAfterGc.get());
      }
    }, clock::get, LoggerFactory.getLogger("traceyard.processor.memory_limiter"));
  }

  private MemoryLimiterProcessor processor(MemoryMonitor monitor, Signal signal) {
    processor = new MemoryLimiterProcessor(settings(), signal, b -> {
      received.add(b);
      return ConsumeResult.success();
    }, monitor);
    return processor;
  }

  private ComponentSettings settings() {
    return new ComponentSettings(ComponentId.of("memory_limiter"), ComponentKind.PROCESSOR, telemetry);
  }

  private double count(String name, String signal) {
    return telemetry.value(name, "memory_limiter", signal);
  }

  private static LogBatch logs(int n) {
    ScopeLogs.Builder sl = ScopeLogs.newBuilder();
    for (int i = 0; i < n; i++) {
      sl.addLogRecords(LogRecord.newBuilder().setSeverityText("INFO"));
    }
    return LogBatch.of(ExportLogsServiceRequest.newBuilder()
        .addResourceLogs(ResourceLogs.newBuilder().addScopeLogs(sl)).build());
  }
}
