package dev.traceyard.collector.processor.tailsampling.policy;

import java.util.List;

/** {@link Decision#DROPPED} when every sub-policy matches; otherwise not sampled (no opinion). */
final class DropPolicy implements Policy {
  private final List<Policy> subPolicies;

  DropPolicy(List<Policy> subPolicies) {
    this.subPolicies = List.copyOf(subPolicies);
  }

  @Override
  public Decision evaluate(TraceData trace) {
    for (Policy p : subPolicies) {
      if (p.evaluate(trace).rejects()) {
        return Decision.NOT_SAMPLED;
      }
    }
    return Decision.DROPPED;
  }
}
