package dev.traceyard.collector.processor.tracequality;

import com.google.protobuf.ByteString;
import dev.traceyard.collector.otlp.Hex;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.resource.v1.Resource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds the log records of the findings contract (issue #9; layout in README, trace_quality), grouped by service. */
final class Records {
  static final String SCOPE = "traceyard.trace_quality";
  static final String FINDING = "trace_quality.finding";
  static final String COST = "trace_quality.cost";
  static final String COST_ATTRIBUTE = "trace_quality.cost_attribute";

  /** One service's records of an interval. */
  record ServiceRecords(String service, List<LogRecord> records) {}

  private final long endNanos;
  private final long intervalSeconds;
  private final Map<String, List<LogRecord>> byService = new LinkedHashMap<>();

  /** 100 / sampling_percentage: counts of the analysed sample are reported as estimates of all traffic. */
  private final double scale;

  Records(long endNanos, long intervalSeconds) {
    this(endNanos, intervalSeconds, 1);
  }

  Records(long endNanos, long intervalSeconds, double scale) {
    this.endNanos = endNanos;
    this.intervalSeconds = intervalSeconds;
    this.scale = scale;
  }

  private long scaled(long sampleCount) {
    return scale == 1 ? sampleCount : Math.round(sampleCount * scale);
  }

  void finding(String service, String kind, String spanName, String attributeKey, String peer, long count,
      long tracesAffected, long tracesTotal, ByteString exampleTrace, ByteString exampleSpan, String detail,
      long estimate) {
    LogRecord.Builder r = record(FINDING);
    r.addAttributes(str("quality.kind", kind));
    if (!spanName.isEmpty()) {
      r.addAttributes(str("quality.span_name", spanName));
    }
    if (!attributeKey.isEmpty()) {
      r.addAttributes(str("quality.attribute_key", attributeKey));
    }
    if (!peer.isEmpty()) {
      r.addAttributes(str("quality.peer_service", peer));
    }
    r.addAttributes(num("quality.count", scaled(count)));
    r.addAttributes(num("quality.traces_affected", scaled(tracesAffected)));
    r.addAttributes(num("quality.traces_total", scaled(Math.max(tracesTotal, tracesAffected))));
    if (exampleTrace != null && exampleTrace.size() == 16) {
      r.setTraceId(exampleTrace);
      r.addAttributes(str("quality.example_trace_id", Hex.encode(exampleTrace)));
      if (exampleSpan != null && exampleSpan.size() == 8) {
        r.setSpanId(exampleSpan);
      }
    }
    r.addAttributes(str("quality.detail", detail));
    if (estimate >= 0) {
      r.addAttributes(num("quality.cardinality_estimate", estimate));
    }
    r.addAttributes(num("quality.interval_seconds", intervalSeconds));
    add(service, r);
  }

  void cost(String service, String spanName, Analyzer.CostRow row) {
    LogRecord.Builder r = record(COST);
    r.addAttributes(str("cost.span_name", spanName));
    r.addAttributes(num("cost.spans", scaled(row.spans)));
    r.addAttributes(num("cost.traces", scaled(row.traces)));
    r.addAttributes(num("cost.bytes", scaled(row.bytes)));
    r.addAttributes(num("cost.attribute_bytes", scaled(row.attributeBytes)));
    r.addAttributes(num("quality.interval_seconds", intervalSeconds));
    add(service, r);
  }

  void weight(String service, String key, long bytes, long count) {
    LogRecord.Builder r = record(COST_ATTRIBUTE);
    r.addAttributes(str("cost.attribute_key", key));
    r.addAttributes(num("cost.bytes", scaled(bytes)));
    r.addAttributes(num("cost.count", scaled(count)));
    r.addAttributes(num("quality.interval_seconds", intervalSeconds));
    add(service, r);
  }

  List<ServiceRecords> build() {
    List<ServiceRecords> out = new ArrayList<>();
    byService.forEach((s, list) -> out.add(new ServiceRecords(s, List.copyOf(list))));
    return out;
  }

  /** The records as one logs export request: one resource per service, marked internal. */
  static ExportLogsServiceRequest toRequest(List<ServiceRecords> records) {
    ExportLogsServiceRequest.Builder req = ExportLogsServiceRequest.newBuilder();
    InstrumentationScope scope = InstrumentationScope.newBuilder().setName(SCOPE).build();
    for (ServiceRecords sr : records) {
      Resource resource = Resource.newBuilder()
          .addAttributes(str("service.name", sr.service()))
          .addAttributes(KeyValue.newBuilder().setKey("traceyard.internal")
              .setValue(AnyValue.newBuilder().setBoolValue(true)))
          .build();
      req.addResourceLogs(ResourceLogs.newBuilder().setResource(resource)
          .addScopeLogs(ScopeLogs.newBuilder().setScope(scope).addAllLogRecords(sr.records())));
    }
    return req.build();
  }

  private LogRecord.Builder record(String event) {
    return LogRecord.newBuilder().setTimeUnixNano(endNanos).setObservedTimeUnixNano(endNanos).setEventName(event)
        .setBody(AnyValue.newBuilder().setStringValue(event));
  }

  private void add(String service, LogRecord.Builder r) {
    byService.computeIfAbsent(service, s -> new ArrayList<>()).add(r.build());
  }

  private static KeyValue str(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }

  private static KeyValue num(String key, long value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setIntValue(value)).build();
  }
}
