package dev.traceyard.collector.processor.tailsampling.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The processor's top-level policies and otelcol's rule for combining their answers:
 * <ol>
 *   <li>any {@link Decision#DROPPED} (a {@code drop} policy matched): not sampled, and the remaining
 *       policies are not evaluated;</li>
 *   <li>else any {@link Decision#INVERTED_NOT_SAMPLED}: not sampled;</li>
 *   <li>else any {@link Decision#SAMPLED}: sampled, by the first policy that said so;</li>
 *   <li>else any {@link Decision#INVERTED_SAMPLED} and no {@link Decision#NOT_SAMPLED}: sampled;</li>
 *   <li>else not sampled.</li>
 * </ol>
 * Thread-safe: evaluations are serialized, since policies keep state (rate limits, regex caches).
 */
public final class PolicySet {
  /** Told every top-level policy's answer, for metrics. */
  @FunctionalInterface
  public interface Listener {
    void onDecision(int policyIndex, Decision decision);
  }

  /** The outcome for one trace; {@code policy} names the policy that sampled it (null when not sampled). */
  public record Verdict(boolean sampled, String policy) {
    static final Verdict NOT_SAMPLED = new Verdict(false, null);
  }

  private final List<String> names;
  private final Policy[] policies;
  private final boolean sampleOnFirstMatch;

  private PolicySet(List<String> names, Policy[] policies, boolean sampleOnFirstMatch) {
    this.names = List.copyOf(names);
    this.policies = policies;
    this.sampleOnFirstMatch = sampleOnFirstMatch;
  }

  /**
   * @param sampleOnFirstMatch otelcol's {@code sample_on_first_match}: stop at the first policy that
   *     samples (drop policies listed after it are then not consulted)
   */
  public static PolicySet create(List<PolicyConfig> configs, LongSupplier nanoClock, boolean sampleOnFirstMatch) {
    List<String> names = new ArrayList<>();
    Policy[] policies = new Policy[configs.size()];
    for (int i = 0; i < configs.size(); i++) {
      names.add(configs.get(i).name());
      policies[i] = Policies.create(configs.get(i), nanoClock);
    }
    return new PolicySet(names, policies, sampleOnFirstMatch);
  }

  /** For tests: policies built in code. */
  public static PolicySet of(List<String> names, List<Policy> policies, boolean sampleOnFirstMatch) {
    if (names.size() != policies.size()) {
      throw new IllegalArgumentException("one name per policy");
    }
    return new PolicySet(names, policies.toArray(new Policy[0]), sampleOnFirstMatch);
  }

  /** The top-level policy names, in evaluation order; {@link Listener} indexes refer to them. */
  public List<String> names() {
    return names;
  }

  public synchronized Verdict evaluate(TraceData trace, Listener listener) {
    Objects.requireNonNull(listener, "listener");
    int sampledBy = -1;
    int invertedSampledBy = -1;
    boolean invertedNotSampled = false;
    boolean notSampled = false;
    for (int i = 0; i < policies.length; i++) {
      Decision d;
      try {
        d = policies[i].evaluate(trace);
      } catch (RuntimeException e) {
        d = Decision.ERROR;
      }
      listener.onDecision(i, d);
      switch (d) {
        case DROPPED:
          return Verdict.NOT_SAMPLED;
        case INVERTED_NOT_SAMPLED:
          invertedNotSampled = true;
          break;
        case SAMPLED:
          if (sampledBy < 0) {
            sampledBy = i;
          }
          break;
        case INVERTED_SAMPLED:
          if (invertedSampledBy < 0) {
            invertedSampledBy = i;
          }
          break;
        case NOT_SAMPLED:
          notSampled = true;
          break;
        default:
          break;
      }
      if (sampleOnFirstMatch && d == Decision.SAMPLED) {
        break;
      }
    }
    if (invertedNotSampled) {
      return Verdict.NOT_SAMPLED;
    }
    if (sampledBy >= 0) {
      return new Verdict(true, names.get(sampledBy));
    }
    if (invertedSampledBy >= 0 && !notSampled) {
      return new Verdict(true, names.get(invertedSampledBy));
    }
    return Verdict.NOT_SAMPLED;
  }
}
