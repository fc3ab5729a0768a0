package dev.traceyard.store.query;

import dev.traceyard.store.db.Partition;
import dev.traceyard.store.db.Partitions;
import dev.traceyard.store.db.Store;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Reads back what the {@code trace_quality} processor reported as log records (the contract in
 * docs/query-api.md, "Instrumentation health"): findings and the cost breakdown. Only records of the
 * scope {@value #SCOPE} whose resource has {@code traceyard.internal = true} count, so an
 * application log that happens to use the same event name is never mistaken for a report. The
 * scans are pushed down to the logs table's {@code event_name} and {@code time_ns} columns (zone
 * maps skip other row groups); only the matching rows' attribute JSON is parsed, by DuckDB.
 */
public final class QualityQueries {
  public static final String SCOPE = "traceyard.trace_quality";
  public static final String INTERNAL_KEY = "traceyard.internal";
  static final String FINDING = "trace_quality.finding";
  static final String COST = "trace_quality.cost";
  static final String COST_ATTRIBUTE = "trace_quality.cost_attribute";
  /** The cost record of a whole service (all its spans and distinct traces of the interval). */
  static final String ALL_SPANS = "*";
  /**
   * Finding rows, and of the cost rows only those that can be a service's "*" row: a string value
   * "*" is stored exactly as this text (OTLP/JSON of our own attribute column), so the test is exact
   * as a necessary condition and spares parsing the JSON of every per-span-name cost row.
   */
  private static final String ALL_SPANS_ROWS = "event_name = '" + FINDING
      + "' OR contains(attributes, '\"stringValue\":\"" + ALL_SPANS + "\"')";
  static final int MAX_BUCKETS = 60;
  static final int MAX_EXAMPLES = 5;
  static final int MAX_ATTRIBUTES = 20;
  /** Trend bucket sizes: the smallest giving at most MAX_BUCKETS buckets over the range is used. */
  private static final long[] BUCKET_SECONDS = {60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200,
      86400, 172800, 604800, 2592000};
  private static final long SECOND = 1_000_000_000L;
  private static final long DEFAULT_INTERVAL_SECONDS = 60;
  /** OTLP/JSON KeyValue arrays as DuckDB sees them: the value kinds reports use. */
  private static final String KV_TYPE = "'[{\"key\":\"VARCHAR\",\"value\":{\"stringValue\":\"VARCHAR\","
      + "\"intValue\":\"VARCHAR\",\"doubleValue\":\"DOUBLE\"}}]'";

  private final Store store;

  public QualityQueries(Store store) {
    this.store = Objects.requireNonNull(store, "store");
  }

  /**
   * The trend bucket for a range: whole minutes at least, {@value #MAX_BUCKETS} buckets at most (one
   * more when the range is not aligned to the bucket).
   */
  public static long bucketNanos(long fromNanos, long toNanos) {
    long range = Math.max(0, toNanos - fromNanos);
    for (long s : BUCKET_SECONDS) {
      if (range / (s * SECOND) <= MAX_BUCKETS) {
        return s * SECOND;
      }
    }
    long days = range / (86400 * SECOND) / MAX_BUCKETS + 1;
    return days * 86400 * SECOND;
  }

  // ================================================================== findings

  private record Key(String service, String kind, String spanName, String attributeKey, String peerService) {}

  private static final class Agg {
    long count;
    long affected;
    Long cardinality;
    long lastSeen = Long.MIN_VALUE;
    String detail;
    long[] trend;
    final List<QualityFindings.Example> examples = new ArrayList<>();
  }

