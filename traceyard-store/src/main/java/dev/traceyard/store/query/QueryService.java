package dev.traceyard.store.query;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.traceyard.store.codec.OtlpValuesJson;
import dev.traceyard.store.db.AttrValues;
import dev.traceyard.store.db.Partition;
import dev.traceyard.store.db.Partitions;
import dev.traceyard.store.db.Store;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogram;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Histogram;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.Sum;
import io.opentelemetry.proto.metrics.v1.Summary;
import io.opentelemetry.proto.metrics.v1.SummaryDataPoint;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads the store: traces by id (rebuilt as OTLP), trace search with stable paging, services and
 * span names, attribute autocompletion, RED series, the service graph, logs of a trace, metrics.
 * Thread-safe; each call borrows a read connection and holds a partition lease while it runs.
 */
public final class QueryService {
  /**
   * How far around a search window spans of matching traces are looked for when summarising them:
   * a trace that started a little before the window still shows its real start and root.
   */
  static final long CONTEXT_NANOS = 3_600_000_000_000L;
  private static final long LOG_CONTEXT_NANOS = 600_000_000_000L;
  /** The first search window (at least; else 1/64 of the range), grown 4-fold until a page is full. */
  private static final long MIN_SEARCH_WINDOW_NANOS = 10_000_000_000L;
  /** Up to this many sid ranges per partition are given to DuckDB as an OR of ranges. */
  private static final int MAX_OR_RANGES = 32;
  /**
   * Up to this many matching dictionary ids of a span-attribute filter are written into the search
   * statement as constants, {@code list_contains(attr_vids, id) OR ...} (each ~15 ms per 1M spans);
   * beyond, the filter is a semi-join over the window's unnested ids (~100 ms per 1M spans whatever
   * the number of ids). {@code list_has_any} is slow even with a constant list (~400 ms per 1M spans).
   */
  private static final int MAX_LITERAL_VIDS = 6;

  private final Store store;
  private final QualityQueries quality;

  public QueryService(Store store) {
    this.store = Objects.requireNonNull(store, "store");
    this.quality = new QualityQueries(store);
  }

  /** What the trace_quality processor reported: findings and cost (the "Instrumentation health" page). */
  public QualityQueries quality() {
    return quality;
  }

  /** Now, by the store's clock, in unix nanoseconds. */
  public long nowNanos() {
    Instant t = store.clock().instant();
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }

  // ================================================================== traces by id

  /** The trace rebuilt as one OTLP request (spans grouped by resource and scope), or empty when unknown. */
  public Optional<ExportTraceServiceRequest> trace(TraceId id) {
    Map<TraceId, ExportTraceServiceRequest> found = traces(List.of(id));
    return Optional.ofNullable(found.get(id));
  }

  /** The traces found among {@code ids}, in the order asked. */
  public Map<TraceId, ExportTraceServiceRequest> traces(Collection<TraceId> ids) {
    Map<TraceId, ExportTraceServiceRequest> out = new LinkedHashMap<>();
    if (ids.isEmpty()) {
      return out;
    }
    List<TraceId> unique = new ArrayList<>(new LinkedHashSet<>(ids));
    try (Partitions.Lease lease = store.partitions().lease()) {
      List<SidRange> ranges = locate(lease.all(), unique, null);
      if (ranges.isEmpty()) {
        return out;
      }
      Set<TraceId> wanted = new HashSet<>(unique);
      List<SpanRow> spanRows = readSpans(byPartition(ranges), wanted);
      addExtras(spanRows, ranges);
      resolveParentOffsets(spanRows);
      // The order of the former SQL: spans by start, then span id (as signed BIGINT).
      spanRows.sort(Comparator.comparingLong(SpanRow::startNanos).thenComparingLong(SpanRow::spanId));
      Map<TraceId, Grouper<Span>> byTrace = new HashMap<>();
      List<Ref> refs = new ArrayList<>(spanRows.size());
      for (SpanRow row : spanRows) {
        refs.add(new Ref(row.part, row.rid, row.scid));
      }
      Map<String, Map<Integer, KeyValue>> values = cachedAttributeValues(lease, spanRows);
      for (SpanRow row : spanRows) {
        Map<Integer, KeyValue> partValues = values.getOrDefault(row.part, Map.of());
        for (int vid : row.vids) {
          KeyValue kv = partValues.get(vid);
          if (kv == null) { // the store lost a dictionary row: fail loudly rather than answer without it
            throw new StoreQueryException("span attribute value " + vid + " missing in partition " + row.part, null);
          }
          row.span.addAttributes(kv);
        }
      }
      Dictionaries dict = cachedDictionaries(lease, refs);
      for (int j = 0; j < spanRows.size(); j++) {
        SpanRow row = spanRows.get(j);
        Ref ref = refs.get(j);
        byTrace.computeIfAbsent(row.trace, k -> new Grouper<>()).add(dict.resource(ref.part, ref.rid),
            dict.scope(ref.part, ref.scid), row.span.build());
      }
      for (TraceId id : unique) {
        Grouper<Span> g = byTrace.get(id);
        if (g != null) {
          out.put(id, g.toTraces());
        }
      }
      return out;
    }
  }

  /**
   * Up to {@code n} distinct ids of stored traces, sampled from the newest partitions' trace index
   * first (what users are likeliest to open); empty when nothing is stored. For warming the read path
   * up after a start ({@code QueryWarmUp}).
   */
  public List<TraceId> sampleTraceIds(int n) {
    Set<TraceId> out = new LinkedHashSet<>();
    try (Partitions.Lease lease = store.partitions().lease()) {
      List<Partition> parts = new ArrayList<>(lease.all());
      Collections.reverse(parts);
      for (Partition p : parts) {
        int want = n - out.size();
        if (want <= 0) {
          break;
        }
        // A reservoir over the narrow index (one pass, a few ms per million traces); a fixed seed
        // keeps the choice reproducible for a given store.
        query(new Sql().add("SELECT trace_hi, trace_lo FROM " + p.alias() + ".trace_index USING SAMPLE reservoir("
            + want + " ROWS) REPEATABLE (7)"), r -> out.add(new TraceId(r.getLong(1), r.getLong(2))));
      }
    }
    return new ArrayList<>(out);
  }

  /** The columns of the trace-by-id span statement, read by {@link #spanRow}. */
  private static final String SPAN_COLUMNS = "trace_hi, trace_lo, span_id, parent_span_id, trace_state, flags, name,"
      + " kind, start_ns, start_ns + duration_ns AS end_ns, status_code, status_message, rid, scid,"
      + " dropped_attributes_count, events, dropped_events_count, links, dropped_links_count, attr_vids,"
      + " sid, parent_off";

  /**
   * The span rows of {@code byPart}'s sid ranges that belong to {@code wanted}, in one statement.
   *
   * <p>The writer numbers a partition's spans 0, 1, 2, ... in the order it appends them and never
   * deletes one, so a span's sid is its row number and a range is fetched by {@code rowid}: DuckDB
   * then reads only the vectors holding those rows, where a filter on {@code sid} scans the sid column
   * of a whole row group first (half the CPU of a lookup whose blocks are not cached yet). Each row's
   * sid is checked against its row number; a partition where they differ, or rows are missing, is
   * read again by sid (the answer never depends on that numbering). The spans come with their
   * attributes as dictionary ids; the attribute values, resources and scopes come from the
   * per-partition cache instead of a join (a join costs as much as the span read itself), and the
   * order is restored by the caller rather than by a SQL sort.
   */
  private List<SpanRow> readSpans(Map<String, List<SidRange>> byPart, Set<TraceId> wanted) {
    Map<String, List<SidRange>> byRowid = new LinkedHashMap<>();
    Map<String, List<SidRange>> bySid = new LinkedHashMap<>();
    for (Map.Entry<String, List<SidRange>> e : byPart.entrySet()) {
      (e.getValue().size() <= MAX_OR_RANGES ? byRowid : bySid).put(e.getKey(), e.getValue());
    }
    List<SpanRow> rows = new ArrayList<>();
    if (!byRowid.isEmpty()) {
      Map<String, List<SpanRow>> got = new LinkedHashMap<>();
      byRowid.keySet().forEach(part -> got.put(part, new ArrayList<>()));
      Set<String> mismatched = new HashSet<>();
      // The text repeats for every single-trace lookup over the same partitions: a kept statement.
      SqlRunner.queryPrepared(store, spanStatement(byRowid, true), r -> {
        String part = r.getString(1);
        TraceId id = new TraceId(r.getLong(2), r.getLong(3));
        if (r.getLong(22) != r.getLong(24)) { // sid is not the row number here
          mismatched.add(part);
        } else if (wanted.contains(id)) {
          got.get(part).add(spanRow(part, id, r));
        }
      });
      for (Map.Entry<String, List<SpanRow>> e : got.entrySet()) {
        int expected = 0;
        for (SidRange range : byRowid.get(e.getKey())) {
          expected += range.count();
        }
        if (mismatched.contains(e.getKey()) || e.getValue().size() != expected) {
          bySid.put(e.getKey(), byRowid.get(e.getKey()));
        } else {
          rows.addAll(e.getValue());
        }
      }
    }
    if (!bySid.isEmpty()) {
      query(spanStatement(bySid, false), r -> {
        TraceId id = new TraceId(r.getLong(2), r.getLong(3));
        if (wanted.contains(id)) { // else a span of another trace within the bounds of many ranges
          rows.add(spanRow(r.getString(1), id, r));
        }
      });
    }
    return rows;
  }

