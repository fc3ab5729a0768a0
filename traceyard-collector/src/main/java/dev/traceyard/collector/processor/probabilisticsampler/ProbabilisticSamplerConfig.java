package dev.traceyard.collector.processor.probabilisticsampler;

/**
 * Settings of the {@code probabilistic_sampler} processor, as in otelcol (hash_seed mode).
 *
 * @param samplingPercentage share of items kept, 0-100 (more than 100 keeps everything)
 * @param hashSeed FNV seed; collectors of one tier must share it to decide alike
 * @param failClosed drop items whose randomness cannot be determined (zero trace id, missing attribute)
 * @param samplingPrecision accepted for compatibility (1-14); the hash_seed mode writes no threshold
 * @param attributeSourceRecord logs: hash {@code fromAttribute} instead of the trace id
 * @param fromAttribute logs: record attribute hashed when the trace id is absent or not used
 * @param samplingPriority logs: record attribute whose value overrides the percentage (0 drops)
 */
public record ProbabilisticSamplerConfig(float samplingPercentage, int hashSeed, boolean failClosed,
    int samplingPrecision, boolean attributeSourceRecord, String fromAttribute, String samplingPriority) {}
