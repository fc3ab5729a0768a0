package dev.traceyard.collector.config;

import java.util.List;

/** A configuration that cannot run; carries every error found, each naming its config path. */
public final class ConfigException extends Exception {
  private static final long serialVersionUID = 1L;

  private final List<String> errors;

  public ConfigException(List<String> errors) {
    super(String.join("\n", errors));
    this.errors = List.copyOf(errors);
  }

  public ConfigException(String error) {
    this(List.of(error));
  }

  /** Every error, each formatted {@code path: message}. */
  public List<String> errors() {
    return errors;
  }
}