  /**
   * The span rows of {@code parts}' ranges, one {@code UNION ALL} member per partition: by row number
   * ({@link #SPAN_COLUMNS} plus {@code rowid}, at most {@link #MAX_OR_RANGES} ranges a partition) or
   * by sid.
   */
  private static Sql spanStatement(Map<String, List<SidRange>> parts, boolean byRowid) {
    Sql sql = new Sql();
    int i = 0;
    for (Map.Entry<String, List<SidRange>> e : parts.entrySet()) {
      sql.add(i++ > 0 ? " UNION ALL " : "");
      sql.add("SELECT '" + e.getKey() + "' AS part, " + SPAN_COLUMNS + (byRowid ? ", rowid" : "") + " FROM "
          + e.getKey() + ".spans WHERE ");
      sidRanges(sql, byRowid ? "rowid" : "sid", e.getValue());
    }
    return sql;
  }

  /**
   * The span_extras rows (trace state, status message, events, links; Schema) of the spans read, in
   * one small statement over the ranges whose index row counts some (trace_index.extras_count): most
   * traces have none and skip it.
   */
  private void addExtras(List<SpanRow> rows, List<SidRange> ranges) {
    Map<String, List<SidRange>> withExtras = byPartition(ranges.stream().filter(SidRange::extras).toList());
    if (withExtras.isEmpty()) {
      return;
    }
    Sql sql = new Sql();
    int i = 0;
    for (Map.Entry<String, List<SidRange>> e : withExtras.entrySet()) {
      sql.add(i++ > 0 ? " UNION ALL " : "");
      sql.add("SELECT '" + e.getKey() + "' AS part, sid, extras FROM " + e.getKey() + ".span_extras WHERE ");
      if (e.getValue().size() > MAX_OR_RANGES) {
        sidBounds(sql, "sid", e.getValue()); // rows of other traces are never looked up
      } else {
        sidRanges(sql, "sid", e.getValue());
      }
    }
    Map<String, Map<Long, String>> extrasBySid = new HashMap<>();
    query(sql, r -> extrasBySid.computeIfAbsent(r.getString(1), k -> new HashMap<>()).put(r.getLong(2), r.getString(3)));
    for (SpanRow row : rows) {
      String extras = extrasBySid.getOrDefault(row.part, Map.of()).get(row.sid);
      if (extras != null) {
        addExtras(row.span, OtlpValuesJson.parseSpanExtras(extras));
      }
    }
  }

  /**
   * The spans of one trace written by one write group into one partition: sids {@code minSid .. minSid + count - 1};
   * {@code extras}: some of them have a span_extras row (trace_index.extras_count).
   */
  private record SidRange(String part, TraceId trace, long minSid, int count, boolean extras) {
    long maxSid() {
      return minSid + count - 1;
    }
  }

  private static Map<String, List<SidRange>> byPartition(List<SidRange> ranges) {
    Map<String, List<SidRange>> out = new LinkedHashMap<>();
    for (SidRange r : ranges) {
      out.computeIfAbsent(r.part, k -> new ArrayList<>()).add(r);
    }
    return out;
  }

  /**
   * Appends a condition selecting the sids of {@code ranges} (all of one partition): the ranges
   * themselves (DuckDB checks an OR of ranges against each row group's zone map), or, for many
   * ranges, their bounds plus the traces' high id halves (callers check the full trace id).
   */
  private static void sidRanges(Sql sql, String column, List<SidRange> ranges) {
    if (ranges.size() > MAX_OR_RANGES) {
      sidBounds(sql, column, ranges);
      Set<Long> his = new LinkedHashSet<>();
      ranges.forEach(r -> his.add(r.trace.hi()));
      String table = column.contains(".") ? column.substring(0, column.indexOf('.') + 1) : "";
      sql.add(" AND " + table + "trace_hi IN (");
      int i = 0;
      for (long hi : his) {
        sql.add(i++ == 0 ? "?" : ", ?", hi);
      }
      sql.add(")");
      return;
    }
    sql.add("(");
    for (int i = 0; i < ranges.size(); i++) {
      sql.add((i == 0 ? "" : " OR ") + column + " BETWEEN ? AND ?", ranges.get(i).minSid, ranges.get(i).maxSid());
    }
    sql.add(")");
  }

  private static void sidBounds(Sql sql, String column, List<SidRange> ranges) {
    long lo = Long.MAX_VALUE;
    long hi = Long.MIN_VALUE;
    for (SidRange r : ranges) {
      lo = Math.min(lo, r.minSid);
      hi = Math.max(hi, r.maxSid());
    }
    sql.add(column + " BETWEEN ? AND ?", lo, hi);
  }

  /**
   * Where the spans of {@code ids} are, from the narrow trace index: one sid range per trace, partition
   * and write group ({@code seq <= maxSeq} only, unless null).
   */
  private List<SidRange> locate(List<Partition> parts, Collection<TraceId> ids, Long maxSeq) {
    List<SidRange> out = new ArrayList<>();
    if (parts.isEmpty() || ids.isEmpty()) {
      return out;
    }
    Set<TraceId> wanted = new HashSet<>(ids);
    Set<Long> his = new LinkedHashSet<>();
    for (TraceId id : ids) {
      his.add(id.hi());
    }
    Sql sql = new Sql();
    for (int i = 0; i < parts.size(); i++) {
      Partition p = parts.get(i);
      if (i > 0) {
        sql.add(" UNION ALL ");
      }
      sql.add("SELECT '" + p.alias() + "' AS part, trace_hi, trace_lo, min_sid, span_count, extras_count FROM " + p.alias()
          + ".trace_index WHERE ");
      // Constant filters are pushed into the scan (and, in a compacted partition sorted by trace id,
      // skip most row groups by their zone maps); the low half is checked below for several ids.
      if (ids.size() == 1) {
        TraceId id = ids.iterator().next();
        sql.add("trace_hi = ? AND trace_lo = ?", id.hi(), id.lo());
      } else {
        sql.add("trace_hi IN (");
        int j = 0;
        for (long hi : his) {
          sql.add(j++ == 0 ? "?" : ", ?", hi);
        }
        sql.add(")");
      }
      if (maxSeq != null) {
        sql.add(" AND seq <= ?", maxSeq);
      }
    }
    SqlRunner.RowHandler handler = r -> {
      TraceId id = new TraceId(r.getLong(2), r.getLong(3));
      if (wanted.contains(id)) {
        out.add(new SidRange(r.getString(1), id, r.getLong(4), r.getInt(5), r.getInt(6) > 0));
      }
    };
    if (ids.size() == 1) {
      SqlRunner.queryPrepared(store, sql, handler); // the same text for every single-trace lookup
    } else {
      query(sql, handler);
    }
    return out;
  }

  /** A span row of the trace-by-id statement, its attributes still to add. */
  private record SpanRow(String part, TraceId trace, int rid, int scid, long startNanos, long spanId, int[] vids,
      long sid, Integer parentOff, Span.Builder span) {}

  /**
   * Sets the parent id of spans stored with a parent offset (Schema: parent_off): the parent is the
   * row {@code sid - parent_off} of the same partition, which belongs to the same trace and write
   * group and so was read with the span.
   */
  private static void resolveParentOffsets(List<SpanRow> rows) {
    Map<String, Map<Long, Long>> spanIdBySid = null;
    for (SpanRow row : rows) {
      if (row.parentOff == null) {
        continue;
      }
      if (spanIdBySid == null) {
        spanIdBySid = new HashMap<>();
        for (SpanRow r : rows) {
          spanIdBySid.computeIfAbsent(r.part, k -> new HashMap<>()).put(r.sid, r.spanId);
        }
      }
      Long parent = spanIdBySid.get(row.part).get(row.sid - row.parentOff);
      if (parent == null) { // cannot happen unless rows were lost: fail loudly rather than answer a root
        throw new StoreQueryException("parent row " + (row.sid - row.parentOff) + " of span row " + row.sid
            + " missing in partition " + row.part, null);
      }
      row.span.setParentSpanId(Ids.spanIdBytes(parent));
    }
  }

  /** The span of a row of the trace-by-id statement, without its attributes (ids in {@code vids}). */
  private static SpanRow spanRow(String part, TraceId id, ResultSet r) throws SQLException {
    long spanId = r.getLong(4);
    long startNanos = r.getLong(10);
    Span.Builder b = Span.newBuilder()
        .setTraceId(id.toBytes())
        .setSpanId(Ids.spanIdBytes(spanId));
    long parent = r.getLong(5);
    if (!r.wasNull()) {
      b.setParentSpanId(Ids.spanIdBytes(parent));
    }
    // Trace state, status message, events and links are NULL here when they are in span_extras
    // (Schema), set here in rows written before that table existed.
    b.setTraceState(nz(r.getString(6))).setFlags(r.getInt(7)).setName(nz(r.getString(8))).setKindValue(r.getInt(9))
        .setStartTimeUnixNano(startNanos).setEndTimeUnixNano(r.getLong(11));
    int code = r.getInt(12);
    String message = nz(r.getString(13));
    if (code != 0 || !message.isEmpty()) {
      b.setStatus(Status.newBuilder().setCodeValue(code).setMessage(message));
    }
    b.setDroppedAttributesCount(r.getInt(16))
        .addAllEvents(OtlpValuesJson.parseEvents(r.getString(17)))
        .setDroppedEventsCount(r.getInt(18))
        .addAllLinks(OtlpValuesJson.parseLinks(r.getString(19)))
        .setDroppedLinksCount(r.getInt(20));
    long sid = r.getLong(22);
    int off = r.getInt(23);
    Integer parentOff = r.wasNull() ? null : off;
    return new SpanRow(part, id, r.getInt(14), r.getInt(15), startNanos, spanId, vids(r.getArray(21)), sid, parentOff, b);
  }


  /** Adds a span's span_extras row (its span row has those fields NULL). */
  private static void addExtras(Span.Builder b, OtlpValuesJson.SpanExtras x) {
    if (!x.traceState().isEmpty()) {
      b.setTraceState(x.traceState());
    }
    if (!x.statusMessage().isEmpty()) {
      b.getStatusBuilder().setMessage(x.statusMessage());
    }
    b.addAllEvents(x.events()).addAllLinks(x.links());
  }

