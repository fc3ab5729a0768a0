package dev.traceyard.store.query;

import java.util.Locale;

/** OTLP span kind and status code numbers and their lower-case names used by the APIs. */
public final class SpanKinds {
  private static final String[] KINDS = {"unspecified", "internal", "server", "client", "producer", "consumer"};
  private static final String[] STATUSES = {"unset", "ok", "error"};

  private SpanKinds() {}

  /** The OTLP number of a kind name (case-insensitive, with or without {@code SPAN_KIND_}). */
  public static int parseKind(String name) {
    String n = name.trim().toLowerCase(Locale.ROOT);
    if (n.startsWith("span_kind_")) {
      n = n.substring("span_kind_".length());
    }
    for (int i = 0; i < KINDS.length; i++) {
      if (KINDS[i].equals(n)) {
        return i;
      }
    }
    throw new BadQueryException("unknown span kind '" + name + "' (expected one of: " + String.join(", ", KINDS) + ")");
  }

  public static String kindName(int kind) {
    return kind >= 0 && kind < KINDS.length ? KINDS[kind] : Integer.toString(kind);
  }

  public static int parseStatus(String name) {
    String n = name.trim().toLowerCase(Locale.ROOT);
    if (n.startsWith("status_code_")) {
      n = n.substring("status_code_".length());
    }
    for (int i = 0; i < STATUSES.length; i++) {
      if (STATUSES[i].equals(n)) {
        return i;
      }
    }
    throw new BadQueryException("unknown status '" + name + "' (expected one of: " + String.join(", ", STATUSES) + ")");
  }

  public static String statusName(int code) {
    return code >= 0 && code < STATUSES.length ? STATUSES[code] : Integer.toString(code);
  }
}
