package dev.traceyard.sdk.internal;

import dev.traceyard.sdk.RateLimitingSampler;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;
import io.opentelemetry.sdk.autoconfigure.spi.traces.ConfigurableSamplerProvider;
import io.opentelemetry.sdk.trace.samplers.Sampler;

/**
 * {@code OTEL_TRACES_SAMPLER=traceyard_ratelimiting}, {@code OTEL_TRACES_SAMPLER_ARG} = spans per
 * second. Not part of the API: found by the SDK's autoconfigure through {@code META-INF/services}.
 */
public final class RateLimitingSamplerProvider implements ConfigurableSamplerProvider {

  static final String ARG = "otel.traces.sampler.arg";
  static final double DEFAULT_SPANS_PER_SECOND = 100;

  @Override
  public Sampler createSampler(ConfigProperties config) {
    return RateLimitingSampler.create(spansPerSecond(config));
  }

  @Override
  public String getName() {
    return "traceyard_ratelimiting";
  }

  static double spansPerSecond(ConfigProperties config) {
    String raw = config.getString(ARG);
    if (raw == null || raw.isBlank()) {
      return DEFAULT_SPANS_PER_SECOND;
    }
    double value;
    try {
      value = Double.parseDouble(raw.trim());
    } catch (NumberFormatException e) {
      throw new ConfigurationException(
          ARG + " (OTEL_TRACES_SAMPLER_ARG): expected spans per second as a number, got '" + raw + "'", e);
    }
    if (!(value > 0) || Double.isInfinite(value)) {
      throw new ConfigurationException(
          ARG + " (OTEL_TRACES_SAMPLER_ARG): spans per second must be positive and finite, got '" + raw + "'");
    }
    return value;
  }
}