  private record Ref(String part, int rid, int scid) {}

  /** A span's attribute ids ({@code attr_vids}), in order; none for NULL. */
  private static int[] vids(java.sql.Array list) throws SQLException {
    if (list == null) {
      return new int[0];
    }
    Object[] values = (Object[]) list.getArray();
    int[] out = new int[values.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = ((Number) values[i]).intValue();
    }
    return out;
  }

  // ================================================================== search

  /** Traces matching {@code q}, most recent first, one page at a time. */
  public SearchResult search(TraceQuery q) {
    long filterHash = Cursor.hash(q.filterKey());
    long seq;
    long from;
    long to;
    Cursor after = null;
    if (q.cursor() != null && !q.cursor().isEmpty()) {
      after = Cursor.decode(q.cursor());
      if (after.filterHash() != filterHash) {
        throw new BadQueryException("the cursor belongs to a different search (the filters changed)");
      }
      seq = after.seq();
      from = after.startNanos();
      to = after.endNanos();
    } else {
      seq = store.committedSeq();
      from = q.startNanos();
      to = q.endNanos();
    }
    try (Partitions.Lease lease = store.partitions().lease()) {
      if (lease.overlapping(from, to).isEmpty()) {
        return new SearchResult(List.of(), null);
      }
      // Newest first, so the newest matches are found by scanning the end of the range: span start
      // times in [w1, to] give every match whose trace starts at or after w1, complete and exact
      // (all of such a trace's spans start at or after w1). When that yields more than a page, the
      // page is the same as over the whole range; otherwise the window grows 4-fold. Zone maps on
      // start_ns and sid keep the scans to the window's row groups.
      long top = newestStart(lease.overlapping(from, to), seq, from,
          after == null ? to : Math.min(to, after.lastStart()));
      long window = Math.max(MIN_SEARCH_WINDOW_NANOS, (top - from) / 64);
      List<TraceId> ids = new ArrayList<>();
      List<Long> starts = new ArrayList<>();
      // A trace's start is the minimum over all its trace index rows, also those of partitions before
      // the window (a long trace with a recent matching span is listed at its real, early start).
      List<Partition> context = lease.overlapping(from - CONTEXT_NANOS, to + CONTEXT_NANOS);
      Map<String, int[][]> vids = spanAttributeIds(lease.overlapping(from, to), q);
      while (true) {
        long w1 = top - window > from ? top - window : from;
        boolean whole = w1 == from;
        ids.clear();
        starts.clear();
        searchWindow(lease.overlapping(w1, to), context, q, vids, seq, w1, to, whole, after, ids, starts);
        if (whole || ids.size() > q.limit()) {
          break;
        }
        // Nothing at all in the window: matches are rare or absent, so the whole range at once (one
        // scan) instead of widening step by step (~1.3 scans plus per-step costs when nothing matches).
        window = ids.isEmpty() || window > Long.MAX_VALUE / 8 ? Long.MAX_VALUE / 2 : window * 4;
      }
      boolean more = ids.size() > q.limit();
      if (more) {
        ids.remove(ids.size() - 1);
        starts.remove(starts.size() - 1);
      }
      Map<TraceId, TraceSummary> summaries = summaries(context, seq, ids);
      List<TraceSummary> page = new ArrayList<>();
      for (TraceId id : ids) {
        TraceSummary s = summaries.get(id);
        if (s != null) {
          page.add(s);
        }
      }
      String next = null;
      if (more) {
        TraceId last = ids.get(ids.size() - 1);
        next = new Cursor(seq, from, to, starts.get(starts.size() - 1), last.hi(), last.lo(), filterHash).encode();
      }
      return new SearchResult(page, next);
    }
  }

  /**
   * The newest span start in {@code [from, top]} (or {@code top} when there is none), so that the
   * windows begin where the data ends: a range reaching past the newest data (the UI's "last hour"
   * on a quiet service) costs one column scan of the newest partition instead of empty windows.
   */
  private long newestStart(List<Partition> parts, long seq, long from, long top) {
    for (int i = parts.size() - 1; i >= 0; i--) {
      long[] max = {Long.MIN_VALUE};
      query(new Sql().add("SELECT max(start_ns) FROM " + parts.get(i).alias() + ".spans WHERE start_ns >= ?"
          + " AND start_ns <= ? AND seq <= ?", from, top, seq), r -> {
            long v = r.getLong(1);
            if (!r.wasNull()) {
              max[0] = v;
            }
          });
      if (max[0] != Long.MIN_VALUE) {
        return max[0];
      }
    }
    return top;
  }

  /**
   * One search window: traces with a matching span starting in {@code [w1, to]} and, unless
   * {@code whole}, starting at or after {@code w1} themselves; newest first, at most a page and one.
   */
  private void searchWindow(List<Partition> match, List<Partition> context, TraceQuery q, Map<String, int[][]> vids,
      long seq, long w1, long to, boolean whole, Cursor after, List<TraceId> ids, List<Long> starts) {
    List<Partition> candidates = new ArrayList<>();
    boolean semiJoin = false;
    for (Partition p : match) {
      int[][] pv = vids.get(p.alias());
      if (!hasNoMatch(q, pv)) {
        candidates.add(p);
        semiJoin |= pv != null && Arrays.stream(pv).anyMatch(Objects::isNull);
      }
    }
    match = candidates;
    if (match.isEmpty()) {
      return;
    }
    // The sids of the window's spans, per partition, for filters matching too many dictionary
    // entries to list: their ids are unnested for those spans only.
    Map<String, long[]> sids = new HashMap<>();
    if (semiJoin) {
      Sql bounds = new Sql();
      for (int i = 0; i < match.size(); i++) {
        if (i > 0) {
          bounds.add(" UNION ALL ");
        }
        String a = match.get(i).alias();
        bounds.add("SELECT '" + a + "', min(sid), max(sid) FROM " + a + ".spans WHERE start_ns >= ? AND start_ns <= ?",
            w1, to);
      }
      query(bounds, r -> {
        long lo = r.getLong(2);
        if (!r.wasNull()) {
          sids.put(r.getString(1), new long[] {lo, r.getLong(3)});
        }
      });
    }
    Sql sql = new Sql().add("WITH m AS (SELECT DISTINCT trace_hi, trace_lo FROM (");
    int n = 0;
    for (Partition p : match) {
      long[] range = sids.get(p.alias());
      if (semiJoin && range == null) {
        continue; // no span in the window
      }
      if (n++ > 0) {
        sql.add(" UNION ALL ");
      }
      matchingSpans(sql, p, q, vids.get(p.alias()), seq, w1, to, range);
    }
    if (n == 0) {
      return;
    }
    sql.add(")), ti AS (");
    for (int i = 0; i < context.size(); i++) {
      if (i > 0) {
        sql.add(" UNION ALL ");
      }
      sql.add("SELECT trace_hi, trace_lo, min_start_ns FROM " + context.get(i).alias() + ".trace_index WHERE seq <= ?",
          seq);
    }
    sql.add(") SELECT ti.trace_hi, ti.trace_lo, min(ti.min_start_ns) AS start_ns FROM ti"
        + " JOIN m ON ti.trace_hi = m.trace_hi AND ti.trace_lo = m.trace_lo GROUP BY ti.trace_hi, ti.trace_lo"
        + " HAVING true");
    if (!whole) {
      sql.add(" AND min(ti.min_start_ns) >= ?", w1);
    }
    if (after != null) {
      sql.add(" AND (min(ti.min_start_ns) < ? OR (min(ti.min_start_ns) = ? AND (ti.trace_hi < ?"
          + " OR (ti.trace_hi = ? AND ti.trace_lo < ?))))", after.lastStart(), after.lastStart(), after.lastHi(),
          after.lastHi(), after.lastLo());
    }
    sql.add(" ORDER BY start_ns DESC, ti.trace_hi DESC, ti.trace_lo DESC LIMIT ?", q.limit() + 1);
    query(sql, r -> {
      ids.add(new TraceId(r.getLong(1), r.getLong(2)));
      starts.add(r.getLong(3));
    });
  }

  /**
   * The dictionary ids matching each span-attribute filter of {@code q} (indexed like
   * {@code q.attributes()}; null for resource filters and for more than {@link #MAX_LITERAL_VIDS}
   * ids), per partition alias, in one statement over the small dictionaries. Read once per search:
   * the spans a search can see (seq at most its own) only hold ids committed before it started.
   */
  private Map<String, int[][]> spanAttributeIds(List<Partition> parts, TraceQuery q) {
    Map<String, int[][]> out = new HashMap<>();
    List<AttributeFilter> filters = q.attributes();
    Sql sql = new Sql();
    int n = 0;
    for (Partition p : parts) {
      String a = p.alias();
      out.put(a, new int[filters.size()][]);
      for (int fi = 0; fi < filters.size(); fi++) {
        AttributeFilter f = filters.get(fi);
        if (f.scope() == AttributeFilter.Scope.RESOURCE) {
          continue;
        }
        sql.add(n++ > 0 ? " UNION ALL " : "");
        sql.add("SELECT '" + a + "', " + fi + ", count(*), CASE WHEN count(*) <= " + MAX_LITERAL_VIDS
            + " THEN list(vid ORDER BY vid) END FROM " + a + ".span_attr_values WHERE key = ? AND ", f.key());
        valueCondition(sql, f);
      }
    }
    if (n == 0) {
      return out;
    }
    query(sql, r -> {
      int[][] byFilter = out.get(r.getString(1));
      int fi = r.getInt(2);
      long count = r.getLong(3);
      if (count == 0) {
        byFilter[fi] = new int[0];
      } else if (count <= MAX_LITERAL_VIDS) {
        byFilter[fi] = vids(r.getArray(4));
      } // else null: too many to list
    });
    return out;
  }