  /**
   * Findings reported in {@code [fromNanos, toNanos]}: the per-service summary, and when
   * {@code service} is given, that service's findings, worst share of traces affected first.
   */
  public QualityFindings findings(String service, long fromNanos, long toNanos) {
    if (fromNanos > toNanos) {
      throw new BadQueryException("start is after end");
    }
    long bucket = bucketNanos(fromNanos, toNanos);
    long first = Math.floorDiv(fromNanos, bucket) * bucket;
    int buckets = (int) Math.min(Integer.MAX_VALUE, (toNanos - first) / bucket + 1);
    Map<Key, Agg> aggs = new LinkedHashMap<>();
    Map<String, Long> totals = new HashMap<>();
    try (Partitions.Lease lease = store.partitions().lease()) {
      List<Partition> parts = lease.overlapping(fromNanos, toNanos);
      if (parts.isEmpty()) {
        return new QualityFindings(first, bucket, List.of(), List.of());
      }
      Sql sql = new Sql().add("WITH r AS (");
      reports(sql, parts, List.of(FINDING), fromNanos, toNanos, service);
      sql.add("), f AS (SELECT service_name AS service, time_ns, " + findingKey() + ", " + num("quality.count")
          + " AS cnt, " + num("quality.traces_affected") + " AS affected, " + str("quality.detail") + " AS detail, "
          + num("quality.cardinality_estimate") + " AS card FROM r)"
          + " SELECT service, kind, span_name, attribute_key, peer_service, (time_ns - ?) // ? AS bucket, sum(cnt),"
          + " sum(affected), max(card), max(time_ns), arg_max(detail, time_ns) FROM f WHERE kind IS NOT NULL"
          + " GROUP BY ALL", first, bucket);
      query(sql, r -> {
        Agg a = aggs.computeIfAbsent(new Key(r.getString(1), r.getString(2), r.getString(3), r.getString(4),
            r.getString(5)), k -> new Agg());
        if (service != null && a.trend == null) {
          a.trend = new long[buckets];
        }
        long c = r.getLong(7);
        a.count += c;
        a.affected += r.getLong(8);
        long card = r.getLong(9);
        if (!r.wasNull()) {
          a.cardinality = a.cardinality == null ? card : Math.max(a.cardinality, card);
        }
        long last = r.getLong(10);
        if (last >= a.lastSeen) {
          a.lastSeen = last;
          a.detail = r.getString(11);
        }
        long b = r.getLong(6);
        if (a.trend != null && b >= 0 && b < buckets) {
          a.trend[(int) b] += c;
        }
      });
      // Traces of each service per report (the denominator of every share): a finding record carries
      // its service's total of the interval, and so does the service's cost record "*" (present even
      // in an interval without findings). Counted once per service and report time.
      Sql t = new Sql().add("WITH r AS (");
      reports(t, parts, List.of(FINDING, COST), fromNanos, toNanos, service, ALL_SPANS_ROWS);
      t.add("), t AS (SELECT service_name AS service, time_ns, CASE WHEN event_name = '" + COST + "' THEN (CASE WHEN "
          + str("cost.span_name") + " = '" + ALL_SPANS + "' THEN " + num("cost.traces") + " END) ELSE "
          + num("quality.traces_total") + " END AS total FROM r)"
          + " SELECT service, sum(m) FROM (SELECT service, time_ns, max(total) AS m FROM t GROUP BY ALL) GROUP BY ALL");
      query(t, r -> totals.put(r.getString(1), r.getLong(2)));
      if (service != null && !aggs.isEmpty()) {
        Sql e = new Sql().add("WITH r AS (");
        reports(e, parts, List.of(FINDING), fromNanos, toNanos, service);
        e.add("), f AS (SELECT service_name AS service, time_ns, trace_hi, trace_lo, span_id, " + findingKey()
            + " FROM r WHERE trace_hi IS NOT NULL)"
            + " SELECT service, kind, span_name, attribute_key, peer_service, trace_hi, trace_lo, max(time_ns),"
            + " arg_max(span_id, time_ns) FROM f WHERE kind IS NOT NULL"
            + " GROUP BY service, kind, span_name, attribute_key, peer_service, trace_hi, trace_lo"
            + " QUALIFY row_number() OVER (PARTITION BY service, kind, span_name, attribute_key, peer_service"
            + " ORDER BY max(time_ns) DESC, trace_hi, trace_lo) <= " + MAX_EXAMPLES
            + " ORDER BY max(time_ns) DESC, trace_hi, trace_lo");
        query(e, r -> {
          Agg a = aggs.get(new Key(r.getString(1), r.getString(2), r.getString(3), r.getString(4), r.getString(5)));
          if (a != null) {
            long span = r.getLong(9);
            Long spanId = r.wasNull() ? null : span;
            a.examples.add(new QualityFindings.Example(new TraceId(r.getLong(6), r.getLong(7)), spanId, r.getLong(8)));
          }
        });
      }
    }
    Map<String, List<QualityFindings.Finding>> byService = new HashMap<>();
    aggs.forEach((k, a) -> {
      long total = Math.max(totals.getOrDefault(k.service(), 0L), a.affected);
      double share = total == 0 ? 0 : Math.min(1.0, (double) a.affected / total);
      byService.computeIfAbsent(k.service(), s -> new ArrayList<>()).add(new QualityFindings.Finding(k.kind(),
          k.spanName(), k.attributeKey(), k.peerService(), a.count, a.affected, total, share,
          a.trend == null ? new long[0] : a.trend, List.copyOf(a.examples), a.detail, a.cardinality, a.lastSeen));
    });
    Comparator<QualityFindings.Finding> hurt = Comparator.comparingDouble(QualityFindings.Finding::share).reversed()
        .thenComparing(Comparator.comparingLong(QualityFindings.Finding::count).reversed())
        .thenComparing(QualityFindings.Finding::kind)
        .thenComparing(f -> nz(f.spanName())).thenComparing(f -> nz(f.attributeKey()))
        .thenComparing(f -> nz(f.peerService()));
    byService.values().forEach(l -> l.sort(hurt));
    Set<String> names = new HashSet<>(totals.keySet());
    names.addAll(byService.keySet());
    List<QualityFindings.ServiceSummary> summary = new ArrayList<>();
    for (String s : names) {
      List<QualityFindings.Finding> fs = byService.getOrDefault(s, List.of());
      Set<String> kinds = new HashSet<>();
      fs.forEach(f -> kinds.add(f.kind()));
      QualityFindings.Finding worst = fs.isEmpty() ? null : fs.get(0);
      summary.add(new QualityFindings.ServiceSummary(s, totals.getOrDefault(s, 0L), fs.size(), kinds.size(),
          worst == null ? 0 : worst.share(), worst == null ? null : worst.kind()));
    }
    summary.sort(Comparator.comparingDouble(QualityFindings.ServiceSummary::worstShare).reversed()
        .thenComparing(QualityFindings.ServiceSummary::service, Comparator.nullsFirst(Comparator.naturalOrder())));
    List<QualityFindings.Finding> findings = service == null ? List.of() : byService.getOrDefault(service, List.of());
    return new QualityFindings(first, bucket, summary, findings);
  }

