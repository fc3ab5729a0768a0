package dev.traceyard.collector.connector.spanmetrics;

import java.util.Objects;

/**
 * An extra metric attribute read from the span's attributes, then its resource's.
 *
 * @param name the attribute key, also the metric attribute's key
 * @param defaultValue used when neither has the attribute; null omits the attribute instead
 */
public record Dimension(String name, String defaultValue) {
  public Dimension {
    Objects.requireNonNull(name, "name");
  }
}
