package dev.traceyard.collector.processor.tailsampling;

import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.ComponentKind;
import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.consumer.Consumer;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import java.util.function.LongSupplier;

/**
 * Lets the benchmarks drive the processor on a manual clock, ticking it themselves, as its unit
 * tests do. Lives in the processor's package (in the benchmarks jar) so that the processor needs no
 * public test hooks.
 */
public final class TailSamplingBenchmarkAccess {
  private final TailSamplingProcessor processor;

  public TailSamplingBenchmarkAccess(ConfigNode config, Consumer next, LongSupplier clock) {
    TailSamplingConfig c = new TailSamplingProcessorFactory().parseConfig(config);
    config.reportUnknownKeys();
    config.errors().list().forEach(e -> {
      throw new IllegalArgumentException(e);
    });
    processor = new TailSamplingProcessor(new ComponentSettings(ComponentId.of("tail_sampling"), ComponentKind.PROCESSOR,
        SelfTelemetry.forTesting()), c, next, clock);
  }

  public ConsumeResult consume(Batch batch) {
    return processor.consume(batch);
  }

  public void tick() {
    processor.tick();
  }

  /** Bytes the processor counts as held (its bytes-in-memory gauge). */
  public long memoryInUse() {
    return processor.memoryInUseForTest();
  }

  public void shutdown() {
    processor.shutdown();
  }
}
