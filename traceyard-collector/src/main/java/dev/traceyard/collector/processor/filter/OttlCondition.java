package dev.traceyard.collector.processor.filter;

import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.Objects;

/**
 * One parsed OTTL condition of the filter processor's subset, for other components (the routing
 * connector) that decide per resource, span, log record or metric. Parsing happens at config time;
 * evaluation never throws anything but {@link EvalError}.
 */
public final class OttlCondition {

  /** Where a condition is evaluated, and so which paths it may use. */
  public enum Context {
    RESOURCE(OttlContext.RESOURCE),
    SPAN(OttlContext.SPAN),
    LOG(OttlContext.LOG),
    METRIC(OttlContext.METRIC);

    private final OttlContext ottl;

    Context(OttlContext ottl) {
      this.ottl = ottl;
    }
  }

  /** A condition that does not parse; {@link #column()} is 1-based. */
  public static final class SyntaxError extends Exception {
    private final int column;

    SyntaxError(int column, String message) {
      super(message);
      this.column = column;
    }

    public int column() {
      return column;
    }
  }

  /** A condition that cannot be evaluated for one item. */
  public static final class EvalError extends Exception {
    EvalError(String message) {
      super(message, null, false, false);
    }
  }

  private final String text;
  private final Context context;
  private final OttlExpr expr;

  private OttlCondition(String text, Context context, OttlExpr expr) {
    this.text = text;
    this.context = context;
    this.expr = expr;
  }

  public static OttlCondition parse(String text, Context context) throws SyntaxError {
    Objects.requireNonNull(context, "context");
    try {
      return new OttlCondition(text, context, OttlParser.parseCondition(text, context.ottl));
    } catch (OttlSyntaxException e) {
      throw new SyntaxError(e.column(), e.getMessage());
    }
  }

  public Context context() {
    return context;
  }

  /** In every context: the resource is always in scope. */
  public boolean testResource(Resource resource) throws EvalError {
    EvalContext c = new EvalContext();
    c.resource = resource;
    c.scope = InstrumentationScope.getDefaultInstance();
    return eval(c);
  }

  public boolean testSpan(Resource resource, InstrumentationScope scope, Span span) throws EvalError {
    EvalContext c = new EvalContext();
    c.resource = resource;
    c.scope = scope;
    c.span = span;
    return eval(c);
  }

  public boolean testLog(Resource resource, InstrumentationScope scope, LogRecord log) throws EvalError {
    EvalContext c = new EvalContext();
    c.resource = resource;
    c.scope = scope;
    c.log = log;
    return eval(c);
  }

  public boolean testMetric(Resource resource, InstrumentationScope scope, Metric metric) throws EvalError {
    EvalContext c = new EvalContext();
    c.resource = resource;
    c.scope = scope;
    c.metric = metric;
    return eval(c);
  }

  private boolean eval(EvalContext c) throws EvalError {
    try {
      return expr.test(c);
    } catch (OttlEvalException e) {
      throw new EvalError(e.getMessage());
    } catch (RuntimeException e) {
      // A path the context does not fill (a bug, not bad data): still never thrown into the caller.
      throw new EvalError("cannot evaluate '" + text + "': " + e);
    }
  }

  @Override
  public String toString() {
    return text;
  }
}
