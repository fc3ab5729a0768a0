package dev.traceyard.collector.data;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Merges batches of one signal and splits a batch into pieces of bounded size, for the batch
 * processor and for exporters that cap their request size.
 *
 * <p>Merging groups entries with the same resource (and schema URL) and, within them, the same
 * instrumentation scope, so a merged request does not repeat a resource once per source batch.
 * Splitting cuts inside scopes and metrics: every piece carries the resource and scope of the items
 * it holds. Neither operation loses or duplicates an item; both reuse the items' protobuf messages
 * instead of copying them.
 */
public final class Batches {
  private Batches() {}

  /**
   * One batch holding every item of {@code batches}, in order within each resource and scope.
   *
   * @throws IllegalArgumentException when {@code batches} is empty or mixes signals
   */
  public static Batch merge(List<? extends Batch> batches) {
    if (batches.isEmpty()) {
      throw new IllegalArgumentException("nothing to merge");
    }
    Batch first = batches.get(0);
    for (Batch b : batches) {
      if (b.signal() != first.signal()) {
        throw new IllegalArgumentException("cannot merge " + b.signal().configName() + " into "
            + first.signal().configName());
      }
    }
    if (batches.size() == 1) {
      return first;
    }
    long items = 0;
    for (Batch b : batches) {
      items += b.itemCount();
    }
    int count = Math.toIntExact(items);
    switch (first.signal()) {
      case TRACES:
        return new TraceBatch(mergeTraces(batches), count);
      case METRICS:
        return new MetricBatch(mergeMetrics(batches), count);
      default:
        return new LogBatch(mergeLogs(batches), count);
    }
  }

  /**
   * Pieces of at most {@code maxItems} items each, in order; the batch itself when it is small enough.
   * Containers that hold no items (a scope without spans, a metric without data points) travel with
   * the piece being built when they are met, so nothing is dropped.
   *
   * @throws IllegalArgumentException when {@code maxItems} is not positive
   */
  public static List<Batch> split(Batch batch, int maxItems) {
    if (maxItems <= 0) {
      throw new IllegalArgumentException("maxItems must be positive, got " + maxItems);
    }
    if (batch.itemCount() <= maxItems) {
      return List.of(batch);
    }
    if (batch instanceof TraceBatch) {
      return splitTraces(((TraceBatch) batch).request(), maxItems);
    }
    if (batch instanceof MetricBatch) {
      return splitMetrics(((MetricBatch) batch).request(), maxItems);
    }
    return splitLogs(((LogBatch) batch).request(), maxItems);
  }

  // ---- merge ----

  /** Identity of a resource entry: resources are equal only with the same schema URL. */
  private record ResourceKey(Resource resource, String schemaUrl) {}

  private record ScopeKey(InstrumentationScope scope, String schemaUrl) {}

