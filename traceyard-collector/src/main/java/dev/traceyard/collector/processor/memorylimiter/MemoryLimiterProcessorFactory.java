package dev.traceyard.collector.processor.memorylimiter;

import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Processor;
import dev.traceyard.collector.component.ProcessorFactory;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.consumer.Consumer;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The {@code memory_limiter} processor, configured as in otelcol: {@code check_interval} (required),
 * {@code limit_mib} or {@code limit_percentage} (one required; MiB wins when both are set),
 * {@code spike_limit_mib} / {@code spike_limit_percentage} (default 20% of the limit),
 * {@code min_gc_interval_when_soft_limited} (default 10s), {@code min_gc_interval_when_hard_limited}
 * (default 0). Percentages are of the JVM's maximum heap.
 *
 * <p>Every pipeline gets its own processor, but all processors of one id share one heap monitor, as
 * in otelcol: the heap is one per process, so one check thread and one GC policy are enough.
 */
public final class MemoryLimiterProcessorFactory implements ProcessorFactory<MemoryLimiterConfig> {
  private static final long UINT32_MAX = 0xFFFF_FFFFL;

  private record MonitorKey(ComponentId id, MemoryLimiterConfig config) {}

  private final Map<MonitorKey, MemoryMonitor> monitors = new HashMap<>();

  @Override
  public String type() {
    return "memory_limiter";
  }

  @Override
  public Set<Signal> signals() {
    return EnumSet.allOf(Signal.class);
  }

  @Override
  public MemoryLimiterConfig parseConfig(ConfigNode node) {
    Duration checkInterval = node.duration("check_interval", Duration.ZERO);
    if (!node.has("check_interval")) {
      node.error("check_interval", "is required and must be greater than zero, e.g. 1s");
    } else if (checkInterval.isNegative() || checkInterval.isZero()) {
      node.error("check_interval", "must be greater than zero, e.g. 1s");
    }
    long limitMib = node.longInRange("limit_mib", 0, 0, UINT32_MAX);
    long spikeLimitMib = node.longInRange("spike_limit_mib", 0, 0, UINT32_MAX);
    int limitPercentage = (int) node.longInRange("limit_percentage", 0, 0, 100);
    int spikeLimitPercentage = (int) node.longInRange("spike_limit_percentage", 0, 0, 100);
    Duration minGcSoft = node.nonNegativeDuration("min_gc_interval_when_soft_limited",
        MemoryLimiterConfig.DEFAULT_MIN_GC_INTERVAL_WHEN_SOFT_LIMITED);
    Duration minGcHard = node.nonNegativeDuration("min_gc_interval_when_hard_limited", Duration.ZERO);

    if (limitMib == 0 && limitPercentage == 0) {
      node.error("limit_mib", "one of limit_mib or limit_percentage must be set to a value greater than zero");
    }
    if (limitMib > 0 && spikeLimitMib >= limitMib) {
      node.error("spike_limit_mib", "must be smaller than limit_mib (" + limitMib + "), got " + spikeLimitMib);
    }
    if (limitPercentage > 0 && spikeLimitPercentage >= limitPercentage) {
      node.error("spike_limit_percentage",
          "must be smaller than limit_percentage (" + limitPercentage + "), got " + spikeLimitPercentage);
    }
    if (minGcSoft.compareTo(minGcHard) < 0) {
      node.error("min_gc_interval_when_soft_limited",
          "must not be smaller than min_gc_interval_when_hard_limited, since a GC above the hard limit is the more urgent");
    }
    return new MemoryLimiterConfig(checkInterval.isNegative() || checkInterval.isZero() ? Duration.ofSeconds(1) : checkInterval,
        limitMib, spikeLimitMib, limitPercentage, spikeLimitPercentage, minGcSoft, minGcHard);
  }

  @Override
  public Processor create(ComponentSettings settings, MemoryLimiterConfig config, Signal signal, Consumer next) {
    MemoryMonitor monitor;
    synchronized (monitors) {
      monitor = monitors.computeIfAbsent(new MonitorKey(settings.id(), config),
          k -> MemoryMonitor.forJvmHeap(config, settings.logger()));
    }
    return new MemoryLimiterProcessor(settings, signal, next, monitor);
  }
}
