package dev.traceyard.collector.processor.tracequality;

/**
 * Recognises attribute values that look like identifiers, whose keys grow without bound: UUIDs, long
 * numbers, long hex strings, e-mail addresses and URLs or paths carrying such an id in a segment.
 */
final class ValuePatterns {
  private ValuePatterns() {}

  static boolean looksLikeId(String v) {
    if (v.length() < 4 || v.length() > 2048) {
      return false;
    }
    if (isUuid(v, 0) || isIdToken(v)) {
      return true;
    }
    int at = v.indexOf('@');
    if (at > 0 && v.indexOf('.', at) > at + 1 && v.indexOf(' ') < 0) {
      return true;
    }
    if (v.startsWith("http://") || v.startsWith("https://") || v.charAt(0) == '/') {
      int start = v.charAt(0) == '/' ? 0 : v.indexOf('/', v.indexOf("//") + 2);
      while (start >= 0 && start < v.length()) {
        int end = v.indexOf('/', start + 1);
        int q = v.indexOf('?', start + 1);
        if (q >= 0 && (end < 0 || q < end)) {
          end = q;
        }
        String segment = v.substring(start + 1, end < 0 ? v.length() : end);
        if (isIdToken(segment) || isUuid(segment, 0)) {
          return true;
        }
        if (end < 0 || end == q) {
          break;
        }
        start = end;
      }
    }
    return false;
  }

  /** Three or more digits, or 16 or more hex digits. */
  private static boolean isIdToken(String s) {
    if (s.length() < 3) {
      return false;
    }
    boolean digits = true;
    boolean hex = true;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean d = c >= '0' && c <= '9';
      digits &= d;
      hex &= d || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
    return digits || (hex && s.length() >= 16);
  }

  private static boolean isUuid(String s, int from) {
    if (s.length() - from != 36) {
      return false;
    }
    for (int i = 0; i < 36; i++) {
      char c = s.charAt(from + i);
      if (i == 8 || i == 13 || i == 18 || i == 23) {
        if (c != '-') {
          return false;
        }
      } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
        return false;
      }
    }
    return true;
  }
}
