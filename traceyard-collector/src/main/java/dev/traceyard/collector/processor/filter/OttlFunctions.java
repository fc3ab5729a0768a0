package dev.traceyard.collector.processor.filter;

import dev.traceyard.collector.processor.internal.matching.AnyValues;
import dev.traceyard.collector.processor.internal.matching.DataPoints;
import dev.traceyard.collector.processor.internal.matching.Regexes;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The converters conditions may call: {@code IsMatch(value, "regex")}, {@code IsString},
 * {@code IsInt}, {@code IsDouble}, {@code IsBool}, {@code IsMap}, {@code IsList}, {@code Len}, and in
 * the metric context {@code HasAttrOnDatapoint("key", "value")} and {@code HasAttrKeyOnDatapoint("key")}.
 */
final class OttlFunctions {
  static final List<String> NAMES = List.of("IsMatch", "IsString", "IsInt", "IsDouble", "IsBool", "IsMap", "IsList",
      "Len", "HasAttrOnDatapoint", "HasAttrKeyOnDatapoint");

  @FunctionalInterface
  interface Fn {
    Object apply(EvalContext c) throws OttlEvalException;
  }

  /** An argument as parsed, with the column it starts at. */
  record Arg(OttlExpr expr, int column) {}

  private OttlFunctions() {}

  static OttlExpr.Call bind(String name, int column, List<Arg> args, OttlContext context) throws OttlSyntaxException {
    switch (name) {
      case "IsMatch": {
        arity(name, column, args, 2);
        OttlExpr target = value(name, args.get(0));
        String regex = literalString(name, args.get(1), "pattern");
        Pattern p;
        try {
          p = Regexes.compile(regex).pattern();
        } catch (PatternSyntaxException e) {
          throw new OttlSyntaxException(args.get(1).column(), Regexes.describe(e));
        }
        return new OttlExpr.Call(name, c -> {
          Object v = OttlExpr.normalize(target.eval(c));
          return v != null && p.matcher(OttlExpr.text(v)).find();
        }, true);
      }
      case "IsString":
      case "IsInt":
      case "IsDouble":
      case "IsBool":
      case "IsMap":
      case "IsList": {
        arity(name, column, args, 1);
        OttlExpr target = value(name, args.get(0));
        Class<?> type = switch (name) {
          case "IsString" -> String.class;
          case "IsInt" -> Long.class;
          case "IsDouble" -> Double.class;
          case "IsBool" -> Boolean.class;
          case "IsMap" -> Map.class;
          default -> List.class;
        };
        return new OttlExpr.Call(name, c -> type.isInstance(OttlExpr.normalize(target.eval(c))), true);
      }
      case "Len": {
        arity(name, column, args, 1);
        OttlExpr target = value(name, args.get(0));
        return new OttlExpr.Call(name, c -> {
          Object v = OttlExpr.normalize(target.eval(c));
          if (v instanceof String s) {
            return (long) s.length();
          }
          if (v instanceof List<?> l) {
            return (long) l.size();
          }
          if (v instanceof Map<?, ?> m) {
            return (long) m.size();
          }
          if (v instanceof com.google.protobuf.ByteString b) {
            return (long) b.size();
          }
          throw new OttlEvalException("Len: cannot take the length of " + OttlExpr.typeName(v));
        }, false);
      }
      case "HasAttrOnDatapoint":
      case "HasAttrKeyOnDatapoint": {
        if (context != OttlContext.METRIC) {
          throw new OttlSyntaxException(column, name + " can only be used in metrics.metric conditions");
        }
        boolean withValue = name.equals("HasAttrOnDatapoint");
        arity(name, column, args, withValue ? 2 : 1);
        String key = literalString(name, args.get(0), "key");
        String val = withValue ? literalString(name, args.get(1), "value") : null;
        return new OttlExpr.Call(name, c -> {
          for (com.google.protobuf.Message p : DataPoints.of(c.metric)) {
            String s = AnyValues.stringAttribute(DataPoints.attributes(p), key);
            if (withValue ? val.equals(s) : AnyValues.attribute(DataPoints.attributes(p), key) != null) {
              return true;
            }
          }
          return false;
        }, true);
      }
      default:
        throw new OttlSyntaxException(column, "unknown function '" + name + "' (supported: " + String.join(", ", NAMES) + ")");
    }
  }

  private static void arity(String name, int column, List<Arg> args, int n) throws OttlSyntaxException {
    if (args.size() != n) {
      throw new OttlSyntaxException(column, name + " takes " + n + " argument" + (n == 1 ? "" : "s") + ", got " + args.size());
    }
  }

  private static OttlExpr value(String name, Arg arg) throws OttlSyntaxException {
    if (arg.expr().isCondition() && !(arg.expr() instanceof OttlExpr.Literal)) {
      throw new OttlSyntaxException(arg.column(), name + " takes a value here, not a condition");
    }
    return arg.expr();
  }

  private static String literalString(String name, Arg arg, String what) throws OttlSyntaxException {
    if (arg.expr() instanceof OttlExpr.Literal l && l.value() instanceof String s) {
      return s;
    }
    throw new OttlSyntaxException(arg.column(), name + "'s " + what + " must be a string literal in double quotes");
  }
}
