package dev.traceyard.collector.processor.tailsampling.policy;

import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;

/**
 * A few facts about a trace's spans, gathered while the spans are at hand (when they arrive), so that
 * the common policies (latency, status code, span count, trace flags) decide without decoding the
 * buffered spans again. Not thread-safe.
 */
public final class SpanStats {
  private int spanCount;
  private long earliestStart = Long.MAX_VALUE;
  private long latestEnd = Long.MIN_VALUE;
  /** Bit {@code 1 << code} for every status code seen. */
  private int statusMask;
  private boolean rootSpan;
  private boolean sampledFlag;

  public void add(Span span) {
    spanCount++;
    long start = span.getStartTimeUnixNano();
    long end = span.getEndTimeUnixNano();
    if (start < earliestStart) {
      earliestStart = start;
    }
    if (end > latestEnd) {
      latestEnd = end;
    }
    int code = span.getStatus().getCodeValue();
    if (code >= 0 && code < 31) {
      statusMask |= 1 << code;
    }
    if (span.getParentSpanId().isEmpty()) {
      rootSpan = true;
    }
    // The low byte of Span.flags carries the W3C trace flags; bit 0 is "sampled".
    if ((span.getFlags() & 0x01) != 0) {
      sampledFlag = true;
    }
  }

  public void addAll(SpanStats other) {
    spanCount += other.spanCount;
    earliestStart = Math.min(earliestStart, other.earliestStart);
    latestEnd = Math.max(latestEnd, other.latestEnd);
    statusMask |= other.statusMask;
    rootSpan |= other.rootSpan;
    sampledFlag |= other.sampledFlag;
  }

  public int spanCount() {
    return spanCount;
  }

  /** From the earliest start to the latest end, in nanoseconds; 0 without spans or with end before start. */
  public long durationNanos() {
    if (spanCount == 0 || latestEnd < earliestStart) {
      return 0;
    }
    return latestEnd - earliestStart;
  }

  public boolean hasStatus(Status.StatusCode code) {
    int n = code.getNumber();
    return n >= 0 && n < 31 && (statusMask & (1 << n)) != 0;
  }

  /** True once a span without a parent (the root) has arrived. */
  public boolean hasRootSpan() {
    return rootSpan;
  }

  public boolean hasSampledFlag() {
    return sampledFlag;
  }
}
