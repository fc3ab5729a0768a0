package dev.traceyard.collector.processor.internal.matching;

import dev.traceyard.collector.data.LogBatch;
import dev.traceyard.collector.data.MetricBatch;
import dev.traceyard.collector.data.TraceBatch;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.List;

/**
 * Copy-on-write walks over OTLP requests. Batches are shared between the branches of a fan-out, so
 * processors never modify them: these walks rebuild only the items, scopes and resources that
 * changed, keep every unchanged protobuf instance as it is, and return the very same batch when
 * nothing changed at all. A scope or resource emptied by dropped items is removed; one that arrived
 * empty is kept.
 */
public final class Rewrite {
  private Rewrite() {}

  /** Returns the resource itself when unchanged, or a new one. */
  @FunctionalInterface
  public interface ResourceFn {
    Resource apply(Resource resource);
  }

  /** Returns the item itself when unchanged, a new item, or null to drop it. */
  @FunctionalInterface
  public interface ItemFn<T> {
    T apply(Resource resource, InstrumentationScope scope, T item);
  }

  /**
   * @param resourceFn applied first to each resource (null: resources unchanged)
   * @param spanFn applied to each span with its (possibly rewritten) resource (null: spans unchanged)
   */
  public static TraceBatch traces(TraceBatch batch, ResourceFn resourceFn, ItemFn<Span> spanFn) {
    ExportTraceServiceRequest req = batch.request();
    List<ResourceSpans> out = null;
    int count = 0;
    List<ResourceSpans> resources = req.getResourceSpansList();
    for (int r = 0; r < resources.size(); r++) {
      ResourceSpans rs = resources.get(r);
      Resource resource = resourceFn == null ? rs.getResource() : resourceFn.apply(rs.getResource());
      List<ScopeSpans> scopes = rs.getScopeSpansList();
      List<ScopeSpans> newScopes = null;
      int resourceCount = 0;
      for (int s = 0; s < scopes.size(); s++) {
        ScopeSpans ss = scopes.get(s);
        ScopeSpans newSs = ss;
        if (spanFn != null) {
          List<Span> spans = ss.getSpansList();
          List<Span> newSpans = null;
          for (int i = 0; i < spans.size(); i++) {
            Span span = spans.get(i);
            Span result = spanFn.apply(resource, ss.getScope(), span);
            if (result != span && newSpans == null) {
              newSpans = new ArrayList<>(spans.subList(0, i));
            }
            if (newSpans != null && result != null) {
              newSpans.add(result);
            }
          }
          if (newSpans != null) {
            newSs = newSpans.isEmpty() ? null : ss.toBuilder().clearSpans().addAllSpans(newSpans).build();
          }
        }
        if (newSs != ss && newScopes == null) {
          newScopes = new ArrayList<>(scopes.subList(0, s));
        }
        if (newSs != null) {
          resourceCount += newSs.getSpansCount();
          if (newScopes != null) {
            newScopes.add(newSs);
          }
        }
      }
      ResourceSpans newRs = rs;
      if (newScopes != null && newScopes.isEmpty()) {
        newRs = null;
      } else if (newScopes != null || resource != rs.getResource()) {
        ResourceSpans.Builder b = rs.toBuilder().setResource(resource);
        if (newScopes != null) {
          b.clearScopeSpans().addAllScopeSpans(newScopes);
        }
        newRs = b.build();
      }
      if (newRs != rs && out == null) {
        out = new ArrayList<>(resources.subList(0, r));
      }
      if (newRs != null) {
        count += resourceCount;
        if (out != null) {
          out.add(newRs);
        }
      }
    }
    if (out == null) {
      return batch;
    }
    return new TraceBatch(req.toBuilder().clearResourceSpans().addAllResourceSpans(out).build(), count);
  }

