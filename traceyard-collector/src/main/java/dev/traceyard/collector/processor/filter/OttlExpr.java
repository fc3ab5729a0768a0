package dev.traceyard.collector.processor.filter;

import com.google.protobuf.ByteString;
import dev.traceyard.collector.processor.internal.matching.AnyValues;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A parsed condition or value expression. Values are Java objects: String, Long, Double, Boolean,
 * ByteString, List, Map, an attribute list ({@link OttlContext.Attrs}) or null for absent.
 */
sealed interface OttlExpr {

  Object eval(EvalContext c) throws OttlEvalException;

  /** True for expressions that yield true/false and may stand as a condition. */
  default boolean isCondition() {
    return false;
  }

  default boolean test(EvalContext c) throws OttlEvalException {
    return Boolean.TRUE.equals(eval(c));
  }

  record Literal(Object value) implements OttlExpr {
    @Override
    public Object eval(EvalContext c) {
      return value;
    }

    @Override
    public boolean isCondition() {
      return value instanceof Boolean;
    }
  }

  record PathExpr(String text, OttlContext.Getter getter, List<Object> keys) implements OttlExpr {
    @Override
    public Object eval(EvalContext c) throws OttlEvalException {
      Object v = getter.get(c);
      for (Object key : keys) {
        v = index(v, key);
        if (v == null) {
          return null;
        }
      }
      return v;
    }

    private Object index(Object base, Object key) throws OttlEvalException {
      if (base == null) {
        return null;
      }
      if (key instanceof String s) {
        if (base instanceof OttlContext.Attrs a) {
          return a.get(s);
        }
        if (base instanceof Map<?, ?> m) {
          return m.get(s);
        }
        throw new OttlEvalException(text + ": cannot look up [\"" + s + "\"] in " + typeName(base));
      }
      long i = (Long) key;
      if (base instanceof List<?> l) {
        if (i < 0 || i >= l.size()) {
          throw new OttlEvalException(text + ": index " + i + " out of range for a list of " + l.size());
        }
        return l.get((int) i);
      }
      throw new OttlEvalException(text + ": cannot index " + typeName(base) + " with [" + i + "]");
    }
  }

  record And(OttlExpr left, OttlExpr right) implements OttlExpr {
    @Override
    public Object eval(EvalContext c) throws OttlEvalException {
      return left.test(c) && right.test(c);
    }

    @Override
    public boolean isCondition() {
      return true;
    }
  }

  record Or(OttlExpr left, OttlExpr right) implements OttlExpr {
    @Override
    public Object eval(EvalContext c) throws OttlEvalException {
      return left.test(c) || right.test(c);
    }

    @Override
    public boolean isCondition() {
      return true;
    }
  }

  record Not(OttlExpr operand) implements OttlExpr {
    @Override
    public Object eval(EvalContext c) throws OttlEvalException {
      return !operand.test(c);
    }

    @Override
    public boolean isCondition() {
      return true;
    }
  }

  /**
   * OTTL comparison: values of different types are never equal and never ordered (no error), nil
   * equals only nil, integers and floats compare as numbers, strings and bytes in lexical order.
   */
  record Compare(String op, OttlExpr left, OttlExpr right) implements OttlExpr {
    @Override
    public Object eval(EvalContext c) throws OttlEvalException {
      Object l = normalize(left.eval(c));
      Object r = normalize(right.eval(c));
      switch (op) {
        case "==":
          return equal(l, r);
        case "!=":
          return !equal(l, r);
        default: {
          Integer cmp = order(l, r);
          if (cmp == null) {
            return false;
          }
          switch (op) {
            case "<":
              return cmp < 0;
            case "<=":
              return cmp <= 0;
            case ">":
              return cmp > 0;
            default:
              return cmp >= 0;
          }
        }
      }
    }

    @Override
    public boolean isCondition() {
      return true;
    }

