package dev.traceyard.collector.processor.tailsampling.policy;

import java.util.function.LongSupplier;

/**
 * A token bucket of bytes refilled at {@code bytes_per_second} up to {@code burst_capacity}: a trace
 * is sampled when the bucket holds its encoded size, which is then taken out.
 */
final class BytesLimitingPolicy implements Policy {
  private final double bytesPerNano;
  private final double capacity;
  private final LongSupplier nanoClock;
  private double tokens;
  private long lastRefill;

  BytesLimitingPolicy(long bytesPerSecond, long burstCapacity, LongSupplier nanoClock) {
    this.bytesPerNano = bytesPerSecond / 1e9;
    this.capacity = burstCapacity;
    this.nanoClock = nanoClock;
    this.tokens = burstCapacity;
    this.lastRefill = nanoClock.getAsLong();
  }

  @Override
  public Decision evaluate(TraceData trace) {
    long now = nanoClock.getAsLong();
    long elapsed = now - lastRefill;
    if (elapsed > 0) {
      tokens = Math.min(capacity, tokens + elapsed * bytesPerNano);
      lastRefill = now;
    }
    long size = trace.encodedSize();
    if (tokens >= size) {
      tokens -= size;
      return Decision.SAMPLED;
    }
    return Decision.NOT_SAMPLED;
  }
}
