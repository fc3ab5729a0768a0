package dev.traceyard.store.query;

import java.util.ArrayList;
import java.util.List;

/** A SQL text with its positional parameters, built piece by piece. Partition aliases are ours, never user input. */
final class Sql {
  private final StringBuilder text = new StringBuilder();
  private final List<Object> params = new ArrayList<>();

  Sql add(String sql) {
    text.append(sql);
    return this;
  }

  /** Appends {@code sql}, whose {@code ?} take {@code values}. */
  Sql add(String sql, Object... values) {
    text.append(sql);
    for (Object v : values) {
      params.add(v);
    }
    return this;
  }

  String text() {
    return text.toString();
  }

  List<Object> params() {
    return params;
  }

  int length() {
    return text.length();
  }

  @Override
  public String toString() {
    return text + " " + params;
  }
}
