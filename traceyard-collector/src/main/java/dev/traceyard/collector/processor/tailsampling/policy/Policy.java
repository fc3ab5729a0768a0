package dev.traceyard.collector.processor.tailsampling.policy;

/**
 * One sampling rule. Policies may keep state (rate limits, caches) and are not thread-safe: the
 * {@link PolicySet} that owns them evaluates one trace at a time. Implementations should not throw;
 * if one does anyway, the set records {@link Decision#ERROR} for it.
 */
public interface Policy {
  Decision evaluate(TraceData trace);
}
