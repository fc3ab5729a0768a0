package dev.traceyard.collector.processor.tailsampling.policy;

import java.util.List;

/** Sampled when no sub-policy says not sampled; stops at the first that does, as otelcol. */
final class AndPolicy implements Policy {
  private final List<Policy> subPolicies;

  AndPolicy(List<Policy> subPolicies) {
    this.subPolicies = List.copyOf(subPolicies);
  }

  @Override
  public Decision evaluate(TraceData trace) {
    for (Policy p : subPolicies) {
      if (p.evaluate(trace).rejects()) {
        return Decision.NOT_SAMPLED;
      }
    }
    return Decision.SAMPLED;
  }
}
