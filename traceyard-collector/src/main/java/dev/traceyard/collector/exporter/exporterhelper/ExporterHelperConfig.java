package dev.traceyard.collector.exporter.exporterhelper;

import dev.traceyard.collector.config.ConfigNode;
import java.time.Duration;
import java.util.Objects;

/**
 * The settings every queued exporter shares: {@code timeout}, {@code sending_queue},
 * {@code retry_on_failure}, with otelcol's keys and defaults.
 *
 * @param timeout how long one send attempt may take; zero means no limit. Enforced by the
 *     {@link Sender}, which builds its client with it.
 */
public record ExporterHelperConfig(Duration timeout, QueueConfig queue, RetryConfig retry) {
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

  public ExporterHelperConfig {
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(queue, "queue");
    Objects.requireNonNull(retry, "retry");
  }

  public static ExporterHelperConfig defaults() {
    return new ExporterHelperConfig(DEFAULT_TIMEOUT, QueueConfig.defaults(), RetryConfig.defaults());
  }

  /**
   * No queue and no retries: {@code consume} sends on the caller's thread and returns the outcome
   * of the single attempt. For exporters whose destination is local (file, log).
   */
  public static ExporterHelperConfig synchronous() {
    return new ExporterHelperConfig(Duration.ZERO, QueueConfig.disabled(), RetryConfig.disabled());
  }

  /**
   * Reads {@code timeout}, {@code sending_queue} and {@code retry_on_failure} from an exporter's
   * config node, recording errors in it. The exporter's parser reads its other keys itself.
   */
  public static ExporterHelperConfig parse(ConfigNode node) {
    return parse(node, DEFAULT_TIMEOUT);
  }

  /** As {@link #parse(ConfigNode)}, for exporters whose {@code timeout} defaults differently (otlphttp: 30s). */
  public static ExporterHelperConfig parse(ConfigNode node, Duration defaultTimeout) {
    Duration timeout = node.nonNegativeDuration("timeout", defaultTimeout);
    QueueConfig queue = QueueConfig.parse(node.child("sending_queue"));
    RetryConfig retry = RetryConfig.parse(node.child("retry_on_failure"));
    return new ExporterHelperConfig(timeout, queue, retry);
  }

  public ExporterHelperConfig withQueue(QueueConfig q) {
    return new ExporterHelperConfig(timeout, q, retry);
  }

  public ExporterHelperConfig withRetry(RetryConfig r) {
    return new ExporterHelperConfig(timeout, queue, r);
  }
}
