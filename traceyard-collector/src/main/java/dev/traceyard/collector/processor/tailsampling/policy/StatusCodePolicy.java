package dev.traceyard.collector.processor.tailsampling.policy;

import io.opentelemetry.proto.trace.v1.Status;
import java.util.Set;

/** Sampled when any span has one of the status codes. */
final class StatusCodePolicy implements Policy {
  private final Status.StatusCode[] codes;

  StatusCodePolicy(Set<Status.StatusCode> codes) {
    this.codes = codes.toArray(new Status.StatusCode[0]);
  }

  @Override
  public Decision evaluate(TraceData trace) {
    for (Status.StatusCode c : codes) {
      if (trace.stats().hasStatus(c)) {
        return Decision.SAMPLED;
      }
    }
    return Decision.NOT_SAMPLED;
  }
}
