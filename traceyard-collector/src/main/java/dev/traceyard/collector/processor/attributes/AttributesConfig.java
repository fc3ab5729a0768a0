package dev.traceyard.collector.processor.attributes;

import dev.traceyard.collector.processor.internal.matching.IncludeExclude;
import java.util.Objects;

/**
 * Settings of the {@code attributes} processor, as in otelcol: {@code actions} (required) and the
 * optional {@code include} / {@code exclude} selection of the spans, log records or metrics they apply to.
 */
public record AttributesConfig(AttributeActions actions, IncludeExclude match) {
  public AttributesConfig {
    Objects.requireNonNull(actions, "actions");
    Objects.requireNonNull(match, "match");
  }
}
