package dev.traceyard.collector.component;

import java.util.Objects;
import java.util.regex.Pattern;

/** A component address {@code type[/name]}, as in the OpenTelemetry Collector. */
public final class ComponentId {
  private static final Pattern TYPE = Pattern.compile("[a-zA-Z][a-zA-Z0-9_]{0,62}");

  private final String type;
  private final String name;

  private ComponentId(String type, String name) {
    this.type = type;
    this.name = name;
  }

  public static ComponentId of(String type) {
    return new ComponentId(type, "");
  }

  /**
   * Parses {@code type} or {@code type/name}.
   *
   * @throws IllegalArgumentException with a message fit for a config error
   */
  public static ComponentId parse(String text) {
    Objects.requireNonNull(text, "text");
    String trimmed = text.trim();
    int slash = trimmed.indexOf('/');
    String type = slash < 0 ? trimmed : trimmed.substring(0, slash);
    String name = slash < 0 ? "" : trimmed.substring(slash + 1);
    if (!TYPE.matcher(type).matches()) {
      throw new IllegalArgumentException(
          "invalid component id '" + text + "': the type must start with a letter and contain only letters, digits and '_'");
    }
    if (slash >= 0 && (name.isEmpty() || name.contains("/") || name.chars().anyMatch(Character::isWhitespace))) {
      throw new IllegalArgumentException(
          "invalid component id '" + text + "': the name after '/' must be non-empty, without '/' or spaces");
    }
    return new ComponentId(type, name);
  }

  public String type() {
    return type;
  }

  public String name() {
    return name;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ComponentId && ((ComponentId) o).type.equals(type) && ((ComponentId) o).name.equals(name);
  }

  @Override
  public int hashCode() {
    return type.hashCode() * 31 + name.hashCode();
  }

  @Override
  public String toString() {
    return name.isEmpty() ? type : type + "/" + name;
  }
}