  /** Whether a span-scope filter matches no dictionary entry of the partition (so no span of it matches). */
  private static boolean hasNoMatch(TraceQuery q, int[][] vids) {
    if (vids == null) {
      return false;
    }
    for (int fi = 0; fi < vids.length; fi++) {
      if (q.attributes().get(fi).scope() == AttributeFilter.Scope.SPAN && vids[fi] != null && vids[fi].length == 0) {
        return true;
      }
    }
    return false;
  }

  /**
   * {@code vids}: the partition's dictionary ids per filter ({@link #spanAttributeIds}); {@code sids}:
   * the sid range of the spans in the window, for filters with too many ids (else null).
   */
  private static void matchingSpans(Sql sql, Partition p, TraceQuery q, int[][] vids, long seq, long from, long to,
      long[] sids) {
    String a = p.alias();
    sql.add("SELECT trace_hi, trace_lo FROM " + a + ".spans s WHERE s.seq <= ? AND s.start_ns >= ? AND s.start_ns <= ?",
        seq, from, to);
    if (sids != null) {
      sql.add(" AND s.sid BETWEEN ? AND ?", sids[0], sids[1]);
    }
    if (q.service() != null) {
      sql.add(" AND s.service_name = ?", q.service());
    }
    if (q.spanName() != null) {
      sql.add(" AND s.name = ?", q.spanName());
    }
    if (q.kind() != null) {
      sql.add(" AND s.kind = ?", q.kind());
    }
    if (q.statusCode() != null) {
      sql.add(" AND s.status_code = ?", q.statusCode());
    }
    if (q.minDurationNanos() != null) {
      sql.add(" AND s.duration_ns >= ?", q.minDurationNanos());
    }
    if (q.maxDurationNanos() != null) {
      sql.add(" AND s.duration_ns <= ?", q.maxDurationNanos());
    }
    for (int fi = 0; fi < q.attributes().size(); fi++) {
      AttributeFilter f = q.attributes().get(fi);
      switch (f.scope()) {
        case SPAN:
          sql.add(" AND ");
          spanAttributeFilter(sql, a, f, vids[fi], sids);
          break;
        case RESOURCE:
          sql.add(" AND s.rid IN (SELECT rid FROM " + a + ".resource_attrs WHERE key = ? AND ", f.key());
          valueCondition(sql, f);
          sql.add(")");
          break;
        default:
          sql.add(" AND (");
          spanAttributeFilter(sql, a, f, vids[fi], sids);
          sql.add(" OR s.rid IN (SELECT rid FROM " + a + ".resource_attrs WHERE key = ? AND ", f.key());
          valueCondition(sql, f);
          sql.add("))");
          break;
      }
    }
  }

  /**
   * Whether a span holds one of the dictionary entries matching {@code f}: with the few matching ids
   * found beforehand, {@code list_contains} with constants (a cheap check per row); with more ids, a
   * semi-join over the window's unnested ids and the filtered dictionary.
   */
  private static void spanAttributeFilter(Sql sql, String a, AttributeFilter f, int[] ids, long[] sids) {
    if (ids == null) {
      sql.add("s.sid IN (SELECT sid FROM (SELECT sid, unnest(attr_vids) AS vid FROM " + a + ".spans WHERE sid"
          + " BETWEEN ? AND ?) WHERE vid IN (SELECT vid FROM " + a + ".span_attr_values WHERE key = ? AND ",
          sids[0], sids[1], f.key());
      valueCondition(sql, f);
      sql.add("))");
    } else if (ids.length == 0) {
      sql.add("false");
    } else {
      StringBuilder any = new StringBuilder("(");
      for (int i = 0; i < ids.length; i++) {
        any.append(i == 0 ? "" : " OR ").append("list_contains(s.attr_vids, ").append(ids[i]).append(")");
      }
      sql.add(any.append(")").toString());
    }
  }

  private static void valueCondition(Sql sql, AttributeFilter f) {
    Double n = AttributeFilter.number(f.value());
    switch (f.op()) {
      case EQ:
        if (n != null) {
          sql.add("(str = ? OR num = ?)", f.value(), n);
        } else {
          sql.add("str = ?", f.value());
        }
        break;
      case NE:
        if (n != null) {
          sql.add("(str <> ? AND (num IS NULL OR num <> ?))", f.value(), n);
        } else {
          sql.add("str <> ?", f.value());
        }
        break;
      case GT:
        sql.add("num > ?", n);
        break;
      case GE:
        sql.add("num >= ?", n);
        break;
      case LT:
        sql.add("num < ?", n);
        break;
      case LE:
        sql.add("num <= ?", n);
        break;
      case MATCH:
        sql.add("regexp_full_match(str, ?)", f.value());
        break;
      default:
        sql.add("NOT regexp_full_match(str, ?)", f.value());
        break;
    }
  }

  private Map<TraceId, TraceSummary> summaries(List<Partition> parts, long seq, List<TraceId> ids) {
    Map<TraceId, TraceSummary> out = new HashMap<>();
    if (ids.isEmpty() || parts.isEmpty()) {
      return out;
    }
    List<SidRange> ranges = locate(parts, ids, seq);
    if (ranges.isEmpty()) {
      return out;
    }
    Set<TraceId> wanted = new HashSet<>(ids);
    Sql sql = new Sql();
    int i = 0;
    for (Map.Entry<String, List<SidRange>> e : byPartition(ranges).entrySet()) {
      if (i++ > 0) {
        sql.add(" UNION ALL ");
      }
      sql.add("SELECT trace_hi, trace_lo, parent_span_id IS NULL AND parent_off IS NULL, start_ns, start_ns + duration_ns, status_code,"
          + " service_name, name FROM " + e.getKey() + ".spans WHERE seq <= ? AND ", seq);
      sidRanges(sql, "sid", e.getValue());
    }
    Map<TraceId, SummaryBuilder> builders = new HashMap<>();
    query(sql, r -> {
      TraceId id = new TraceId(r.getLong(1), r.getLong(2));
      if (wanted.contains(id)) {
        builders.computeIfAbsent(id, k -> new SummaryBuilder()).add(r.getBoolean(3), r.getLong(4), r.getLong(5),
            r.getInt(6), r.getString(7), r.getString(8));
      }
    });
    builders.forEach((id, b) -> out.put(id, b.build(id)));
    return out;
  }

  /** A trace summary from its spans: the root is the earliest span without parent, else the earliest span. */
  private static final class SummaryBuilder {
    private long start = Long.MAX_VALUE;
    private long end = Long.MIN_VALUE;
    private long count;
    private long errors;
    private long rootStart = Long.MAX_VALUE;
    private boolean rootIsRoot;
    private String rootService;
    private String rootName;
    private final Set<String> services = new java.util.TreeSet<>();

    void add(boolean isRoot, long spanStart, long spanEnd, int status, String service, String name) {
      start = Math.min(start, spanStart);
      end = Math.max(end, spanEnd);
      count++;
      if (status == Status.StatusCode.STATUS_CODE_ERROR_VALUE) {
        errors++;
      }
      if (service != null) {
        services.add(service);
      }
      if ((isRoot && !rootIsRoot) || (isRoot == rootIsRoot && spanStart < rootStart)) {
        rootIsRoot = isRoot;
        rootStart = spanStart;
        rootService = service;
        rootName = name;
      }
    }

    TraceSummary build(TraceId id) {
      return new TraceSummary(id, rootService, rootName, start, end - start, count, errors, new ArrayList<>(services));
    }
  }

  // ================================================================== services, names, attributes

  /** Service names with spans in the time range (from the span-metric table: fast, and complete). */
  public List<String> services(long fromNanos, long toNanos) {
    List<String> out = new ArrayList<>();
    try (Partitions.Lease lease = store.partitions().lease()) {
      List<Partition> parts = lease.overlapping(fromNanos, toNanos);
      if (parts.isEmpty()) {
        return out;
      }
      Sql sql = new Sql().add("SELECT DISTINCT service_name FROM (");
      for (int i = 0; i < parts.size(); i++) {
        if (i > 0) {
          sql.add(" UNION ALL ");
        }
        sql.add("SELECT service_name FROM " + parts.get(i).alias() + ".span_metrics WHERE minute_ns >= ? AND minute_ns <= ?",
            minuteFloor(fromNanos), toNanos);
      }
      sql.add(") ORDER BY 1");
      query(sql, r -> out.add(r.getString(1)));
    }
    return out;
  }

  /** Span names (with kind and span count) of {@code service}; {@code kind} null means all kinds. */
  public List<SpanNameInfo> spanNames(String service, Integer kind, long fromNanos, long toNanos) {
    List<SpanNameInfo> out = new ArrayList<>();
    try (Partitions.Lease lease = store.partitions().lease()) {
      List<Partition> parts = lease.overlapping(fromNanos, toNanos);
      if (parts.isEmpty()) {
        return out;
      }
      Sql sql = new Sql().add("SELECT span_name, kind, sum(count) FROM (");
      for (int i = 0; i < parts.size(); i++) {
        if (i > 0) {
          sql.add(" UNION ALL ");
        }
        sql.add("SELECT span_name, kind, count FROM " + parts.get(i).alias()
            + ".span_metrics WHERE service_name = ? AND minute_ns >= ? AND minute_ns <= ?", service,
            minuteFloor(fromNanos), toNanos);
        if (kind != null) {
          sql.add(" AND kind = ?", kind);
        }
      }
      sql.add(") GROUP BY 1, 2 ORDER BY 1, 2");
      query(sql, r -> out.add(new SpanNameInfo(r.getString(1), r.getInt(2), r.getLong(3))));
    }
    return out;
  }

