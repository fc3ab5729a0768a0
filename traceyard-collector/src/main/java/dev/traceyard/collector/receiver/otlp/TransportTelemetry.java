package dev.traceyard.collector.receiver.otlp;

import com.linecorp.armeria.common.RequestContext;
import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.consumer.Consumer;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.telemetry.RateLimitedLogger;
import dev.traceyard.collector.telemetry.ReceiverMetrics;
import io.netty.util.AttributeKey;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/**
 * Self-telemetry of one transport ({@code grpc} or {@code http}) of one receiver: accepted and refused
 * items, refused requests by reason, and warnings at a bounded rate (one logger per reason, so a flood
 * of one kind of bad request cannot hide another kind).
 */
final class TransportTelemetry {
  static final String REFUSED_REQUESTS = "traceyard_receiver_refused_requests";
  private static final AttributeKey<Boolean> COUNTED = AttributeKey.valueOf(TransportTelemetry.class, "counted");
  private static final Duration LOG_INTERVAL = Duration.ofSeconds(10);

  private final String transport;
  private final Consumer next;
  private final ReceiverMetrics items;
  private final Map<RefusalReason, CounterDataPoint> refusedRequests = new EnumMap<>(RefusalReason.class);
  private final Map<RefusalReason, RateLimitedLogger> logs = new EnumMap<>(RefusalReason.class);

  TransportTelemetry(ComponentSettings settings, String transport, Consumer next) {
    this.transport = transport;
    this.next = next;
    this.items = settings.telemetry().receiver(settings.id(), transport);
    var counter = settings.telemetry().counter(REFUSED_REQUESTS,
        "Requests refused by a receiver, before decoding (malformed, too large, unsupported media type, "
            + "unknown path or method) or after it (refused by the pipeline).",
        "receiver", "transport", "reason");
    for (RefusalReason r : RefusalReason.values()) {
      refusedRequests.put(r, counter.labelValues(settings.id().toString(), transport, r.label()));
      logs.put(r, new RateLimitedLogger(settings.logger(), LOG_INTERVAL));
    }
  }

  /**
   * Hands a decoded batch to the pipeline and counts the outcome. An empty batch is accepted without
   * bothering the pipeline, as otelcol does.
   */
  ConsumeResult consume(Batch batch) {
    if (batch.itemCount() == 0) {
      return ConsumeResult.success();
    }
    ConsumeResult result;
    try {
      result = next.consume(batch);
      if (result == null) {
        result = ConsumeResult.retryable("internal error: the pipeline returned no result", null);
      }
    } catch (RuntimeException e) {
      // Consumers must not throw; if one does, the client retries rather than losing the data.
      result = ConsumeResult.retryable("internal error: " + e, null);
    }
    Signal signal = batch.signal();
    if (result.isSuccess()) {
      long rejected = Math.min(result.rejectedItems(), batch.itemCount());
      items.accepted(signal, batch.itemCount() - rejected);
      items.refused(signal, rejected);
      if (rejected > 0) {
        logs.get(RefusalReason.REFUSED).warn("{} of {} {} were rejected by the pipeline ({}): {}",
            rejected, batch.itemCount(), signal.itemName(), transport, result.message());
      }
    } else {
      refused(RefusalReason.REFUSED, signal, batch.itemCount(), result.toString());
    }
    return result;
  }

  /**
   * Counts a request refused by Armeria-level hooks, which may see one request several times (the
   * gRPC exception handler runs per failing stage, the error handler may run too): counts it once.
   * The hooks run on different threads (the gRPC status function on the blocking executor, the 413
   * decorator on the event loop), so the check and the mark are one step under the context's lock:
   * a separate check-then-set counted one oversized request twice on CI.
   */
  void refusedOnce(RequestContext ctx, RefusalReason reason, String detail) {
    if (ctx != null) {
      synchronized (ctx) {
        if (ctx.attr(COUNTED) != null) {
          return;
        }
        ctx.setAttr(COUNTED, Boolean.TRUE);
      }
    }
    refused(reason, null, 0, detail);
  }

  /** Counts a refused request ({@code items} when known, else 0) and logs why, rate-limited. */
  void refused(RefusalReason reason, Signal signal, long itemCount, String detail) {
    refusedRequests.get(reason).inc();
    if (signal != null) {
      items.refused(signal, itemCount);
    }
    logs.get(reason).warn("refused an OTLP {} request ({}{}): {}", transport, reason.label(),
        signal == null ? "" : ", " + signal.configName(), detail);
  }
}
