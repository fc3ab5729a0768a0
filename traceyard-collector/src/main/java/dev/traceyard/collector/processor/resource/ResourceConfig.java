package dev.traceyard.collector.processor.resource;

import dev.traceyard.collector.processor.attributes.AttributeActions;
import java.util.Objects;

/** Settings of the {@code resource} processor, as in otelcol: the {@code attributes} actions (required). */
public record ResourceConfig(AttributeActions attributes) {
  public ResourceConfig {
    Objects.requireNonNull(attributes, "attributes");
  }
}