  private static String findingKey() {
    return str("quality.kind") + " AS kind, " + str("quality.span_name") + " AS span_name, "
        + str("quality.attribute_key") + " AS attribute_key, " + str("quality.peer_service") + " AS peer_service";
  }

  // ================================================================== cost

  private static final class CostAgg {
    long spans;
    long traces;
    long bytes;
    long attributeBytes;
  }

  /** The cost breakdown of {@code [fromNanos, toNanos]}; span names and attribute keys for {@code service} only. */
  public QualityCost cost(String service, long fromNanos, long toNanos) {
    if (fromNanos > toNanos) {
      throw new BadQueryException("start is after end");
    }
    Map<String, Map<String, CostAgg>> byService = new HashMap<>();
    Map<String, List<QualityCost.AttributeCost>> attributes = new HashMap<>();
    long[] times = {Long.MAX_VALUE, Long.MIN_VALUE, 0};
    try (Partitions.Lease lease = store.partitions().lease()) {
      List<Partition> parts = lease.overlapping(fromNanos, toNanos);
      if (parts.isEmpty()) {
        return new QualityCost(0, 0, List.of());
      }
      // Every service: the shares are of all bytes, and the rates of the time the reports cover.
      Sql sql = new Sql().add("WITH r AS (");
      reports(sql, parts, List.of(COST), fromNanos, toNanos, null);
      sql.add("), c AS (SELECT service_name AS service, time_ns, " + str("cost.span_name") + " AS name, "
          + num("cost.spans") + " AS spans, " + num("cost.traces") + " AS traces, " + num("cost.bytes") + " AS bytes, "
          + num("cost.attribute_bytes") + " AS ab, " + num("quality.interval_seconds") + " AS iv FROM r)"
          + " SELECT service, name, sum(spans), sum(traces), sum(bytes), sum(ab), min(time_ns), max(time_ns), max(iv)"
          + " FROM c WHERE name IS NOT NULL GROUP BY ALL");
      query(sql, r -> {
        CostAgg a = byService.computeIfAbsent(r.getString(1), k -> new HashMap<>())
            .computeIfAbsent(r.getString(2), k -> new CostAgg());
        a.spans += r.getLong(3);
        a.traces += r.getLong(4);
        a.bytes += r.getLong(5);
        a.attributeBytes += r.getLong(6);
        times[0] = Math.min(times[0], r.getLong(7));
        times[1] = Math.max(times[1], r.getLong(8));
        times[2] = Math.max(times[2], r.getLong(9));
      });
      Sql attrs = new Sql().add("WITH r AS (");
      reports(attrs, parts, List.of(COST_ATTRIBUTE), fromNanos, toNanos, service);
      attrs.add("), c AS (SELECT service_name AS service, " + str("cost.attribute_key") + " AS k, " + num("cost.bytes")
          + " AS bytes, " + num("cost.count") + " AS n FROM r)"
          + " SELECT service, k, sum(bytes) AS b, sum(n) FROM c WHERE k IS NOT NULL GROUP BY service, k"
          + " QUALIFY row_number() OVER (PARTITION BY service ORDER BY sum(bytes) DESC, k) <= " + MAX_ATTRIBUTES
          + " ORDER BY service, b DESC, k");
      query(attrs, r -> attributes.computeIfAbsent(r.getString(1), k -> new ArrayList<>())
          .add(new QualityCost.AttributeCost(r.getString(2), r.getLong(3), r.getLong(4), 0)));
    }
    if (byService.isEmpty()) {
      return new QualityCost(0, 0, List.of());
    }
    // The reports cover from the start of the first interval to the end of the last one, within the range.
    long interval = (times[2] > 0 ? times[2] : DEFAULT_INTERVAL_SECONDS) * SECOND;
    long covered = Math.min(times[1] - times[0] + interval, toNanos - fromNanos);
    double seconds = Math.max(covered, SECOND) / 1e9;
    long totalBytes = 0;
    Map<String, long[]> sums = new HashMap<>(); // service -> traces, spans, bytes, attribute bytes
    for (Map.Entry<String, Map<String, CostAgg>> e : byService.entrySet()) {
      CostAgg all = e.getValue().get(ALL_SPANS);
      long traces = 0;
      long spans = 0;
      long bytes = 0;
      long ab = 0;
      for (Map.Entry<String, CostAgg> n : e.getValue().entrySet()) {
        if (!n.getKey().equals(ALL_SPANS)) {
          traces = Math.max(traces, n.getValue().traces);
          spans += n.getValue().spans;
          bytes += n.getValue().bytes;
          ab += n.getValue().attributeBytes;
        }
      }
      if (all != null) {
        traces = all.traces;
        spans = all.spans > 0 ? all.spans : spans;
        bytes = bytes > 0 ? bytes : all.bytes;
        ab = ab > 0 ? ab : all.attributeBytes;
      }
      sums.put(e.getKey(), new long[] {traces, spans, bytes, ab});
      totalBytes += bytes;
    }
    List<QualityCost.ServiceCost> out = new ArrayList<>();
    for (Map.Entry<String, long[]> e : sums.entrySet()) {
      String svc = e.getKey();
      long[] s = e.getValue();
      List<QualityCost.SpanNameCost> names = new ArrayList<>();
      byService.get(svc).forEach((name, a) -> {
        if (!name.equals(ALL_SPANS)) {
          names.add(new QualityCost.SpanNameCost(name, a.spans, a.traces, a.bytes, a.attributeBytes,
              a.spans / seconds, ratio(a.spans, s[0]), ratio(a.bytes, a.spans), ratio(a.bytes, s[2])));
        }
      });
      names.sort(Comparator.comparingLong(QualityCost.SpanNameCost::bytes).reversed()
          .thenComparing(QualityCost.SpanNameCost::name));
      List<QualityCost.AttributeCost> keys = new ArrayList<>();
      for (QualityCost.AttributeCost a : attributes.getOrDefault(svc, List.of())) {
        keys.add(new QualityCost.AttributeCost(a.key(), a.bytes(), a.count(), ratio(a.bytes(), s[2])));
      }
      double tracesPerSecond = s[0] / seconds;
      double spansPerTrace = ratio(s[1], s[0]);
      double bytesPerSpan = ratio(s[2], s[1]);
      double share = ratio(s[2], totalBytes);
      QualityCost.Lever lever = Levers.choose(s[2], s[3], s[1], spansPerTrace, bytesPerSpan, tracesPerSecond, share,
          sums.size(), names, keys);
      boolean detailed = svc.equals(service);
      if (service != null && !detailed) {
        continue;
      }
      out.add(new QualityCost.ServiceCost(svc, s[0], s[1], s[2], s[3], tracesPerSecond, spansPerTrace, bytesPerSpan,
          share, lever, detailed ? names : List.of(), detailed ? keys : List.of()));
    }
    out.sort(Comparator.comparingLong(QualityCost.ServiceCost::bytes).reversed()
        .thenComparing(QualityCost.ServiceCost::service));
    return new QualityCost(seconds, totalBytes, out);
  }

