package dev.traceyard.collector.exporter.exporterhelper;

import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.config.Durations;
import java.time.Duration;
import java.util.Objects;

/**
 * {@code retry_on_failure}: jittered exponential backoff for retryable failures.
 *
 * @param maxElapsedTime how long one batch may be retried; zero retries forever
 */
public record RetryConfig(boolean enabled, Duration initialInterval, double randomizationFactor, double multiplier,
    Duration maxInterval, Duration maxElapsedTime) {

  static final Duration DEFAULT_INITIAL_INTERVAL = Duration.ofSeconds(5);
  static final double DEFAULT_RANDOMIZATION_FACTOR = 0.5;
  static final double DEFAULT_MULTIPLIER = 1.5;
  static final Duration DEFAULT_MAX_INTERVAL = Duration.ofSeconds(30);
  static final Duration DEFAULT_MAX_ELAPSED_TIME = Duration.ofMinutes(5);

  public RetryConfig {
    Objects.requireNonNull(initialInterval, "initialInterval");
    Objects.requireNonNull(maxInterval, "maxInterval");
    Objects.requireNonNull(maxElapsedTime, "maxElapsedTime");
  }

  public static RetryConfig defaults() {
    return new RetryConfig(true, DEFAULT_INITIAL_INTERVAL, DEFAULT_RANDOMIZATION_FACTOR, DEFAULT_MULTIPLIER,
        DEFAULT_MAX_INTERVAL, DEFAULT_MAX_ELAPSED_TIME);
  }

  public static RetryConfig disabled() {
    return new RetryConfig(false, DEFAULT_INITIAL_INTERVAL, DEFAULT_RANDOMIZATION_FACTOR, DEFAULT_MULTIPLIER,
        DEFAULT_MAX_INTERVAL, DEFAULT_MAX_ELAPSED_TIME);
  }

  /** Reads a {@code retry_on_failure} mapping; errors are recorded in the node. */
  public static RetryConfig parse(ConfigNode node) {
    boolean enabled = node.bool("enabled", true);
    Duration initial = node.duration("initial_interval", DEFAULT_INITIAL_INTERVAL);
    double randomization = node.doubleValue("randomization_factor", DEFAULT_RANDOMIZATION_FACTOR);
    double multiplier = node.doubleValue("multiplier", DEFAULT_MULTIPLIER);
    Duration maxInterval = node.duration("max_interval", DEFAULT_MAX_INTERVAL);
    Duration maxElapsed = node.duration("max_elapsed_time", DEFAULT_MAX_ELAPSED_TIME);
    if (enabled) {
      // As in otelcol, the values only have to make sense when retries are on.
      if (initial.isNegative()) {
        node.error("initial_interval", "must not be negative, got " + Durations.format(initial));
        initial = DEFAULT_INITIAL_INTERVAL;
      }
      if (!(randomization >= 0 && randomization <= 1)) {
        node.error("randomization_factor", "must be between 0 and 1, got " + randomization);
        randomization = DEFAULT_RANDOMIZATION_FACTOR;
      }
      if (!(multiplier > 0) || Double.isInfinite(multiplier)) {
        node.error("multiplier", "must be positive, got " + multiplier);
        multiplier = DEFAULT_MULTIPLIER;
      }
      if (maxInterval.isNegative()) {
        node.error("max_interval", "must not be negative, got " + Durations.format(maxInterval));
        maxInterval = DEFAULT_MAX_INTERVAL;
      }
      if (maxElapsed.isNegative()) {
        node.error("max_elapsed_time", "must not be negative, got " + Durations.format(maxElapsed));
        maxElapsed = DEFAULT_MAX_ELAPSED_TIME;
      }
    }
    return new RetryConfig(enabled, initial, randomization, multiplier, maxInterval, maxElapsed);
  }
}
