package dev.traceyard.collector.processor.tailsampling.policy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/** Makes policies from their validated config. */
public final class Policies {
  private Policies() {}

  /**
   * @param nanoClock a monotonic clock in nanoseconds ({@code System::nanoTime} outside tests), for the
   *     policies that count per second
   */
  public static Policy create(PolicyConfig config, LongSupplier nanoClock) {
    if (config instanceof PolicyConfig.AlwaysSample) {
      return trace -> Decision.SAMPLED;
    }
    if (config instanceof PolicyConfig.Latency c) {
      return new LatencyPolicy(c.thresholdMs(), c.upperThresholdMs());
    }
    if (config instanceof PolicyConfig.StatusCode c) {
      return new StatusCodePolicy(c.statusCodes());
    }
    if (config instanceof PolicyConfig.Probabilistic c) {
      return new ProbabilisticPolicy(c.samplingPercentage(), c.hashSalt());
    }
    if (config instanceof PolicyConfig.RateLimiting c) {
      return new RateLimitingPolicy(c.spansPerSecond(), nanoClock);
    }
    if (config instanceof PolicyConfig.BytesLimiting c) {
      return new BytesLimitingPolicy(c.bytesPerSecond(), c.burstCapacity(), nanoClock);
    }
    if (config instanceof PolicyConfig.StringAttribute c) {
      return new StringAttributePolicy(c.key(), c.values(), c.enabledRegexMatching(), c.cacheMaxSize(), c.invertMatch());
    }
    if (config instanceof PolicyConfig.NumericAttribute c) {
      return new NumericAttributePolicy(c.key(), c.minValue(), c.maxValue(), c.invertMatch());
    }
    if (config instanceof PolicyConfig.BooleanAttribute c) {
      return new BooleanAttributePolicy(c.key(), c.value(), c.invertMatch());
    }
    if (config instanceof PolicyConfig.SpanCount c) {
      return trace -> {
        int n = trace.stats().spanCount();
        return n >= c.minSpans() && (c.maxSpans() == 0 || n <= c.maxSpans()) ? Decision.SAMPLED : Decision.NOT_SAMPLED;
      };
    }
    if (config instanceof PolicyConfig.TraceState c) {
      return new TraceStatePolicy(c.key(), c.values());
    }
    if (config instanceof PolicyConfig.TraceFlags) {
      return trace -> trace.stats().hasSampledFlag() ? Decision.SAMPLED : Decision.NOT_SAMPLED;
    }
    if (config instanceof PolicyConfig.And c) {
      return new AndPolicy(createAll(c.subPolicies(), nanoClock));
    }
    if (config instanceof PolicyConfig.Not c) {
      Policy sub = create(c.subPolicy(), nanoClock);
      return trace -> invert(sub.evaluate(trace));
    }
    if (config instanceof PolicyConfig.Drop c) {
      return new DropPolicy(createAll(c.subPolicies(), nanoClock));
    }
    return composite((PolicyConfig.Composite) config, nanoClock);
  }

  private static List<Policy> createAll(List<PolicyConfig> configs, LongSupplier nanoClock) {
    List<Policy> out = new ArrayList<>(configs.size());
    for (PolicyConfig c : configs) {
      out.add(create(c, nanoClock));
    }
    return out;
  }

  /** otelcol's {@code not}: swaps sampled and not sampled; inverted and other answers pass unchanged. */
  private static Decision invert(Decision d) {
    switch (d) {
      case SAMPLED:
        return Decision.NOT_SAMPLED;
      case NOT_SAMPLED:
        return Decision.SAMPLED;
      default:
        return d;
    }
  }

  private static Policy composite(PolicyConfig.Composite c, LongSupplier nanoClock) {
    Map<String, PolicyConfig> byName = new LinkedHashMap<>();
    for (PolicyConfig sub : c.subPolicies()) {
      byName.put(sub.name(), sub);
    }
    // Evaluation order: policy_order first, then the sub-policies it does not name, in config order.
    List<PolicyConfig> ordered = new ArrayList<>();
    for (String name : c.policyOrder()) {
      PolicyConfig sub = byName.remove(name);
      if (sub != null) {
        ordered.add(sub);
      }
    }
    ordered.addAll(byName.values());

    long max = c.maxTotalSpansPerSecond();
    Map<String, Long> allocation = new HashMap<>();
    long allocatedPercent = 0;
    for (PolicyConfig.RateAllocation a : c.rateAllocation()) {
      // percent 0 means an equal share, as otelcol does.
      long share = a.percent() > 0 ? max * a.percent() / 100 : max / Math.max(1, c.subPolicies().size());
      allocation.put(a.policy(), share);
      allocatedPercent += a.percent();
    }
    // otelcol gives sub-policies without an allocation nothing, which contradicts its README ("use
    // always_sample to fill the remaining capacity"); here they may use what the allocations leave.
    long remainder = c.rateAllocation().isEmpty() ? max : max * Math.max(0, 100 - allocatedPercent) / 100;
    List<CompositePolicy.Sub> subs = new ArrayList<>();
    for (PolicyConfig sub : ordered) {
      subs.add(new CompositePolicy.Sub(sub.name(), create(sub, nanoClock), allocation.getOrDefault(sub.name(), remainder)));
    }
    return new CompositePolicy(subs, max, nanoClock);
  }
}