  /**
   * The most frequent attribute keys of spans (or resources) in the partitions of the time range,
   * optionally of one service. Resolution is the partition (an hour), which is plenty for autocompletion.
   */
  public List<AttributeCount> attributeKeys(AttributeFilter.Scope scope, String service, long fromNanos, long toNanos,
      int limit) {
    return attributeCounts(scope, service, null, null, fromNanos, toNanos, limit);
  }

  /** The most frequent values of an attribute key, optionally starting with {@code prefix}. */
  public List<AttributeCount> attributeValues(AttributeFilter.Scope scope, String key, String service, String prefix,
      long fromNanos, long toNanos, int limit) {
    return attributeCounts(scope, service, Objects.requireNonNull(key, "key"), prefix, fromNanos, toNanos, limit);
  }

  private List<AttributeCount> attributeCounts(AttributeFilter.Scope scope, String service, String key, String prefix,
      long fromNanos, long toNanos, int limit) {
    if (scope == AttributeFilter.Scope.ANY) {
      throw new BadQueryException("scope must be span or resource");
    }
    if (limit < 1 || limit > 10_000) {
      throw new BadQueryException("limit must be between 1 and 10000, got " + limit);
    }
    List<AttributeCount> out = new ArrayList<>();
    String column = key == null ? "key" : "str";
    try (Partitions.Lease lease = store.partitions().lease()) {
      List<Partition> parts = lease.overlapping(fromNanos, toNanos);
      if (parts.isEmpty()) {
        return out;
      }
      Sql sql = new Sql().add("SELECT v, sum(n) AS n FROM (");
      for (int i = 0; i < parts.size(); i++) {
        String a = parts.get(i).alias();
        if (i > 0) {
          sql.add(" UNION ALL ");
        }
        if (scope == AttributeFilter.Scope.SPAN) {
          sql.add("SELECT " + column + " AS v, count(*) AS n FROM " + a + ".span_attrs WHERE true");
          if (service != null) {
            sql.add(" AND sid IN (SELECT sid FROM " + a + ".spans WHERE service_name = ?)", service);
          }
        } else {
          // Internal resources (trace_quality's reports) have no spans: their keys would only mislead.
          sql.add("SELECT " + column + " AS v, count(*) AS n FROM " + a + ".resource_attrs WHERE rid NOT IN ("
              + QualityQueries.internalResources(a) + ")");
          if (service != null) {
            sql.add(" AND rid IN (SELECT rid FROM " + a + ".resources WHERE service_name = ?)", service);
          }
        }
        if (key != null) {
          sql.add(" AND key = ?", key);
        }
        if (prefix != null && !prefix.isEmpty()) {
          sql.add(" AND starts_with(" + column + ", ?)", prefix);
        }
        sql.add(" GROUP BY 1");
      }
      sql.add(") GROUP BY v ORDER BY n DESC, v LIMIT ?", limit);
      query(sql, r -> out.add(new AttributeCount(r.getString(1), r.getLong(2))));
    }
    return out;
  }

  // ================================================================== RED

  /** RED series from the per-minute span-metric table, which counts every stored span. */
  public List<RedSeries> red(RedQuery q) {
    long from = q.startNanos();
    long step = q.stepNanos();
    int steps = (int) ((q.endNanos() - from + step - 1) / step);
    Map<List<String>, long[][]> totals = new TreeMap<>(QueryService::compareKeys); // [step][count, errors, sumNs]
    Map<List<String>, Map<Integer, Map<Integer, long[]>>> hist = new HashMap<>(); // key -> step -> bounds -> buckets
    Map<Integer, double[]> bounds = new HashMap<>();
    try (Partitions.Lease lease = store.partitions().lease()) {
      List<Partition> parts = lease.overlapping(from, q.endNanos() - 1);
      if (parts.isEmpty()) {
        return List.of();
      }
      String name = q.bySpanName() ? "span_name" : "NULL::VARCHAR";
      Sql rows = new Sql().add("WITH r AS (");
      for (int i = 0; i < parts.size(); i++) {
        if (i > 0) {
          rows.add(" UNION ALL ");
        }
        rows.add("SELECT service_name, " + name + " AS span_name, (minute_ns - ?) // ? AS step, count, error_count,"
            + " duration_sum_ns, bounds_id, bucket_counts FROM " + parts.get(i).alias()
            + ".span_metrics WHERE minute_ns >= ? AND minute_ns < ?", from, step, from, q.endNanos());
        if (q.service() != null) {
          rows.add(" AND service_name = ?", q.service());
        }
        if (q.spanName() != null) {
          rows.add(" AND span_name = ?", q.spanName());
        }
        if (q.kind() != null) {
          rows.add(" AND kind = ?", q.kind());
        }
      }
      rows.add(")");
      Sql counts = new Sql().add(rows.text(), rows.params().toArray())
          .add(" SELECT service_name, span_name, step, sum(count), sum(error_count), sum(duration_sum_ns) FROM r"
              + " GROUP BY ALL");
      query(counts, r -> {
        long[][] series = totals.computeIfAbsent(key(r.getString(1), r.getString(2)), k -> new long[steps][3]);
        int s = r.getInt(3);
        if (s >= 0 && s < steps) {
          series[s][0] += r.getLong(4);
          series[s][1] += r.getLong(5);
          series[s][2] += r.getLong(6);
        }
      });
      if (totals.isEmpty()) {
        return List.of();
      }
      Sql buckets = new Sql().add(rows.text(), rows.params().toArray())
          .add(" SELECT service_name, span_name, step, bounds_id, i, sum(c) FROM (SELECT service_name, span_name, step,"
              + " bounds_id, unnest(bucket_counts) AS c, generate_subscripts(bucket_counts, 1) AS i FROM r)"
              + " GROUP BY ALL");
      query(buckets, r -> {
        Map<Integer, long[]> byBounds = hist.computeIfAbsent(key(r.getString(1), r.getString(2)), k -> new HashMap<>())
            .computeIfAbsent(r.getInt(3), k -> new HashMap<>());
        int boundsId = r.getInt(4);
        long[] b = byBounds.computeIfAbsent(boundsId, k -> new long[64]);
        int i = r.getInt(5) - 1;
        if (i >= 0 && i < b.length) {
          b[i] += r.getLong(6);
        }
      });
      Sql boundsSql = new Sql().add("SELECT DISTINCT bounds_id, bounds_ms FROM (");
      for (int i = 0; i < parts.size(); i++) {
        if (i > 0) {
          boundsSql.add(" UNION ALL ");
        }
        boundsSql.add("SELECT bounds_id, bounds_ms FROM " + parts.get(i).alias() + ".histogram_bounds");
      }
      boundsSql.add(")");
      query(boundsSql, r -> bounds.put(r.getInt(1), doubles(r.getArray(2))));
    }
    double stepSeconds = step / 1e9;
    List<RedSeries> out = new ArrayList<>();
    totals.forEach((k, series) -> {
      List<RedSeries.Point> points = new ArrayList<>(steps);
      Map<Integer, Map<Integer, long[]>> h = hist.getOrDefault(k, Map.of());
      for (int s = 0; s < steps; s++) {
        long count = series[s][0];
        long errors = series[s][1];
        Double p50 = null;
        Double p95 = null;
        Double p99 = null;
        Map<Integer, long[]> byBounds = h.get(s);
        if (byBounds != null && !byBounds.isEmpty()) {
          // One bounds set per series in practice; with several, the most populated one decides.
          Map.Entry<Integer, long[]> best = null;
          for (Map.Entry<Integer, long[]> e : byBounds.entrySet()) {
            if (best == null || sum(e.getValue()) > sum(best.getValue())) {
              best = e;
            }
          }
          double[] b = bounds.get(best.getKey());
          if (b != null) {
            long[] c = Arrays.copyOf(best.getValue(), b.length + 1);
            p50 = Percentiles.quantile(0.50, b, c);
            p95 = Percentiles.quantile(0.95, b, c);
            p99 = Percentiles.quantile(0.99, b, c);
          }
        }
        points.add(new RedSeries.Point(from + s * step, count, errors, count / stepSeconds,
            count == 0 ? 0 : (double) errors / count, count == 0 ? null : series[s][2] / 1e6 / count, p50, p95, p99));
      }
      out.add(new RedSeries(k.get(0), k.get(1), points));
    });
    return out;
  }

  private static long sum(long[] a) {
    long s = 0;
    for (long v : a) {
      s += v;
    }
    return s;
  }

  private static List<String> key(String service, String spanName) {
    List<String> k = new ArrayList<>(2);
    k.add(service);
    k.add(spanName);
    return k;
  }

  private static int compareKeys(List<String> a, List<String> b) {
    int c = nz(a.get(0)).compareTo(nz(b.get(0)));
    return c != 0 ? c : nz(a.get(1)).compareTo(nz(b.get(1)));
  }

  // ================================================================== exemplars

