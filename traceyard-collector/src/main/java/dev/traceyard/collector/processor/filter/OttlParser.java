package dev.traceyard.collector.processor.filter;

import com.google.protobuf.ByteString;
import dev.traceyard.collector.processor.filter.OttlLexer.Kind;
import dev.traceyard.collector.processor.filter.OttlLexer.Token;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * A recursive-descent parser for the subset of OTTL conditions the filter processor supports:
 *
 * <pre>
 * condition  := or
 * or         := and ("or" and)*
 * and        := not ("and" not)*
 * not        := "not" not | comparison
 * comparison := sum (("==" | "!=" | "&lt;" | "&lt;=" | "&gt;" | "&gt;=") sum)?
 * sum        := product (("+" | "-") product)*
 * product    := unary (("*" | "/") unary)*
 * unary      := "-" unary | primary
 * primary    := string | int | float | 0xBYTES | true | false | nil | ENUM
 *             | Converter "(" args ")" | path | "(" condition ")"
 * path       := name ("." name)* ("[" (string | int) "]")*
 * </pre>
 *
 * Paths are resolved against the context when parsing, so a misspelt path fails at config time.
 */
final class OttlParser {
  private static final Map<String, Long> ENUMS = new HashMap<>();

  static {
    String[] kinds = {"UNSPECIFIED", "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"};
    for (int i = 0; i < kinds.length; i++) {
      ENUMS.put("SPAN_KIND_" + kinds[i], (long) i);
    }
    ENUMS.put("STATUS_CODE_UNSET", 0L);
    ENUMS.put("STATUS_CODE_OK", 1L);
    ENUMS.put("STATUS_CODE_ERROR", 2L);
    ENUMS.put("SEVERITY_NUMBER_UNSPECIFIED", 0L);
    String[] sev = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"};
    for (int i = 0; i < sev.length; i++) {
      ENUMS.put("SEVERITY_NUMBER_" + sev[i], (long) (i * 4 + 1));
      for (int j = 2; j <= 4; j++) {
        ENUMS.put("SEVERITY_NUMBER_" + sev[i] + j, (long) (i * 4 + j));
      }
    }
    String[] types = {"NONE", "GAUGE", "SUM", "HISTOGRAM", "EXPONENTIAL_HISTOGRAM", "SUMMARY"};
    for (int i = 0; i < types.length; i++) {
      ENUMS.put("METRIC_DATA_TYPE_" + types[i], (long) i);
    }
    ENUMS.put("AGGREGATION_TEMPORALITY_UNSPECIFIED", 0L);
    ENUMS.put("AGGREGATION_TEMPORALITY_DELTA", 1L);
    ENUMS.put("AGGREGATION_TEMPORALITY_CUMULATIVE", 2L);
  }

  private final List<Token> tokens;
  private final OttlContext context;
  private int pos;

  private OttlParser(List<Token> tokens, OttlContext context) {
    this.tokens = tokens;
    this.context = context;
  }

  /** Parses one condition for {@code context}. */
  static OttlExpr parseCondition(String text, OttlContext context) throws OttlSyntaxException {
    if (text.isBlank()) {
      throw new OttlSyntaxException(1, "empty condition");
    }
    OttlParser p = new OttlParser(OttlLexer.lex(text), context);
    Token first = p.peek();
    OttlExpr e = p.or();
    if (p.peek().kind() != Kind.END) {
      Token t = p.peek();
      throw new OttlSyntaxException(t.column(), "unexpected " + t.describe()
          + " after a complete condition (join conditions with 'and' / 'or')");
    }
    if (!e.isCondition()) {
      throw new OttlSyntaxException(first.column(), "not a condition: expected a comparison such as name == \"x\", "
          + "a converter such as IsMatch(name, \"x\"), or true/false");
    }
    return e;
  }

  private Token peek() {
    return tokens.get(pos);
  }

  private Token next() {
    return tokens.get(pos++);
  }

  private boolean acceptKeyword(String word) {
    if (peek().is(Kind.IDENT, word)) {
      pos++;
      return true;
    }
    return false;
  }

  private Token expect(Kind kind, String what) throws OttlSyntaxException {
    Token t = peek();
    if (t.kind() != kind) {
      throw new OttlSyntaxException(t.column(), "expected " + what + " but found " + t.describe());
    }
    pos++;
    return t;
  }

