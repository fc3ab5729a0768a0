package dev.traceyard.collector.component;

import dev.traceyard.collector.telemetry.SelfTelemetry;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What every component is created with. */
public final class ComponentSettings {
  private final ComponentId id;
  private final ComponentKind kind;
  private final SelfTelemetry telemetry;
  private final Logger logger;

  public ComponentSettings(ComponentId id, ComponentKind kind, SelfTelemetry telemetry) {
    this.id = Objects.requireNonNull(id, "id");
    this.kind = Objects.requireNonNull(kind, "kind");
    this.telemetry = Objects.requireNonNull(telemetry, "telemetry");
    this.logger = LoggerFactory.getLogger("traceyard." + kind.noun() + "." + id);
  }

  public ComponentId id() {
    return id;
  }

  public ComponentKind kind() {
    return kind;
  }

  public SelfTelemetry telemetry() {
    return telemetry;
  }

  /** A logger named {@code traceyard.<kind>.<id>}. */
  public Logger logger() {
    return logger;
  }
}
