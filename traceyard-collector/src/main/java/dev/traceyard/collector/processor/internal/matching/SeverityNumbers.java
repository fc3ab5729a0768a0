package dev.traceyard.collector.processor.internal.matching;

import java.util.Locale;

/** Log severity names (INFO, WARN2, SEVERITY_NUMBER_ERROR) and their OTLP numbers. */
public final class SeverityNumbers {
  private static final String[] BASE = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"};

  private SeverityNumbers() {}

  /** The number of a name such as {@code INFO}, {@code warn3} or {@code SEVERITY_NUMBER_ERROR}; null when unknown. */
  public static Integer parse(String name) {
    String s = name.trim().toUpperCase(Locale.ROOT);
    if (s.startsWith("SEVERITY_NUMBER_")) {
      s = s.substring("SEVERITY_NUMBER_".length());
    }
    if (s.equals("UNSPECIFIED")) {
      return 0;
    }
    for (int i = 0; i < BASE.length; i++) {
      if (s.startsWith(BASE[i])) {
        String rest = s.substring(BASE[i].length());
        if (rest.isEmpty()) {
          return i * 4 + 1;
        }
        if (rest.length() == 1 && rest.charAt(0) >= '2' && rest.charAt(0) <= '4') {
          return i * 4 + (rest.charAt(0) - '0');
        }
      }
    }
    return null;
  }
}