  private OttlExpr or() throws OttlSyntaxException {
    OttlExpr left = and();
    while (peek().is(Kind.IDENT, "or")) {
      Token op = next();
      OttlExpr right = and();
      left = new OttlExpr.Or(condition(left, op, "left"), condition(right, op, "right"));
    }
    return left;
  }

  private OttlExpr and() throws OttlSyntaxException {
    OttlExpr left = not();
    while (peek().is(Kind.IDENT, "and")) {
      Token op = next();
      OttlExpr right = not();
      left = new OttlExpr.And(condition(left, op, "left"), condition(right, op, "right"));
    }
    return left;
  }

  private OttlExpr not() throws OttlSyntaxException {
    if (peek().is(Kind.IDENT, "not")) {
      Token op = next();
      OttlExpr operand = not();
      return new OttlExpr.Not(condition(operand, op, "operand"));
    }
    return comparison();
  }

  private static OttlExpr condition(OttlExpr e, Token op, String side) throws OttlSyntaxException {
    if (!e.isCondition()) {
      throw new OttlSyntaxException(op.column(), "the " + side + " side of '" + op.text()
          + "' must be a condition (a comparison, a converter such as IsMatch, or true/false), not a value");
    }
    return e;
  }

  private OttlExpr comparison() throws OttlSyntaxException {
    Token start = peek();
    OttlExpr left = sum();
    Token t = peek();
    if (t.kind() == Kind.OP && List.of("==", "!=", "<", "<=", ">", ">=").contains(t.text())) {
      pos++;
      Token rightStart = peek();
      OttlExpr right = sum();
      valueOperand(left, start, t);
      valueOperand(right, rightStart, t);
      return new OttlExpr.Compare(t.text(), left, right);
    }
    return left;
  }

  private static void valueOperand(OttlExpr e, Token at, Token op) throws OttlSyntaxException {
    if (e.isCondition() && !(e instanceof OttlExpr.Literal)) {
      throw new OttlSyntaxException(at.column(), "cannot compare a condition with '" + op.text()
          + "': put each comparison on its own and join them with 'and' / 'or'");
    }
  }

  private OttlExpr sum() throws OttlSyntaxException {
    OttlExpr left = product();
    while (peek().kind() == Kind.OP && (peek().text().equals("+") || peek().text().equals("-"))) {
      Token op = next();
      OttlExpr right = product();
      left = new OttlExpr.Arithmetic(op.text(), arith(left, op), arith(right, op), op.column());
    }
    return left;
  }

  private OttlExpr product() throws OttlSyntaxException {
    OttlExpr left = unary();
    while (peek().kind() == Kind.OP && (peek().text().equals("*") || peek().text().equals("/"))) {
      Token op = next();
      OttlExpr right = unary();
      left = new OttlExpr.Arithmetic(op.text(), arith(left, op), arith(right, op), op.column());
    }
    return left;
  }

  private static OttlExpr arith(OttlExpr e, Token op) throws OttlSyntaxException {
    if (e.isCondition()) {
      throw new OttlSyntaxException(op.column(), "'" + op.text() + "' needs numbers, not a condition");
    }
    if (e instanceof OttlExpr.Literal l && l.value() != null && !(l.value() instanceof Number)) {
      throw new OttlSyntaxException(op.column(), "'" + op.text() + "' needs numbers, not " + OttlExpr.typeName(l.value()));
    }
    return e;
  }

  private OttlExpr unary() throws OttlSyntaxException {
    if (peek().kind() == Kind.OP && peek().text().equals("-")) {
      Token op = next();
      Token t = peek();
      if (t.kind() == Kind.INT || t.kind() == Kind.FLOAT) {
        pos++;
        return number("-" + t.text(), t);
      }
      return new OttlExpr.Negate(arith(unary(), op), op.column());
    }
    return primary();
  }

