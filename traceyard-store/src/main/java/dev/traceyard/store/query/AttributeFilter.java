package dev.traceyard.store.query;

import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One attribute condition of a trace search, written {@code <scope>.<key><op><value>}:
 * {@code span.http.route=/cart}, {@code resource.k8s.namespace.name!=test}, {@code span.http.response.status_code>=500},
 * {@code span.db.statement=~SELECT.*}. A span matches when it has the attribute and the condition holds.
 */
public record AttributeFilter(Scope scope, String key, Op op, String value) {

  /** Where the attribute must be: on the span, on its resource, or on either (Jaeger's tags). */
  public enum Scope { SPAN, RESOURCE, ANY }

  public enum Op {
    EQ("="), NE("!="), GT(">"), GE(">="), LT("<"), LE("<="), MATCH("=~"), NOT_MATCH("!~");

    private final String symbol;

    Op(String symbol) {
      this.symbol = symbol;
    }

    public String symbol() {
      return symbol;
    }

    boolean numeric() {
      return this == GT || this == GE || this == LT || this == LE;
    }
  }

  public AttributeFilter {
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(op, "op");
    Objects.requireNonNull(value, "value");
    if (key.isEmpty()) {
      throw new BadQueryException("attribute filter: the key must not be empty");
    }
    if (op.numeric() && number(value) == null) {
      throw new BadQueryException("attribute filter " + key + op.symbol + value + ": '" + op.symbol
          + "' needs a number, got '" + value + "'");
    }
    if (op == Op.MATCH || op == Op.NOT_MATCH) {
      try {
        Pattern.compile(value);
      } catch (PatternSyntaxException e) {
        throw new BadQueryException("attribute filter " + key + op.symbol + value + ": invalid regular expression: "
            + e.getDescription());
      }
    }
  }

  /**
   * Parses {@code span.<key><op><value>} or {@code resource.<key><op><value>}; the operator is the
   * first of {@code != =~ !~ >= <= = > <} in the text, so keys cannot contain those characters.
   */
  public static AttributeFilter parse(String text) {
    int i = 0;
    Op op = null;
    for (; i < text.length(); i++) {
      char c = text.charAt(i);
      char next = i + 1 < text.length() ? text.charAt(i + 1) : 0;
      if (c == '!' && next == '=') {
        op = Op.NE;
      } else if (c == '!' && next == '~') {
        op = Op.NOT_MATCH;
      } else if (c == '=' && next == '~') {
        op = Op.MATCH;
      } else if (c == '>' && next == '=') {
        op = Op.GE;
      } else if (c == '<' && next == '=') {
        op = Op.LE;
      } else if (c == '=') {
        op = Op.EQ;
      } else if (c == '>') {
        op = Op.GT;
      } else if (c == '<') {
        op = Op.LT;
      }
      if (op != null) {
        break;
      }
    }
    if (op == null) {
      throw new BadQueryException("attribute filter '" + text + "': no operator (use one of = != > >= < <= =~ !~,"
          + " e.g. span.http.route=/cart)");
    }
    String scoped = text.substring(0, i).trim();
    String value = text.substring(i + op.symbol.length());
    Scope scope;
    String key;
    if (scoped.startsWith("span.")) {
      scope = Scope.SPAN;
      key = scoped.substring("span.".length());
    } else if (scoped.startsWith("resource.")) {
      scope = Scope.RESOURCE;
      key = scoped.substring("resource.".length());
    } else {
      throw new BadQueryException("attribute filter '" + text + "': the key must start with 'span.' or 'resource.'"
          + " (e.g. span.http.route=/cart or resource.service.version=1.2)");
    }
    return new AttributeFilter(scope, key, op, value);
  }

  /** The value as a number, or null. */
  static Double number(String v) {
    try {
      double d = Double.parseDouble(v.trim());
      return Double.isNaN(d) ? null : d;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  @Override
  public String toString() {
    return (scope == Scope.SPAN ? "span." : scope == Scope.RESOURCE ? "resource." : "") + key + op.symbol + value;
  }
}