  private static double ratio(long a, long b) {
    return b == 0 ? 0 : (double) a / b;
  }

  // ================================================================== SQL

  /**
   * Appends the report rows of {@code events} in the range (a UNION over the partitions): service
   * name, time, ids, event name and the attributes as a DuckDB list of {key, value} structs ({@code a}).
   */
  private static void reports(Sql sql, List<Partition> parts, List<String> events, long from, long to,
      String service) {
    reports(sql, parts, events, from, to, service, null);
  }

  /** The same, with a condition on the raw row ({@code null}: none) checked before the JSON is parsed. */
  private static void reports(Sql sql, List<Partition> parts, List<String> events, long from, long to,
      String service, String rawCondition) {
    for (int i = 0; i < parts.size(); i++) {
      String p = parts.get(i).alias();
      if (i > 0) {
        sql.add(" UNION ALL ");
      }
      sql.add("SELECT service_name, time_ns, trace_hi, trace_lo, span_id, event_name, json_transform(attributes, "
          + KV_TYPE + ") AS a FROM " + p + ".logs WHERE event_name IN (");
      for (int j = 0; j < events.size(); j++) {
        sql.add(j == 0 ? "?" : ", ?", events.get(j));
      }
      sql.add(") AND time_ns >= ? AND time_ns <= ?", from, to);
      if (service != null) {
        sql.add(" AND service_name = ?", service);
      }
      if (rawCondition != null) {
        sql.add(" AND (" + rawCondition + ")");
      }
      sql.add(" AND scid IN (SELECT scid FROM " + p + ".scopes WHERE name = ?)", SCOPE);
      sql.add(" AND rid IN (" + internalResources(p) + ")");
    }
  }

  /** The rids of a partition's internal resources ({@code traceyard.internal = true}). */
  public static String internalResources(String partitionAlias) {
    return "SELECT rid FROM " + partitionAlias + ".resource_attrs WHERE key = '" + INTERNAL_KEY + "' AND str = 'true'";
  }

  /** A string attribute of the report ({@code a}), NULL when absent or empty. */
  private static String str(String key) {
    return "nullif((list_filter(a, lambda x: x.key = '" + key + "'))[1].value.stringValue, '')";
  }

  /** An integer attribute of the report, NULL when absent (a double is rounded). */
  private static String num(String key) {
    String v = "(list_filter(a, lambda x: x.key = '" + key + "'))[1].value";
    return "coalesce(TRY_CAST(" + v + ".intValue AS BIGINT), TRY_CAST(" + v + ".doubleValue AS BIGINT))";
  }

  private void query(Sql sql, SqlRunner.RowHandler handler) {
    SqlRunner.query(store, sql, handler);
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }
}
