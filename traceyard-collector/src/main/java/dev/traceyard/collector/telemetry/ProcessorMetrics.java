package dev.traceyard.collector.telemetry;

import dev.traceyard.collector.component.Signal;
import io.prometheus.metrics.core.metrics.Counter;

/** {@code traceyard_processor_incoming_items}, {@code _outgoing_items}, {@code _refused_items}, {@code _dropped_items}. */
public final class ProcessorMetrics {
  private final Counter incoming;
  private final Counter outgoing;
  private final Counter refused;
  private final Counter dropped;
  private final String processor;

  ProcessorMetrics(SelfTelemetry t, String processor) {
    this.processor = processor;
    incoming = t.counter("traceyard_processor_incoming_items", "Items handed to the processor.", "processor", "signal");
    outgoing = t.counter("traceyard_processor_outgoing_items", "Items the processor passed on.", "processor", "signal");
    refused = t.counter("traceyard_processor_refused_items",
        "Items the processor refused back to the caller (e.g. memory limit, retryable; schema reject_request, "
            + "permanent).", "processor", "signal");
    dropped = t.counter("traceyard_processor_dropped_items",
        "Items the processor dropped after accepting them (e.g. export failed on flush).", "processor", "signal");
  }

  public void incoming(Signal s, long n) {
    if (n > 0) {
      incoming.labelValues(processor, s.configName()).inc(n);
    }
  }

  public void outgoing(Signal s, long n) {
    if (n > 0) {
      outgoing.labelValues(processor, s.configName()).inc(n);
    }
  }

  public void refused(Signal s, long n) {
    if (n > 0) {
      refused.labelValues(processor, s.configName()).inc(n);
    }
  }

  public void dropped(Signal s, long n) {
    if (n > 0) {
      dropped.labelValues(processor, s.configName()).inc(n);
    }
  }
}