    private static boolean equal(Object l, Object r) {
      if (l == null || r == null) {
        return l == r;
      }
      if (l instanceof Number && r instanceof Number) {
        return order(l, r) == 0;
      }
      return l.getClass() == r.getClass() && l.equals(r)
          || (l instanceof List && r instanceof List && l.equals(r))
          || (l instanceof Map && r instanceof Map && l.equals(r));
    }

    private static Integer order(Object l, Object r) {
      if (l instanceof Long a && r instanceof Long b) {
        return Long.compare(a, b);
      }
      if (l instanceof Number a && r instanceof Number b) {
        return Double.compare(a.doubleValue(), b.doubleValue());
      }
      if (l instanceof String a && r instanceof String b) {
        return Integer.signum(a.compareTo(b));
      }
      if (l instanceof ByteString a && r instanceof ByteString b) {
        return Integer.signum(ByteString.unsignedLexicographicalComparator().compare(a, b));
      }
      return null;
    }
  }

  /** Integer arithmetic stays integer (division truncates); any float operand makes it float. */
  record Arithmetic(String op, OttlExpr left, OttlExpr right, int column) implements OttlExpr {
    @Override
    public Object eval(EvalContext c) throws OttlEvalException {
      Object l = left.eval(c);
      Object r = right.eval(c);
      if (!(l instanceof Number) || !(r instanceof Number)) {
        throw new OttlEvalException("column " + column + ": cannot apply '" + op + "' to " + typeName(l) + " and " + typeName(r));
      }
      if (l instanceof Long a && r instanceof Long b) {
        switch (op) {
          case "+":
            return a + b;
          case "-":
            return a - b;
          case "*":
            return a * b;
          default:
            if (b == 0) {
              throw new OttlEvalException("column " + column + ": division by zero");
            }
            return a / b;
        }
      }
      double a = ((Number) l).doubleValue();
      double b = ((Number) r).doubleValue();
      switch (op) {
        case "+":
          return a + b;
        case "-":
          return a - b;
        case "*":
          return a * b;
        default:
          if (b == 0) {
            throw new OttlEvalException("column " + column + ": division by zero");
          }
          return a / b;
      }
    }
  }

  record Negate(OttlExpr operand, int column) implements OttlExpr {
    @Override
    public Object eval(EvalContext c) throws OttlEvalException {
      Object v = operand.eval(c);
      if (v instanceof Long l) {
        return -l;
      }
      if (v instanceof Double d) {
        return -d;
      }
      throw new OttlEvalException("column " + column + ": cannot negate " + typeName(v));
    }
  }

  /** A converter call; {@code fn} is bound at parse time with its literal arguments checked. */
  record Call(String name, OttlFunctions.Fn fn, boolean returnsBoolean) implements OttlExpr {
    @Override
    public Object eval(EvalContext c) throws OttlEvalException {
      return fn.apply(c);
    }

    @Override
    public boolean isCondition() {
      return returnsBoolean;
    }
  }

  /** Attribute lists become plain maps once used as a whole value. */
  static Object normalize(Object v) {
    return v instanceof OttlContext.Attrs a ? a.toMap() : v;
  }

  static String typeName(Object v) {
    if (v == null) {
      return "nil";
    }
    if (v instanceof String) {
      return "a string";
    }
    if (v instanceof Long) {
      return "an int";
    }
    if (v instanceof Double) {
      return "a double";
    }
    if (v instanceof Boolean) {
      return "a bool";
    }
    if (v instanceof ByteString) {
      return "bytes";
    }
    if (v instanceof List) {
      return "a list";
    }
    if (v instanceof Map || v instanceof OttlContext.Attrs) {
      return "a map";
    }
    return Objects.toString(v.getClass().getSimpleName());
  }

  /** The value as text for string functions: strings as they are, other scalars in their usual form. */
  static String text(Object v) {
    if (v instanceof String s) {
      return s;
    }
    return AnyValues.asString(AnyValues.fromJava(normalize(v)));
  }
}