  /**
   * Example spans of one moment of a RED series, at most one per trace: the span metrics count every
   * span but keep no trace ids, so the examples are looked up among the stored spans of that moment.
   */
  public List<Exemplar> exemplars(ExemplarQuery q) {
    List<Exemplar> out = new ArrayList<>();
    try (Partitions.Lease lease = store.partitions().lease()) {
      List<Partition> parts = lease.overlapping(q.startNanos(), q.endNanos());
      if (parts.isEmpty()) {
        return out;
      }
      Sql sql = new Sql().add("WITH s AS (");
      for (int i = 0; i < parts.size(); i++) {
        if (i > 0) {
          sql.add(" UNION ALL ");
        }
        sql.add("SELECT trace_hi, trace_lo, span_id, service_name, name, start_ns, duration_ns, status_code FROM "
            + parts.get(i).alias() + ".spans WHERE start_ns >= ? AND start_ns < ?", q.startNanos(), q.endNanos());
        if (q.service() != null) {
          sql.add(" AND service_name = ?", q.service());
        }
        if (q.spanName() != null) {
          sql.add(" AND name = ?", q.spanName());
        }
        if (q.kind() != null) {
          sql.add(" AND kind = ?", q.kind());
        }
        if (q.statusCode() != null) {
          sql.add(" AND status_code = ?", q.statusCode());
        }
      }
      // The same ordering picks the span of each trace and orders the traces; ties by time, then ids,
      // so that the answer is deterministic.
      String order = q.nearNanos() == null
          ? "duration_ns DESC, start_ns DESC, trace_hi, trace_lo, span_id"
          : "abs(duration_ns - ?::BIGINT), start_ns DESC, trace_hi, trace_lo, span_id";
      Object[] near = q.nearNanos() == null ? new Object[0] : new Object[] {q.nearNanos()};
      sql.add(") SELECT trace_hi, trace_lo, span_id, service_name, name, start_ns, duration_ns, status_code FROM s"
          + " QUALIFY row_number() OVER (PARTITION BY trace_hi, trace_lo ORDER BY " + order + ") = 1", near);
      sql.add(" ORDER BY " + order, near);
      sql.add(" LIMIT ?", q.limit());
      query(sql, r -> out.add(new Exemplar(new TraceId(r.getLong(1), r.getLong(2)), r.getLong(3), r.getString(4),
          r.getString(5), r.getLong(6), r.getLong(7), r.getInt(8))));
    }
    return out;
  }

  // ================================================================== service graph

  /** Calls between services in the time range, computed from parent/child span pairs. */
  public List<ServiceEdge> serviceGraph(long fromNanos, long toNanos) {
    if (fromNanos > toNanos) {
      throw new BadQueryException("the start of the time range is after its end");
    }
    List<ServiceEdge> out = new ArrayList<>();
    double seconds = Math.max(1e-9, (toNanos - fromNanos) / 1e9);
    try (Partitions.Lease lease = store.partitions().lease()) {
      List<Partition> parts = lease.overlapping(fromNanos, toNanos);
      if (parts.isEmpty()) {
        return out;
      }
      Sql sql = new Sql().add("WITH s AS (");
      for (int i = 0; i < parts.size(); i++) {
        if (i > 0) {
          sql.add(" UNION ALL ");
        }
        sql.add("SELECT " + i + " AS part, sid, trace_hi, trace_lo, span_id, parent_span_id, sid - parent_off AS parent_sid,"
            + " kind, service_name, status_code, duration_ns FROM "
            + parts.get(i).alias() + ".spans WHERE start_ns >= ? AND start_ns <= ? AND kind IN (2, 3, 4, 5)",
            fromNanos, toNanos);
      }
      // A server/consumer span's parent is either named by id (written in another write group) or
      // a row of the same partition (parent_off, Schema): two equi-joins, not one OR join.
      sql.add("), e AS (SELECT c.service_name AS client, v.service_name AS server, c.status_code AS cs,"
          + " v.status_code AS vs, v.duration_ns AS d, c.kind AS ck, v.kind AS vk"
          + " FROM s c JOIN s v ON v.trace_hi = c.trace_hi AND v.trace_lo = c.trace_lo AND v.parent_span_id = c.span_id"
          + " UNION ALL SELECT c.service_name, v.service_name, c.status_code, v.status_code, v.duration_ns, c.kind, v.kind"
          + " FROM s c JOIN s v ON v.part = c.part AND v.parent_sid = c.sid)"
          + " SELECT client, server, count(*), count(*) FILTER (WHERE cs = 2 OR vs = 2),"
          + " quantile_cont(d, 0.5), quantile_cont(d, 0.95), quantile_cont(d, 0.99)"
          + " FROM e WHERE ck IN (3, 4) AND vk IN (2, 5) AND client <> server"
          + " GROUP BY 1, 2 ORDER BY 1, 2");
      query(sql, r -> {
        long calls = r.getLong(3);
        long errors = r.getLong(4);
        out.add(new ServiceEdge(r.getString(1), r.getString(2), calls, errors, calls / seconds,
            calls == 0 ? 0 : (double) errors / calls, millis(r, 5), millis(r, 6), millis(r, 7)));
      });
    }
    return out;
  }

  private static Double millis(ResultSet r, int column) throws SQLException {
    double v = r.getDouble(column);
    return r.wasNull() ? null : v / 1e6;
  }

  // ================================================================== logs

  /**
   * Log records of a trace (or of one span of it), rebuilt as one OTLP request; records of
   * internal resources ({@code traceyard.internal = true}, e.g. trace_quality's reports) are left out.
   */
  public ExportLogsServiceRequest logs(TraceId traceId, Long spanId) {
    try (Partitions.Lease lease = store.partitions().lease()) {
      List<Partition> all = lease.all();
      if (all.isEmpty()) {
        return ExportLogsServiceRequest.getDefaultInstance();
      }
      // Logs are partitioned by their own time: look around the trace's time span when it is known.
      List<Partition> parts = all;
      long[] range = traceRange(all, traceId);
      if (range != null) {
        parts = lease.overlapping(range[0] - LOG_CONTEXT_NANOS, range[1] + LOG_CONTEXT_NANOS);
      }
      if (parts.isEmpty()) {
        return ExportLogsServiceRequest.getDefaultInstance();
      }
      Sql sql = new Sql();
      for (int i = 0; i < parts.size(); i++) {
        Partition p = parts.get(i);
        if (i > 0) {
          sql.add(" UNION ALL ");
        }
        sql.add("SELECT '" + p.alias() + "' AS part, rid, scid, time_ns, observed_ns, severity_number, severity_text,"
            + " body, attributes, dropped_attributes_count, flags, trace_hi, trace_lo, span_id, event_name, lid FROM "
            + p.alias() + ".logs WHERE trace_hi = ? AND trace_lo = ?", traceId.hi(), traceId.lo());
        // trace_quality's reports carry an example trace's id but are not that trace's logs: they
        // would list one "finding" line per report interval among the application's own logs.
        sql.add(" AND rid NOT IN (" + QualityQueries.internalResources(p.alias()) + ")");
        if (spanId != null) {
          sql.add(" AND span_id = ?", spanId);
        }
      }
      sql.add(" ORDER BY time_ns, observed_ns, part, lid");
      List<Ref> refs = new ArrayList<>();
      List<LogRecord> records = new ArrayList<>();
      query(sql, r -> {
        refs.add(new Ref(r.getString(1), r.getInt(2), r.getInt(3)));
        records.add(logRecord(r));
      });
      Dictionaries dict = dictionaries(refs);
      Grouper<LogRecord> g = new Grouper<>();
      for (int i = 0; i < records.size(); i++) {
        Ref ref = refs.get(i);
        g.add(dict.resource(ref.part, ref.rid), dict.scope(ref.part, ref.scid), records.get(i));
      }
      return g.toLogs();
    }
  }

  private long[] traceRange(List<Partition> parts, TraceId id) {
    Sql sql = new Sql().add("SELECT min(min_start_ns), max(end_ns) FROM (");
    for (int i = 0; i < parts.size(); i++) {
      if (i > 0) {
        sql.add(" UNION ALL ");
      }
      // Rows written before trace_index.end_off existed hold max_end_ns instead (Schema).
      sql.add("SELECT min_start_ns, coalesce(max_end_ns, min_start_ns + end_off) AS end_ns FROM " + parts.get(i).alias()
          + ".trace_index WHERE trace_hi = ? AND trace_lo = ?", id.hi(), id.lo());
    }
    sql.add(")");
    long[][] out = new long[1][];
    query(sql, r -> {
      long min = r.getLong(1);
      if (!r.wasNull()) {
        out[0] = new long[] {min, r.getLong(2)};
      }
    });
    return out[0];
  }

  private static LogRecord logRecord(ResultSet r) throws SQLException {
    LogRecord.Builder b = LogRecord.newBuilder()
        .setTimeUnixNano(r.getLong(4)).setObservedTimeUnixNano(r.getLong(5))
        .setSeverityNumberValue(r.getInt(6)).setSeverityText(nz(r.getString(7)));
    String body = r.getString(8);
    if (body != null) {
      b.setBody(OtlpValuesJson.parseAnyValue(body));
    }
    b.addAllAttributes(OtlpValuesJson.parseAttributes(r.getString(9)))
        .setDroppedAttributesCount(r.getInt(10)).setFlags(r.getInt(11));
    long hi = r.getLong(12);
    if (!r.wasNull()) {
      b.setTraceId(new TraceId(hi, r.getLong(13)).toBytes());
    }
    long span = r.getLong(14);
    if (!r.wasNull()) {
      b.setSpanId(Ids.spanIdBytes(span));
    }
    b.setEventName(nz(r.getString(15)));
    return b.build();
  }

  // ================================================================== metrics

