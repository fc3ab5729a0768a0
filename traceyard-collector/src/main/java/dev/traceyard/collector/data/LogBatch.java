package dev.traceyard.collector.data;

import dev.traceyard.collector.component.Signal;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import java.util.Objects;

/** Log records, as one OTLP {@link ExportLogsServiceRequest}. */
public record LogBatch(ExportLogsServiceRequest request, int itemCount) implements Batch {

  public LogBatch {
    Objects.requireNonNull(request, "request");
  }

  public static LogBatch of(ExportLogsServiceRequest request) {
    int count = 0;
    for (ResourceLogs rl : request.getResourceLogsList()) {
      for (ScopeLogs sl : rl.getScopeLogsList()) {
        count += sl.getLogRecordsCount();
      }
    }
    return new LogBatch(request, count);
  }

  @Override
  public Signal signal() {
    return Signal.LOGS;
  }
}