  private static ExportTraceServiceRequest mergeTraces(List<? extends Batch> batches) {
    Map<ResourceKey, ResourceSpans.Builder> resources = new LinkedHashMap<>();
    Map<ResourceKey, Map<ScopeKey, ScopeSpans.Builder>> scopes = new LinkedHashMap<>();
    for (Batch b : batches) {
      for (ResourceSpans rs : ((TraceBatch) b).request().getResourceSpansList()) {
        ResourceKey rk = new ResourceKey(rs.getResource(), rs.getSchemaUrl());
        resources.computeIfAbsent(rk, k -> rs.toBuilder().clearScopeSpans());
        Map<ScopeKey, ScopeSpans.Builder> byScope = scopes.computeIfAbsent(rk, k -> new LinkedHashMap<>());
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          ScopeKey sk = new ScopeKey(ss.getScope(), ss.getSchemaUrl());
          ScopeSpans.Builder existing = byScope.get(sk);
          if (existing == null) {
            byScope.put(sk, ss.toBuilder());
          } else {
            existing.addAllSpans(ss.getSpansList());
          }
        }
      }
    }
    ExportTraceServiceRequest.Builder out = ExportTraceServiceRequest.newBuilder();
    resources.forEach((rk, rsb) -> {
      scopes.get(rk).values().forEach(rsb::addScopeSpans);
      out.addResourceSpans(rsb);
    });
    return out.build();
  }

  private static ExportMetricsServiceRequest mergeMetrics(List<? extends Batch> batches) {
    Map<ResourceKey, ResourceMetrics.Builder> resources = new LinkedHashMap<>();
    Map<ResourceKey, Map<ScopeKey, ScopeMetrics.Builder>> scopes = new LinkedHashMap<>();
    for (Batch b : batches) {
      for (ResourceMetrics rm : ((MetricBatch) b).request().getResourceMetricsList()) {
        ResourceKey rk = new ResourceKey(rm.getResource(), rm.getSchemaUrl());
        resources.computeIfAbsent(rk, k -> rm.toBuilder().clearScopeMetrics());
        Map<ScopeKey, ScopeMetrics.Builder> byScope = scopes.computeIfAbsent(rk, k -> new LinkedHashMap<>());
        for (ScopeMetrics sm : rm.getScopeMetricsList()) {
          ScopeKey sk = new ScopeKey(sm.getScope(), sm.getSchemaUrl());
          ScopeMetrics.Builder existing = byScope.get(sk);
          if (existing == null) {
            byScope.put(sk, sm.toBuilder());
          } else {
            // Metrics of the same name stay separate entries: merging their points would need
            // type and temporality checks for no gain on the wire.
            existing.addAllMetrics(sm.getMetricsList());
          }
        }
      }
    }
    ExportMetricsServiceRequest.Builder out = ExportMetricsServiceRequest.newBuilder();
    resources.forEach((rk, rmb) -> {
      scopes.get(rk).values().forEach(rmb::addScopeMetrics);
      out.addResourceMetrics(rmb);
    });
    return out.build();
  }

  private static ExportLogsServiceRequest mergeLogs(List<? extends Batch> batches) {
    Map<ResourceKey, ResourceLogs.Builder> resources = new LinkedHashMap<>();
    Map<ResourceKey, Map<ScopeKey, ScopeLogs.Builder>> scopes = new LinkedHashMap<>();
    for (Batch b : batches) {
      for (ResourceLogs rl : ((LogBatch) b).request().getResourceLogsList()) {
        ResourceKey rk = new ResourceKey(rl.getResource(), rl.getSchemaUrl());
        resources.computeIfAbsent(rk, k -> rl.toBuilder().clearScopeLogs());
        Map<ScopeKey, ScopeLogs.Builder> byScope = scopes.computeIfAbsent(rk, k -> new LinkedHashMap<>());
        for (ScopeLogs sl : rl.getScopeLogsList()) {
          ScopeKey sk = new ScopeKey(sl.getScope(), sl.getSchemaUrl());
          ScopeLogs.Builder existing = byScope.get(sk);
          if (existing == null) {
            byScope.put(sk, sl.toBuilder());
          } else {
            existing.addAllLogRecords(sl.getLogRecordsList());
          }
        }
      }
    }
    ExportLogsServiceRequest.Builder out = ExportLogsServiceRequest.newBuilder();
    resources.forEach((rk, rlb) -> {
      scopes.get(rk).values().forEach(rlb::addScopeLogs);
      out.addResourceLogs(rlb);
    });
    return out.build();
  }

  // ---- split ----

  private static List<Batch> splitTraces(ExportTraceServiceRequest request, int max) {
    List<Batch> out = new ArrayList<>();
    ExportTraceServiceRequest.Builder piece = ExportTraceServiceRequest.newBuilder();
    int count = 0;
    for (ResourceSpans rs : request.getResourceSpansList()) {
      // The resource's entry in the current piece, created when the first scope goes in.
      ResourceSpans.Builder rsb = null;
      if (rs.getScopeSpansCount() == 0) {
        piece.addResourceSpans(rs);
        continue;
      }
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        List<Span> spans = ss.getSpansList();
        if (spans.isEmpty()) {
          rsb = rsb == null ? rs.toBuilder().clearScopeSpans() : rsb;
          rsb.addScopeSpans(ss);
          continue;
        }
        int from = 0;
        while (from < spans.size()) {
          int take = Math.min(max - count, spans.size() - from);
          rsb = rsb == null ? rs.toBuilder().clearScopeSpans() : rsb;
          rsb.addScopeSpans(take == spans.size() ? ss
              : ss.toBuilder().clearSpans().addAllSpans(spans.subList(from, from + take)).build());
          from += take;
          count += take;
          if (count == max) {
            piece.addResourceSpans(rsb);
            rsb = null;
            out.add(new TraceBatch(piece.build(), count));
            piece = ExportTraceServiceRequest.newBuilder();
            count = 0;
          }
        }
      }
      if (rsb != null) {
        piece.addResourceSpans(rsb);
      }
    }
    if (piece.getResourceSpansCount() > 0) {
      out.add(new TraceBatch(piece.build(), count));
    }
    return out;
  }

  private static List<Batch> splitLogs(ExportLogsServiceRequest request, int max) {
    List<Batch> out = new ArrayList<>();
    ExportLogsServiceRequest.Builder piece = ExportLogsServiceRequest.newBuilder();
    int count = 0;
    for (ResourceLogs rl : request.getResourceLogsList()) {
      ResourceLogs.Builder rlb = null;
      if (rl.getScopeLogsCount() == 0) {
        piece.addResourceLogs(rl);
        continue;
      }
      for (ScopeLogs sl : rl.getScopeLogsList()) {
        List<LogRecord> records = sl.getLogRecordsList();
        if (records.isEmpty()) {
          rlb = rlb == null ? rl.toBuilder().clearScopeLogs() : rlb;
          rlb.addScopeLogs(sl);
          continue;
        }
        int from = 0;
        while (from < records.size()) {
          int take = Math.min(max - count, records.size() - from);
          rlb = rlb == null ? rl.toBuilder().clearScopeLogs() : rlb;
          rlb.addScopeLogs(take == records.size() ? sl
              : sl.toBuilder().clearLogRecords().addAllLogRecords(records.subList(from, from + take)).build());
          from += take;
          count += take;
          if (count == max) {
            piece.addResourceLogs(rlb);
            rlb = null;
            out.add(new LogBatch(piece.build(), count));
            piece = ExportLogsServiceRequest.newBuilder();
            count = 0;
          }
        }
      }
      if (rlb != null) {
        piece.addResourceLogs(rlb);
      }
    }
    if (piece.getResourceLogsCount() > 0) {
      out.add(new LogBatch(piece.build(), count));
    }
    return out;
  }

  private static List<Batch> splitMetrics(ExportMetricsServiceRequest request, int max) {
    List<Batch> out = new ArrayList<>();
    ExportMetricsServiceRequest.Builder piece = ExportMetricsServiceRequest.newBuilder();
    int count = 0;
    for (ResourceMetrics rm : request.getResourceMetricsList()) {
      ResourceMetrics.Builder rmb = null;
      if (rm.getScopeMetricsCount() == 0) {
        piece.addResourceMetrics(rm);
        continue;
      }
      for (ScopeMetrics sm : rm.getScopeMetricsList()) {
        ScopeMetrics.Builder smb = null;
        if (sm.getMetricsCount() == 0) {
          rmb = rmb == null ? rm.toBuilder().clearScopeMetrics() : rmb;
          rmb.addScopeMetrics(sm);
          continue;
        }
        for (Metric m : sm.getMetricsList()) {
          int points = MetricBatch.dataPointCount(m);
          if (points == 0) {
            smb = smb == null ? sm.toBuilder().clearMetrics() : smb;
            smb.addMetrics(m);
            continue;
          }
          int from = 0;
          while (from < points) {
            int take = Math.min(max - count, points - from);
            smb = smb == null ? sm.toBuilder().clearMetrics() : smb;
            smb.addMetrics(take == points ? m : sliceDataPoints(m, from, from + take));
            from += take;
            count += take;
            if (count == max) {
              rmb = rmb == null ? rm.toBuilder().clearScopeMetrics() : rmb;
              rmb.addScopeMetrics(smb);
              smb = null;
              piece.addResourceMetrics(rmb);
              rmb = null;
              out.add(new MetricBatch(piece.build(), count));
              piece = ExportMetricsServiceRequest.newBuilder();
              count = 0;
            }
          }
        }
        if (smb != null) {
          rmb = rmb == null ? rm.toBuilder().clearScopeMetrics() : rmb;
          rmb.addScopeMetrics(smb);
        }
      }
      if (rmb != null) {
        piece.addResourceMetrics(rmb);
      }
    }
    if (piece.getResourceMetricsCount() > 0) {
      out.add(new MetricBatch(piece.build(), count));
    }
    return out;
  }

  /**
   * The metric with only data points {@code [from, to)}. toBuilder() keeps every other field (type,
   * temporality, monotonicity, metadata), including ones added to the proto later.
   */
  private static Metric sliceDataPoints(Metric m, int from, int to) {
    Metric.Builder b = m.toBuilder();
    switch (m.getDataCase()) {
      case GAUGE:
        b.setGauge(m.getGauge().toBuilder().clearDataPoints()
            .addAllDataPoints(m.getGauge().getDataPointsList().subList(from, to)));
        break;
      case SUM:
        b.setSum(m.getSum().toBuilder().clearDataPoints()
            .addAllDataPoints(m.getSum().getDataPointsList().subList(from, to)));
        break;
      case HISTOGRAM:
        b.setHistogram(m.getHistogram().toBuilder().clearDataPoints()
            .addAllDataPoints(m.getHistogram().getDataPointsList().subList(from, to)));
        break;
      case EXPONENTIAL_HISTOGRAM:
        b.setExponentialHistogram(m.getExponentialHistogram().toBuilder().clearDataPoints()
            .addAllDataPoints(m.getExponentialHistogram().getDataPointsList().subList(from, to)));
        break;
      case SUMMARY:
        b.setSummary(m.getSummary().toBuilder().clearDataPoints()
            .addAllDataPoints(m.getSummary().getDataPointsList().subList(from, to)));
        break;
      default:
        throw new IllegalStateException("metric without data points cannot be sliced");
    }
    return b.build();
  }
}