  /** Stored metric data points, rebuilt as one OTLP request (points of one metric grouped together). */
  public ExportMetricsServiceRequest metrics(MetricQuery q) {
    try (Partitions.Lease lease = store.partitions().lease()) {
      List<Partition> parts = lease.overlapping(q.startNanos(), q.endNanos());
      if (parts.isEmpty()) {
        return ExportMetricsServiceRequest.getDefaultInstance();
      }
      Sql sql = new Sql();
      for (int i = 0; i < parts.size(); i++) {
        Partition p = parts.get(i);
        if (i > 0) {
          sql.add(" UNION ALL ");
        }
        sql.add("SELECT '" + p.alias() + "' AS part, rid, scid, name, description, unit, metadata, type, temporality,"
            + " monotonic, point, time_ns FROM " + p.alias() + ".metric_points WHERE time_ns >= ? AND time_ns <= ?",
            q.startNanos(), q.endNanos());
        if (q.service() != null) {
          sql.add(" AND service_name = ?", q.service());
        }
        if (q.name() != null) {
          sql.add(" AND name = ?", q.name());
        }
      }
      sql.add(" ORDER BY time_ns LIMIT ?", q.limit());
      List<Ref> refs = new ArrayList<>();
      List<MetricPoint> points = new ArrayList<>();
      query(sql, r -> {
        refs.add(new Ref(r.getString(1), r.getInt(2), r.getInt(3)));
        int temporality = r.getInt(9);
        boolean hasTemporality = !r.wasNull();
        boolean monotonic = r.getBoolean(10);
        points.add(new MetricPoint(new MetricIdentity(nz(r.getString(4)), nz(r.getString(5)), nz(r.getString(6)),
            r.getString(7), r.getInt(8), hasTemporality ? temporality : 0, monotonic), r.getBytes(11)));
      });
      Dictionaries dict = dictionaries(refs);
      Map<GroupKey, Map<MetricIdentity, Metric.Builder>> metrics = new LinkedHashMap<>();
      Map<GroupKey, Resource> resources = new HashMap<>();
      Map<GroupKey, String> resourceSchemas = new HashMap<>();
      Map<GroupKey, InstrumentationScope> scopes = new HashMap<>();
      Map<GroupKey, String> scopeSchemas = new HashMap<>();
      for (int i = 0; i < points.size(); i++) {
        Ref ref = refs.get(i);
        Dictionaries.ResourceEntry re = dict.resource(ref.part, ref.rid);
        Dictionaries.ScopeEntry se = dict.scope(ref.part, ref.scid);
        GroupKey gk = new GroupKey(re.hash, se.hash);
        resources.put(gk, re.resource);
        resourceSchemas.put(gk, re.schemaUrl);
        scopes.put(gk, se.scope);
        scopeSchemas.put(gk, se.schemaUrl);
        MetricPoint mp = points.get(i);
        Metric.Builder m = metrics.computeIfAbsent(gk, k -> new LinkedHashMap<>())
            .computeIfAbsent(mp.identity, QueryService::newMetric);
        addPoint(m, mp);
      }
      // Resource then scope, in first-seen order.
      Map<Long, ResourceMetrics.Builder> byResource = new LinkedHashMap<>();
      metrics.forEach((gk, ms) -> {
        ResourceMetrics.Builder rm = byResource.computeIfAbsent(gk.resourceHash, k -> ResourceMetrics.newBuilder()
            .setResource(resources.get(gk)).setSchemaUrl(nz(resourceSchemas.get(gk))));
        ScopeMetrics.Builder sm = ScopeMetrics.newBuilder().setScope(scopes.get(gk)).setSchemaUrl(nz(scopeSchemas.get(gk)));
        ms.values().forEach(sm::addMetrics);
        rm.addScopeMetrics(sm);
      });
      ExportMetricsServiceRequest.Builder out = ExportMetricsServiceRequest.newBuilder();
      byResource.values().forEach(out::addResourceMetrics);
      return out.build();
    }
  }

  private record MetricIdentity(String name, String description, String unit, String metadata, int type,
      int temporality, boolean monotonic) {}

  private record MetricPoint(MetricIdentity identity, byte[] point) {}

  private record GroupKey(long resourceHash, long scopeHash) {}

  private static Metric.Builder newMetric(MetricIdentity id) {
    Metric.Builder m = Metric.newBuilder().setName(id.name).setDescription(id.description).setUnit(id.unit)
        .addAllMetadata(OtlpValuesJson.parseAttributes(id.metadata));
    switch (Metric.DataCase.forNumber(id.type)) {
      case GAUGE:
        m.setGauge(Gauge.newBuilder());
        break;
      case SUM:
        m.setSum(Sum.newBuilder().setAggregationTemporalityValue(id.temporality).setIsMonotonic(id.monotonic));
        break;
      case HISTOGRAM:
        m.setHistogram(Histogram.newBuilder().setAggregationTemporalityValue(id.temporality));
        break;
      case EXPONENTIAL_HISTOGRAM:
        m.setExponentialHistogram(ExponentialHistogram.newBuilder().setAggregationTemporalityValue(id.temporality));
        break;
      case SUMMARY:
        m.setSummary(Summary.newBuilder());
        break;
      default:
        break;
    }
    return m;
  }

  private static void addPoint(Metric.Builder m, MetricPoint p) {
    try {
      switch (m.getDataCase()) {
        case GAUGE:
          m.getGaugeBuilder().addDataPoints(NumberDataPoint.parseFrom(p.point));
          break;
        case SUM:
          m.getSumBuilder().addDataPoints(NumberDataPoint.parseFrom(p.point));
          break;
        case HISTOGRAM:
          m.getHistogramBuilder().addDataPoints(HistogramDataPoint.parseFrom(p.point));
          break;
        case EXPONENTIAL_HISTOGRAM:
          m.getExponentialHistogramBuilder().addDataPoints(ExponentialHistogramDataPoint.parseFrom(p.point));
          break;
        case SUMMARY:
          m.getSummaryBuilder().addDataPoints(SummaryDataPoint.parseFrom(p.point));
          break;
        default:
          break;
      }
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("corrupted metric point in the store", e);
    }
  }

  // ================================================================== resources and scopes

  /** Upper bound of cached resources, scopes and span attribute values; past it the cache starts over. */
  private static final int MAX_CACHED_DICTIONARY_ENTRIES = 100_000;
  /** Upper bound of the cached span attribute values' protobuf bytes (some are long: SQL statements, URLs). */
  private static final long MAX_CACHED_VALUE_BYTES = 16L << 20;

  /**
   * Resources, scopes and span attribute values already read, per partition (the cache only saves
   * reads): rows reference them by per-partition numbers that never change (compaction copies the
   * tables as they are), so a trace by id needs no join nor extra statement for them once its
   * partition's few resources and common attribute values are known. Keyed by alias, checked
   * against the partition object itself, so a partition dropped and created again starts afresh.
   */
  private final Map<String, CachedDictionary> dictionaryCache = new ConcurrentHashMap<>();
  private final AtomicInteger cachedDictionaryEntries = new AtomicInteger();
  private final AtomicLong cachedValueBytes = new AtomicLong();

  private record CachedDictionary(Partition partition, Map<Integer, Dictionaries.ResourceEntry> resources,
      Map<Integer, Dictionaries.ScopeEntry> scopes, Map<Integer, KeyValue> attributeValues) {
    CachedDictionary(Partition partition) {
      this(partition, new ConcurrentHashMap<>(), new ConcurrentHashMap<>(), new ConcurrentHashMap<>());
    }
  }

  /**
   * The span attribute values ({@code span_attr_values} rows, immutable per partition like resources)
   * of {@code rows}, per partition alias: from the cache, and what it lacks in one statement by
   * constant ids (zone maps on {@code vid} find them; ids written together are stored together).
   */
  private Map<String, Map<Integer, KeyValue>> cachedAttributeValues(Partitions.Lease lease, List<SpanRow> rows) {
    Map<String, Map<Integer, KeyValue>> out = new HashMap<>();
    Map<String, Set<Integer>> missing = new LinkedHashMap<>();
    for (SpanRow row : rows) {
      if (row.vids.length == 0) {
        continue;
      }
      CachedDictionary c = dictionaryCache.get(row.part);
      boolean current = c != null && c.partition == lease.byAlias(row.part);
      Map<Integer, KeyValue> found = out.computeIfAbsent(row.part, k -> new HashMap<>());
      for (int vid : row.vids) {
        KeyValue kv = current ? c.attributeValues.get(vid) : null;
        if (kv != null) {
          found.put(vid, kv);
        } else {
          missing.computeIfAbsent(row.part, k -> new LinkedHashSet<>()).add(vid);
        }
      }
    }
    if (missing.isEmpty()) {
      return out;
    }
    Sql sql = new Sql();
    int i = 0;
    for (Map.Entry<String, Set<Integer>> e : missing.entrySet()) {
      StringBuilder ids = new StringBuilder();
      for (int vid : e.getValue()) {
        ids.append(ids.length() == 0 ? "" : ", ").append(vid);
      }
      sql.add((i++ > 0 ? " UNION ALL " : "") + "SELECT '" + e.getKey() + "', vid, key, type, str, num FROM "
          + e.getKey() + ".span_attr_values WHERE vid IN (" + ids + ")");
    }
    Map<String, Map<Integer, KeyValue>> loaded = new HashMap<>();
    query(sql, r -> loaded.computeIfAbsent(r.getString(1), k -> new HashMap<>()).put(r.getInt(2), KeyValue.newBuilder()
        .setKey(nz(r.getString(3))).setValue(AttrValues.value(r.getInt(4), r.getString(5), r.getDouble(6))).build()));
    makeRoom(lease);
    loaded.forEach((part, values) -> {
      out.get(part).putAll(values);
      Partition p = lease.byAlias(part);
      CachedDictionary c = dictionaryCache.compute(part, (k, old) -> old != null && old.partition == p ? old
          : new CachedDictionary(p));
      values.forEach((vid, kv) -> {
        if (c.attributeValues.putIfAbsent(vid, kv) == null) {
          cachedDictionaryEntries.incrementAndGet();
          cachedValueBytes.addAndGet(kv.getSerializedSize());
        }
      });
    });
    return out;
  }

  /** Starts the cache over when it is full, and drops the partitions gone (retention). */
  private void makeRoom(Partitions.Lease lease) {
    if (cachedDictionaryEntries.get() > MAX_CACHED_DICTIONARY_ENTRIES || cachedValueBytes.get() > MAX_CACHED_VALUE_BYTES) {
      dictionaryCache.clear();
      cachedDictionaryEntries.set(0);
      cachedValueBytes.set(0);
    }
    dictionaryCache.entrySet().removeIf(e -> lease.byAlias(e.getKey()) != e.getValue().partition);
  }

