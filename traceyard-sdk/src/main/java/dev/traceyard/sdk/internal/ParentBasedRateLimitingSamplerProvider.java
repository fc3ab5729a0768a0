package dev.traceyard.sdk.internal;

import dev.traceyard.sdk.RateLimitingSampler;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.traces.ConfigurableSamplerProvider;
import io.opentelemetry.sdk.trace.samplers.Sampler;

/**
 * {@code OTEL_TRACES_SAMPLER=parentbased_traceyard_ratelimiting}: the rate limiter decides for root
 * spans, every other span follows its parent.
 */
public final class ParentBasedRateLimitingSamplerProvider implements ConfigurableSamplerProvider {

  @Override
  public Sampler createSampler(ConfigProperties config) {
    return RateLimitingSampler.parentBased(RateLimitingSamplerProvider.spansPerSecond(config));
  }

  @Override
  public String getName() {
    return "parentbased_traceyard_ratelimiting";
  }
}
