package dev.traceyard.store.db;

import com.google.protobuf.ByteString;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.LogBatch;
import dev.traceyard.collector.data.TraceBatch;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;

/**
 * Which items the store refuses: spans without a valid trace id (16 bytes, not all zero) or span id
 * (8 bytes, not all zero) or with a parent span id that is neither empty nor 8 bytes, and log records
 * whose trace or span id is present but malformed. Checked on the caller's thread so the refusal
 * reaches the client as an OTLP partial success; the writer skips the same items.
 */
public final class BatchValidator {
  private BatchValidator() {}

  /** Invalid items of {@code batch} and the reason for the first one. */
  public record Result(long invalid, String reason) {
    static final Result VALID = new Result(0, "");
  }

  public static Result check(Batch batch) {
    if (batch instanceof TraceBatch) {
      return checkSpans((TraceBatch) batch);
    }
    if (batch instanceof LogBatch) {
      return checkLogs((LogBatch) batch);
    }
    return Result.VALID;
  }

  private static Result checkSpans(TraceBatch b) {
    long invalid = 0;
    String reason = "";
    for (ResourceSpans rs : b.request().getResourceSpansList()) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span s : ss.getSpansList()) {
          String r = spanProblem(s);
          if (r != null) {
            if (invalid++ == 0) {
              reason = r;
            }
          }
        }
      }
    }
    return invalid == 0 ? Result.VALID : new Result(invalid, reason);
  }

  private static Result checkLogs(LogBatch b) {
    long invalid = 0;
    String reason = "";
    for (ResourceLogs rl : b.request().getResourceLogsList()) {
      for (ScopeLogs sl : rl.getScopeLogsList()) {
        for (LogRecord l : sl.getLogRecordsList()) {
          String r = logProblem(l);
          if (r != null) {
            if (invalid++ == 0) {
              reason = r;
            }
          }
        }
      }
    }
    return invalid == 0 ? Result.VALID : new Result(invalid, reason);
  }

  /** Null when the span can be stored. */
  static String spanProblem(Span s) {
    if (!validId(s.getTraceId(), 16)) {
      return "span with an invalid trace id (" + describe(s.getTraceId(), 16) + ")";
    }
    if (!validId(s.getSpanId(), 8)) {
      return "span with an invalid span id (" + describe(s.getSpanId(), 8) + ")";
    }
    if (!s.getParentSpanId().isEmpty() && s.getParentSpanId().size() != 8) {
      return "span with an invalid parent span id (" + s.getParentSpanId().size() + " bytes, expected 0 or 8)";
    }
    return null;
  }

  static String logProblem(LogRecord l) {
    if (!l.getTraceId().isEmpty() && l.getTraceId().size() != 16) {
      return "log record with an invalid trace id (" + l.getTraceId().size() + " bytes, expected 0 or 16)";
    }
    if (!l.getSpanId().isEmpty() && l.getSpanId().size() != 8) {
      return "log record with an invalid span id (" + l.getSpanId().size() + " bytes, expected 0 or 8)";
    }
    return null;
  }

  private static boolean validId(ByteString id, int size) {
    if (id.size() != size) {
      return false;
    }
    for (int i = 0; i < size; i++) {
      if (id.byteAt(i) != 0) {
        return true;
      }
    }
    return false;
  }

  private static String describe(ByteString id, int size) {
    return id.size() != size ? id.size() + " bytes, expected " + size : "all zeros";
  }
}