  /** As {@link #dictionaries}, reading only what the cache does not hold yet. */
  private Dictionaries cachedDictionaries(Partitions.Lease lease, List<Ref> refs) {
    Dictionaries d = new Dictionaries();
    List<Ref> missing = new ArrayList<>();
    for (Ref ref : refs) {
      CachedDictionary c = dictionaryCache.get(ref.part);
      if (c == null || c.partition != lease.byAlias(ref.part)) {
        missing.add(ref);
        continue;
      }
      Dictionaries.ResourceEntry re = c.resources.get(ref.rid);
      Dictionaries.ScopeEntry se = c.scopes.get(ref.scid);
      if (re == null || se == null) {
        missing.add(ref);
        continue;
      }
      d.resources.put(ref.part + "/" + ref.rid, re);
      d.scopes.put(ref.part + "/" + ref.scid, se);
    }
    if (missing.isEmpty()) {
      return d;
    }
    Dictionaries loaded = dictionaries(missing);
    makeRoom(lease);
    for (Ref ref : missing) {
      Partition p = lease.byAlias(ref.part);
      CachedDictionary c = dictionaryCache.compute(ref.part, (k, old) -> old != null && old.partition == p ? old
          : new CachedDictionary(p));
      Dictionaries.ResourceEntry re = loaded.resources.get(ref.part + "/" + ref.rid);
      if (re != null) {
        d.resources.put(ref.part + "/" + ref.rid, re);
        if (c.resources.putIfAbsent(ref.rid, re) == null) {
          cachedDictionaryEntries.incrementAndGet();
        }
      }
      Dictionaries.ScopeEntry se = loaded.scopes.get(ref.part + "/" + ref.scid);
      if (se != null) {
        d.scopes.put(ref.part + "/" + ref.scid, se);
        if (c.scopes.putIfAbsent(ref.scid, se) == null) {
          cachedDictionaryEntries.incrementAndGet();
        }
      }
    }
    return d;
  }

  /** Resources and scopes referenced by rows, loaded once per partition. */
  private Dictionaries dictionaries(List<Ref> refs) {
    Map<String, Set<Integer>> rids = new LinkedHashMap<>();
    Map<String, Set<Integer>> scids = new LinkedHashMap<>();
    for (Ref r : refs) {
      rids.computeIfAbsent(r.part, k -> new LinkedHashSet<>()).add(r.rid);
      scids.computeIfAbsent(r.part, k -> new LinkedHashSet<>()).add(r.scid);
    }
    Dictionaries d = new Dictionaries();
    if (rids.isEmpty()) {
      return d;
    }
    Sql res = new Sql();
    int i = 0;
    for (Map.Entry<String, Set<Integer>> e : rids.entrySet()) {
      if (i++ > 0) {
        res.add(" UNION ALL ");
      }
      res.add("SELECT '" + e.getKey() + "', rid, hash, attributes, dropped_attributes_count, entity_refs, schema_url FROM "
          + e.getKey() + ".resources WHERE rid IN (" + joinInts(e.getValue()) + ")");
    }
    query(res, r -> d.resources.putIfAbsent(r.getString(1) + "/" + r.getInt(2), resourceEntry(r, 3)));
    Sql sc = new Sql();
    i = 0;
    for (Map.Entry<String, Set<Integer>> e : scids.entrySet()) {
      if (i++ > 0) {
        sc.add(" UNION ALL ");
      }
      sc.add("SELECT '" + e.getKey() + "', scid, hash, name, version, attributes, dropped_attributes_count, schema_url FROM "
          + e.getKey() + ".scopes WHERE scid IN (" + joinInts(e.getValue()) + ")");
    }
    query(sc, r -> d.scopes.putIfAbsent(r.getString(1) + "/" + r.getInt(2), scopeEntry(r, 3)));
    return d;
  }

  /** A resource from columns {@code from..from+4}: hash, attributes, dropped count, entity refs, schema URL. */
  private static Dictionaries.ResourceEntry resourceEntry(ResultSet r, int from) {
    try {
      long hash = r.getLong(from);
      if (r.wasNull()) {
        return Dictionaries.NO_RESOURCE;
      }
      return new Dictionaries.ResourceEntry(hash, Resource.newBuilder()
          .addAllAttributes(OtlpValuesJson.parseAttributes(r.getString(from + 1)))
          .setDroppedAttributesCount(r.getInt(from + 2))
          .addAllEntityRefs(OtlpValuesJson.parseEntityRefs(r.getString(from + 3)))
          .build(), nz(r.getString(from + 4)));
    } catch (SQLException e) {
      throw new StoreQueryException("cannot read a resource: " + e.getMessage(), e);
    }
  }

  /** A scope from columns {@code from..from+5}: hash, name, version, attributes, dropped count, schema URL. */
  private static Dictionaries.ScopeEntry scopeEntry(ResultSet r, int from) {
    try {
      long hash = r.getLong(from);
      if (r.wasNull()) {
        return Dictionaries.NO_SCOPE;
      }
      return new Dictionaries.ScopeEntry(hash, InstrumentationScope.newBuilder()
          .setName(nz(r.getString(from + 1))).setVersion(nz(r.getString(from + 2)))
          .addAllAttributes(OtlpValuesJson.parseAttributes(r.getString(from + 3)))
          .setDroppedAttributesCount(r.getInt(from + 4))
          .build(), nz(r.getString(from + 5)));
    } catch (SQLException e) {
      throw new StoreQueryException("cannot read a scope: " + e.getMessage(), e);
    }
  }

  private static String joinInts(Collection<Integer> ints) {
    StringBuilder b = new StringBuilder();
    for (int v : ints) {
      if (b.length() > 0) {
        b.append(',');
      }
      b.append(v);
    }
    return b.toString();
  }

  private static final class Dictionaries {
    record ResourceEntry(long hash, Resource resource, String schemaUrl) {}

    record ScopeEntry(long hash, InstrumentationScope scope, String schemaUrl) {}

    private static final ResourceEntry NO_RESOURCE = new ResourceEntry(0, Resource.getDefaultInstance(), "");
    private static final ScopeEntry NO_SCOPE = new ScopeEntry(0, InstrumentationScope.getDefaultInstance(), "");

    final Map<String, ResourceEntry> resources = new HashMap<>();
    final Map<String, ScopeEntry> scopes = new HashMap<>();

    ResourceEntry resource(String part, int rid) {
      return resources.getOrDefault(part + "/" + rid, NO_RESOURCE);
    }

    ScopeEntry scope(String part, int scid) {
      return scopes.getOrDefault(part + "/" + scid, NO_SCOPE);
    }
  }

  /** Groups items under their resource and scope (by content hash, so equal resources of different partitions merge). */
  private static final class Grouper<T> {
    private final Map<Long, Dictionaries.ResourceEntry> resources = new LinkedHashMap<>();
    private final Map<Long, Map<Long, Dictionaries.ScopeEntry>> scopes = new LinkedHashMap<>();
    private final Map<Long, Map<Long, List<T>>> items = new LinkedHashMap<>();

    void add(Dictionaries.ResourceEntry r, Dictionaries.ScopeEntry s, T item) {
      resources.putIfAbsent(r.hash, r);
      scopes.computeIfAbsent(r.hash, k -> new LinkedHashMap<>()).putIfAbsent(s.hash, s);
      items.computeIfAbsent(r.hash, k -> new LinkedHashMap<>()).computeIfAbsent(s.hash, k -> new ArrayList<>()).add(item);
    }

    @SuppressWarnings("unchecked")
    ExportTraceServiceRequest toTraces() {
      ExportTraceServiceRequest.Builder out = ExportTraceServiceRequest.newBuilder();
      resources.forEach((rh, r) -> {
        ResourceSpans.Builder rs = ResourceSpans.newBuilder().setResource(r.resource).setSchemaUrl(r.schemaUrl);
        scopes.get(rh).forEach((sh, s) -> rs.addScopeSpans(ScopeSpans.newBuilder().setScope(s.scope)
            .setSchemaUrl(s.schemaUrl).addAllSpans((List<Span>) items.get(rh).get(sh))));
        out.addResourceSpans(rs);
      });
      return out.build();
    }

    @SuppressWarnings("unchecked")
    ExportLogsServiceRequest toLogs() {
      ExportLogsServiceRequest.Builder out = ExportLogsServiceRequest.newBuilder();
      resources.forEach((rh, r) -> {
        ResourceLogs.Builder rl = ResourceLogs.newBuilder().setResource(r.resource).setSchemaUrl(r.schemaUrl);
        scopes.get(rh).forEach((sh, s) -> rl.addScopeLogs(ScopeLogs.newBuilder().setScope(s.scope)
            .setSchemaUrl(s.schemaUrl).addAllLogRecords((List<LogRecord>) items.get(rh).get(sh))));
        out.addResourceLogs(rl);
      });
      return out.build();
    }
  }

  // ================================================================== plumbing

  private void query(Sql sql, SqlRunner.RowHandler handler) {
    SqlRunner.query(store, sql, handler);
  }

  private static List<String> strings(Array a) throws SQLException {
    if (a == null) {
      return List.of();
    }
    Object[] values = (Object[]) a.getArray();
    List<String> out = new ArrayList<>(values.length);
    for (Object v : values) {
      if (v != null) {
        out.add(v.toString());
      }
    }
    return out;
  }

  private static double[] doubles(Array a) throws SQLException {
    Object[] values = (Object[]) a.getArray();
    double[] out = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = ((Number) values[i]).doubleValue();
    }
    return out;
  }

  private static long minuteFloor(long nanos) {
    return Math.floorDiv(nanos, RedQuery.MINUTE_NANOS) * RedQuery.MINUTE_NANOS;
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }
}
