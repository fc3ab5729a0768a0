package dev.traceyard.store.http;

import com.linecorp.armeria.common.QueryParams;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.traceyard.collector.config.Durations;
import dev.traceyard.store.query.BadQueryException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Query-string parameters with typed accessors whose errors are 400s that name the parameter. Empty means absent. */
final class Params {
  private final QueryParams params;

  private Params(QueryParams params) {
    this.params = params;
  }

  /** Any parameter is accepted (Jaeger's UI sends some that do not matter here). */
  static Params lenient(ServiceRequestContext ctx) {
    return new Params(ctx.queryParams());
  }

  /** Unknown parameter names are errors, so typos do not silently widen a search. */
  static Params strict(ServiceRequestContext ctx, String... known) {
    QueryParams qp = ctx.queryParams();
    Set<String> allowed = new TreeSet<>(Arrays.asList(known));
    for (String name : qp.names()) {
      if (!allowed.contains(name)) {
        throw new BadQueryException("unknown parameter '" + name + "'"
            + (allowed.isEmpty() ? " (this endpoint takes none)" : " (known: " + String.join(", ", allowed) + ")"));
      }
    }
    return new Params(qp);
  }

  String string(String name) {
    String v = params.get(name);
    return v == null || v.isEmpty() ? null : v;
  }

  List<String> all(String name) {
    return params.getAll(name).stream().filter(v -> !v.isEmpty()).toList();
  }

  int integer(String name, int defaultValue, int min, int max) {
    String v = string(name);
    if (v == null) {
      return defaultValue;
    }
    try {
      int n = Integer.parseInt(v.trim());
      if (n < min || n > max) {
        throw new BadQueryException("parameter '" + name + "' must be between " + min + " and " + max + ", got " + n);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new BadQueryException("parameter '" + name + "' must be an integer, got '" + v + "'");
    }
  }

  long longValue(String name, long defaultValue) {
    String v = string(name);
    if (v == null) {
      return defaultValue;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new BadQueryException("parameter '" + name + "' must be an integer, got '" + v + "'");
    }
  }

  /** A Go-style duration ({@code 250ms}, {@code 1h30m}), in nanoseconds; null when absent. */
  Long duration(String name) {
    String v = string(name);
    if (v == null) {
      return null;
    }
    try {
      long n = Durations.parse(v).toNanos();
      if (n < 0) {
        throw new BadQueryException("parameter '" + name + "' must not be negative, got '" + v + "'");
      }
      return n;
    } catch (IllegalArgumentException e) {
      throw new BadQueryException("parameter '" + name + "': " + e.getMessage());
    }
  }

  /** An RFC 3339 timestamp ({@code 2026-11-24T10:00:00Z}) or unix milliseconds, in unix nanoseconds; null when absent. */
  Long time(String name) {
    String v = string(name);
    if (v == null) {
      return null;
    }
    String t = v.trim();
    if (t.chars().allMatch(Character::isDigit) && !t.isEmpty()) {
      try {
        return Math.multiplyExact(Long.parseLong(t), 1_000_000L);
      } catch (ArithmeticException | NumberFormatException e) {
        throw new BadQueryException("parameter '" + name + "': timestamp out of range: '" + v + "'");
      }
    }
    try {
      Instant i = Instant.parse(t);
      return Math.addExact(Math.multiplyExact(i.getEpochSecond(), 1_000_000_000L), i.getNano());
    } catch (DateTimeParseException | ArithmeticException e) {
      throw new BadQueryException("parameter '" + name + "' must be an RFC 3339 timestamp (2026-11-24T10:00:00Z)"
          + " or unix milliseconds, got '" + v + "'");
    }
  }
}
