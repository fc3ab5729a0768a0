package dev.traceyard.collector.connector.spanmetrics;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.metrics.v1.Exemplar;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A uniform sample of at most {@code capacity} of the spans recorded into one data point since the
 * last flush (reservoir sampling), so an exemplar can point at any span of the interval while memory
 * stays fixed. Not thread-safe: the connector's lock guards it.
 */
final class ExemplarReservoir {
  private final ByteString[] traceIds;
  private final ByteString[] spanIds;
  private final long[] times;
  private final double[] values;
  private int size;
  private long offered;

  ExemplarReservoir(int capacity) {
    traceIds = new ByteString[capacity];
    spanIds = new ByteString[capacity];
    times = new long[capacity];
    values = new double[capacity];
  }

  void offer(ByteString traceId, ByteString spanId, long timeNanos, double value) {
    offered++;
    int slot;
    if (size < traceIds.length) {
      slot = size++;
    } else {
      long r = ThreadLocalRandom.current().nextLong(offered);
      if (r >= traceIds.length) {
        return;
      }
      slot = (int) r;
    }
    traceIds[slot] = traceId;
    spanIds[slot] = spanId;
    times[slot] = timeNanos;
    values[slot] = value;
  }

  /** The sample as OTLP exemplars; empties the reservoir for the next interval. */
  List<Exemplar> drain() {
    List<Exemplar> out = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      out.add(Exemplar.newBuilder().setTraceId(traceIds[i]).setSpanId(spanIds[i]).setTimeUnixNano(times[i])
          .setAsDouble(values[i]).build());
      traceIds[i] = null;
      spanIds[i] = null;
    }
    size = 0;
    offered = 0;
    return out;
  }
}
