package dev.traceyard.collector.processor.internal.matching;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Regular expressions written for otelcol (Go's RE2 syntax) compiled with java.util.regex. The one
 * common difference is named groups: Go writes {@code (?P<name>...)} and allows '_' in names, Java
 * writes {@code (?<name>...)} and allows only letters and digits; both forms are accepted and each
 * group is renamed internally, its config name kept in {@link Compiled#groupNames()}.
 */
public final class Regexes {
  private Regexes() {}

  /** A compiled pattern and the names of its named groups, in order ({@code g0}, {@code g1}... inside). */
  public record Compiled(Pattern pattern, List<String> groupNames) {
    /** The group name to use with {@link java.util.regex.Matcher#group(String)} for the i-th named group. */
    public static String internalName(int i) {
      return "g" + i;
    }
  }

  /** @throws PatternSyntaxException with a message fit for a config error */
  public static Compiled compile(String regex) {
    List<String> names = new ArrayList<>();
    StringBuilder out = new StringBuilder(regex.length());
    boolean inClass = false;
    for (int i = 0; i < regex.length(); i++) {
      char c = regex.charAt(i);
      if (c == '\\' && i + 1 < regex.length()) {
        out.append(c).append(regex.charAt(++i));
        continue;
      }
      if (inClass) {
        if (c == ']') {
          inClass = false;
        }
        out.append(c);
        continue;
      }
      if (c == '[') {
        inClass = true;
        out.append(c);
        // A ']' right after '[' or '[^' is a literal, not the end of the class.
        if (i + 1 < regex.length() && regex.charAt(i + 1) == '^') {
          out.append('^');
          i++;
        }
        if (i + 1 < regex.length() && regex.charAt(i + 1) == ']') {
          out.append(']');
          i++;
        }
        continue;
      }
      if (c == '(' && regex.startsWith("(?", i)) {
        int nameStart = -1;
        if (regex.startsWith("(?P<", i)) {
          nameStart = i + 4;
        } else if (regex.startsWith("(?<", i) && i + 3 < regex.length()
            && regex.charAt(i + 3) != '=' && regex.charAt(i + 3) != '!') {
          nameStart = i + 3;
        }
        if (nameStart >= 0) {
          int end = regex.indexOf('>', nameStart);
          if (end < 0) {
            throw new PatternSyntaxException("unterminated group name", regex, i);
          }
          String name = regex.substring(nameStart, end);
          if (name.isEmpty() || !name.matches("[A-Za-z_][A-Za-z0-9_.\\-]*")) {
            throw new PatternSyntaxException("invalid group name '" + name + "'", regex, i);
          }
          if (names.contains(name)) {
            throw new PatternSyntaxException("duplicate group name '" + name + "'", regex, i);
          }
          out.append("(?<").append(Compiled.internalName(names.size())).append('>');
          names.add(name);
          i = end;
          continue;
        }
      }
      out.append(c);
    }
    return new Compiled(Pattern.compile(out.toString()), List.copyOf(names));
  }

  /** A one-line description of a syntax error, without Java's multi-line caret display. */
  public static String describe(PatternSyntaxException e) {
    return "invalid regular expression '" + e.getPattern() + "': " + e.getDescription()
        + (e.getIndex() >= 0 ? " near index " + e.getIndex() : "");
  }
}
