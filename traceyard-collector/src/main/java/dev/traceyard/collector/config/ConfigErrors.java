package dev.traceyard.collector.config;

import java.util.ArrayList;
import java.util.List;

/** Collects config errors so that {@code validate} can report all of them at once. */
public final class ConfigErrors {
  private final List<String> errors = new ArrayList<>();

  /** Records {@code path: message}; an empty path records the message alone. */
  public void add(String path, String message) {
    errors.add(path == null || path.isEmpty() ? message : path + ": " + message);
  }

  public boolean isEmpty() {
    return errors.isEmpty();
  }

  public List<String> list() {
    return List.copyOf(errors);
  }

  /** Throws when any error was recorded. */
  public void throwIfAny() throws ConfigException {
    if (!errors.isEmpty()) {
      throw new ConfigException(errors);
    }
  }
}
