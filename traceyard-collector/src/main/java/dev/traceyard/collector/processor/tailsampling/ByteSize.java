package dev.traceyard.collector.processor.tailsampling;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Byte counts in config: a bare integer, or a number with a unit ({@code 64KiB}, {@code 256MiB}, {@code 1GB}). */
final class ByteSize {
  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmg]i?b|b)?", Pattern.CASE_INSENSITIVE);

  private ByteSize() {}

  /** @throws IllegalArgumentException with a message fit for a config error */
  static long parse(JsonNode v) {
    if (v.isIntegralNumber() && v.canConvertToLong()) {
      return v.longValue();
    }
    Matcher m = v.isTextual() ? SIZE.matcher(v.asText().trim()) : null;
    if (m == null || !m.matches()) {
      throw new IllegalArgumentException("expected a byte count such as 268435456 or 256MiB, got '" + v.asText() + "'");
    }
    long n;
    try {
      n = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("byte count '" + v.asText() + "' is too large");
    }
    String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
    long factor;
    switch (unit) {
      case "kb":
        factor = 1000L;
        break;
      case "kib":
        factor = 1L << 10;
        break;
      case "mb":
        factor = 1000_000L;
        break;
      case "mib":
        factor = 1L << 20;
        break;
      case "gb":
        factor = 1000_000_000L;
        break;
      case "gib":
        factor = 1L << 30;
        break;
      default:
        factor = 1;
    }
    if (n > Long.MAX_VALUE / factor) {
      throw new IllegalArgumentException("byte count '" + v.asText() + "' is too large");
    }
    return n * factor;
  }
}
