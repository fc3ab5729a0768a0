package dev.traceyard.collector.component;

import java.util.Locale;
import java.util.Optional;

/** The three OTLP signals a pipeline can carry. */
public enum Signal {
  TRACES("traces", "spans"),
  METRICS("metrics", "metric_points"),
  LOGS("logs", "log_records");

  private final String configName;
  private final String itemName;

  Signal(String configName, String itemName) {
    this.configName = configName;
    this.itemName = itemName;
  }

  /** Name used in {@code service.pipelines} keys and in HTTP paths ({@code /v1/traces}). */
  public String configName() {
    return configName;
  }

  /** Plural item noun used in self-telemetry metric names, as otelcol does ({@code accepted_spans}). */
  public String itemName() {
    return itemName;
  }

  public static Optional<Signal> fromConfigName(String name) {
    for (Signal s : values()) {
      if (s.configName.equals(name.toLowerCase(Locale.ROOT))) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }
}
