package dev.traceyard.collector.connector.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.config.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Config shapes both connectors read and {@link ConfigNode} has no accessor for. */
public final class ConfigReaders {
  private ConfigReaders() {}

  /**
   * A list of histogram bounds written as durations ({@code [2ms, 1s]}; a bare integer is nanoseconds,
   * as in Go), which must be positive and strictly increasing. Null when the key is absent or the list
   * is empty (the caller's default applies), or when it holds an error (recorded at its index).
   */
  public static List<Duration> increasingDurations(ConfigNode node, String key) {
    JsonNode v = node.raw(key);
    if (v == null) {
      return null;
    }
    if (!v.isArray()) {
      node.error(key, "expected a list of durations such as [2ms, 100ms, 1s]");
      return null;
    }
    List<Duration> out = new ArrayList<>();
    boolean ok = true;
    for (int i = 0; i < v.size(); i++) {
      JsonNode e = v.get(i);
      String path = node.pathOf(key) + "[" + i + "]";
      Duration d;
      if (e.isIntegralNumber()) {
        d = Duration.ofNanos(e.longValue());
      } else if (e.isTextual()) {
        try {
          d = Durations.parse(e.asText());
        } catch (IllegalArgumentException ex) {
          node.errors().add(path, ex.getMessage());
          ok = false;
          continue;
        }
      } else {
        node.errors().add(path, "expected a duration such as 100ms, got " + (e.isContainerNode() ? "a " + (e.isArray() ? "list" : "mapping") : "'" + e.asText() + "'"));
        ok = false;
        continue;
      }
      if (d.isNegative() || d.isZero()) {
        node.errors().add(path, "must be positive, got " + e.asText());
        ok = false;
      } else if (!out.isEmpty() && d.compareTo(out.get(out.size() - 1)) <= 0) {
        node.errors().add(path, "buckets must be strictly increasing: " + e.asText() + " does not exceed "
            + Durations.format(out.get(out.size() - 1)));
        ok = false;
      }
      out.add(d);
    }
    return ok && !out.isEmpty() ? List.copyOf(out) : null;
  }

  /**
   * Reports an otelcol key this build does not implement when it is set to anything but its
   * harmless default (false, empty list, empty mapping), so a copied config fails loudly instead of
   * silently meaning something else.
   */
  public static void rejectUnsupported(ConfigNode node, String key, String why) {
    JsonNode v = node.raw(key);
    if (v == null || (v.isBoolean() && !v.booleanValue()) || (v.isContainerNode() && v.isEmpty())
        || (v.isTextual() && v.asText().equals("false"))) {
      return;
    }
    node.error(key, "is not supported by this build (" + why + "); remove the key");
  }

  /** Converts durations to a unit: {@code unitNanos} 1e6 for milliseconds, 1e9 for seconds. */
  public static double[] toUnit(List<Duration> durations, double unitNanos) {
    double[] out = new double[durations.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = durations.get(i).toNanos() / unitNanos;
    }
    return out;
  }
}
