package dev.traceyard.collector.component;

/** The roles a component can play; the names are the top-level config sections. */
public enum ComponentKind {
  RECEIVER("receivers", "receiver"),
  PROCESSOR("processors", "processor"),
  EXPORTER("exporters", "exporter"),
  EXTENSION("extensions", "extension"),
  /** Exporter of one pipeline and receiver of others, e.g. span metrics from traces into a metrics pipeline. */
  CONNECTOR("connectors", "connector");

  private final String section;
  private final String noun;

  ComponentKind(String section, String noun) {
    this.section = section;
    this.noun = noun;
  }

  public String section() {
    return section;
  }

  public String noun() {
    return noun;
  }
}