  private OttlExpr primary() throws OttlSyntaxException {
    Token t = next();
    switch (t.kind()) {
      case STRING:
        return new OttlExpr.Literal(t.text());
      case INT:
      case FLOAT:
        return number(t.text(), t);
      case BYTES:
        return new OttlExpr.Literal(ByteString.copyFrom(HexFormat.of().parseHex(t.text())));
      case LPAREN: {
        OttlExpr inner = or();
        expect(Kind.RPAREN, "')'");
        return inner;
      }
      case IDENT:
        return identifier(t);
      default:
        throw new OttlSyntaxException(t.column(), "expected a value, a path or a condition but found " + t.describe());
    }
  }

  private OttlExpr number(String text, Token t) throws OttlSyntaxException {
    try {
      if (t.kind() == Kind.INT) {
        return new OttlExpr.Literal(Long.parseLong(text));
      }
      return new OttlExpr.Literal(Double.parseDouble(text));
    } catch (NumberFormatException e) {
      throw new OttlSyntaxException(t.column(), "number out of range: " + text);
    }
  }

  private OttlExpr identifier(Token t) throws OttlSyntaxException {
    String name = t.text();
    switch (name) {
      case "true":
        return new OttlExpr.Literal(Boolean.TRUE);
      case "false":
        return new OttlExpr.Literal(Boolean.FALSE);
      case "nil":
        return new OttlExpr.Literal(null);
      case "and":
      case "or":
      case "not":
        throw new OttlSyntaxException(t.column(), "expected a value or a condition but found '" + name + "'");
      default:
        break;
    }
    if (peek().kind() == Kind.LPAREN) {
      if (!Character.isUpperCase(name.charAt(0))) {
        throw new OttlSyntaxException(t.column(), "'" + name + "' is not a converter: conditions can call only "
            + String.join(", ", OttlFunctions.NAMES) + " (editors such as set() belong in the transform processor)");
      }
      pos++;
      List<OttlFunctions.Arg> args = new ArrayList<>();
      if (peek().kind() != Kind.RPAREN) {
        do {
          int col = peek().column();
          args.add(new OttlFunctions.Arg(or(), col));
        } while (peek().kind() == Kind.COMMA && next() != null);
      }
      expect(Kind.RPAREN, "',' or ')' in the arguments of " + name);
      return OttlFunctions.bind(name, t.column(), args, context);
    }
    if (name.chars().allMatch(ch -> Character.isUpperCase(ch) || Character.isDigit(ch) || ch == '_')) {
      Long v = ENUMS.get(name);
      if (v == null) {
        throw new OttlSyntaxException(t.column(), "unknown enum '" + name + "' (e.g. SPAN_KIND_SERVER, STATUS_CODE_ERROR, "
            + "SEVERITY_NUMBER_WARN, METRIC_DATA_TYPE_SUM, AGGREGATION_TEMPORALITY_DELTA)");
      }
      return new OttlExpr.Literal(v);
    }
    List<String> names = new ArrayList<>();
    names.add(name);
    while (peek().kind() == Kind.DOT) {
      pos++;
      names.add(expect(Kind.IDENT, "a path segment after '.'").text());
    }
    List<Object> keys = new ArrayList<>();
    while (peek().kind() == Kind.LBRACKET) {
      pos++;
      Token k = next();
      if (k.kind() == Kind.STRING) {
        keys.add(k.text());
      } else if (k.kind() == Kind.INT) {
        try {
          keys.add(Long.parseLong(k.text()));
        } catch (NumberFormatException e) {
          throw new OttlSyntaxException(k.column(), "index out of range: " + k.text());
        }
      } else {
        throw new OttlSyntaxException(k.column(), "expected a string key or an integer index in [...] but found " + k.describe());
      }
      expect(Kind.RBRACKET, "']'");
    }
    if (peek().kind() == Kind.DOT) {
      throw new OttlSyntaxException(peek().column(), "unexpected '.' after an index: write the path before the [\"key\"]");
    }
    String last = names.get(names.size() - 1);
    if (!keys.isEmpty() && !last.equals("attributes") && !last.equals("body")) {
      throw new OttlSyntaxException(t.column(), "'" + String.join(".", names)
          + "' cannot be indexed: only attributes (and a log record's body) take [\"key\"]");
    }
    OttlContext.Getter getter = context.resolve(names, t.column());
    return new OttlExpr.PathExpr(String.join(".", names), getter, List.copyOf(keys));
  }
}
