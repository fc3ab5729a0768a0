package dev.traceyard.collector.component;

import dev.traceyard.collector.config.ConfigNode;

/**
 * Makes the config of one component type. Parsing reads every key it knows from the node (so the
 * rest can be reported as unknown) and records every error in the node instead of throwing.
 *
 * @param <C> the component's config class: immutable, validated by the parser
 */
public interface Factory<C> {

  /** The type as written in config, e.g. {@code otlp}, {@code batch}. */
  String type();

  C parseConfig(ConfigNode node);
}