  /** As {@link #traces}, for log records. */
  public static LogBatch logs(LogBatch batch, ResourceFn resourceFn, ItemFn<LogRecord> logFn) {
    ExportLogsServiceRequest req = batch.request();
    List<ResourceLogs> out = null;
    int count = 0;
    List<ResourceLogs> resources = req.getResourceLogsList();
    for (int r = 0; r < resources.size(); r++) {
      ResourceLogs rl = resources.get(r);
      Resource resource = resourceFn == null ? rl.getResource() : resourceFn.apply(rl.getResource());
      List<ScopeLogs> scopes = rl.getScopeLogsList();
      List<ScopeLogs> newScopes = null;
      int resourceCount = 0;
      for (int s = 0; s < scopes.size(); s++) {
        ScopeLogs sl = scopes.get(s);
        ScopeLogs newSl = sl;
        if (logFn != null) {
          List<LogRecord> records = sl.getLogRecordsList();
          List<LogRecord> newRecords = null;
          for (int i = 0; i < records.size(); i++) {
            LogRecord rec = records.get(i);
            LogRecord result = logFn.apply(resource, sl.getScope(), rec);
            if (result != rec && newRecords == null) {
              newRecords = new ArrayList<>(records.subList(0, i));
            }
            if (newRecords != null && result != null) {
              newRecords.add(result);
            }
          }
          if (newRecords != null) {
            newSl = newRecords.isEmpty() ? null : sl.toBuilder().clearLogRecords().addAllLogRecords(newRecords).build();
          }
        }
        if (newSl != sl && newScopes == null) {
          newScopes = new ArrayList<>(scopes.subList(0, s));
        }
        if (newSl != null) {
          resourceCount += newSl.getLogRecordsCount();
          if (newScopes != null) {
            newScopes.add(newSl);
          }
        }
      }
      ResourceLogs newRl = rl;
      if (newScopes != null && newScopes.isEmpty()) {
        newRl = null;
      } else if (newScopes != null || resource != rl.getResource()) {
        ResourceLogs.Builder b = rl.toBuilder().setResource(resource);
        if (newScopes != null) {
          b.clearScopeLogs().addAllScopeLogs(newScopes);
        }
        newRl = b.build();
      }
      if (newRl != rl && out == null) {
        out = new ArrayList<>(resources.subList(0, r));
      }
      if (newRl != null) {
        count += resourceCount;
        if (out != null) {
          out.add(newRl);
        }
      }
    }
    if (out == null) {
      return batch;
    }
    return new LogBatch(req.toBuilder().clearResourceLogs().addAllResourceLogs(out).build(), count);
  }

  /**
   * As {@link #traces}, for metrics. {@code metricFn} may drop a metric (null) or return it with fewer
   * points; the batch's item count is its data points.
   */
  public static MetricBatch metrics(MetricBatch batch, ResourceFn resourceFn, ItemFn<Metric> metricFn) {
    ExportMetricsServiceRequest req = batch.request();
    List<ResourceMetrics> out = null;
    int count = 0;
    List<ResourceMetrics> resources = req.getResourceMetricsList();
    for (int r = 0; r < resources.size(); r++) {
      ResourceMetrics rm = resources.get(r);
      Resource resource = resourceFn == null ? rm.getResource() : resourceFn.apply(rm.getResource());
      List<ScopeMetrics> scopes = rm.getScopeMetricsList();
      List<ScopeMetrics> newScopes = null;
      int resourceCount = 0;
      for (int s = 0; s < scopes.size(); s++) {
        ScopeMetrics sm = scopes.get(s);
        ScopeMetrics newSm = sm;
        int scopeCount = 0;
        List<Metric> metrics = sm.getMetricsList();
        List<Metric> newMetrics = null;
        for (int i = 0; i < metrics.size(); i++) {
          Metric m = metrics.get(i);
          Metric result = metricFn == null ? m : metricFn.apply(resource, sm.getScope(), m);
          if (result != m && newMetrics == null) {
            newMetrics = new ArrayList<>(metrics.subList(0, i));
          }
          if (result != null) {
            scopeCount += MetricBatch.dataPointCount(result);
            if (newMetrics != null) {
              newMetrics.add(result);
            }
          }
        }
        if (newMetrics != null) {
          newSm = newMetrics.isEmpty() ? null : sm.toBuilder().clearMetrics().addAllMetrics(newMetrics).build();
        }
        if (newSm != sm && newScopes == null) {
          newScopes = new ArrayList<>(scopes.subList(0, s));
        }
        if (newSm != null) {
          resourceCount += scopeCount;
          if (newScopes != null) {
            newScopes.add(newSm);
          }
        }
      }
      ResourceMetrics newRm = rm;
      if (newScopes != null && newScopes.isEmpty()) {
        newRm = null;
      } else if (newScopes != null || resource != rm.getResource()) {
        ResourceMetrics.Builder b = rm.toBuilder().setResource(resource);
        if (newScopes != null) {
          b.clearScopeMetrics().addAllScopeMetrics(newScopes);
        }
        newRm = b.build();
      }
      if (newRm != rm && out == null) {
        out = new ArrayList<>(resources.subList(0, r));
      }
      if (newRm != null) {
        count += resourceCount;
        if (out != null) {
          out.add(newRm);
        }
      }
    }
    if (out == null) {
      return batch;
    }
    return new MetricBatch(req.toBuilder().clearResourceMetrics().addAllResourceMetrics(out).build(), count);
  }
}
