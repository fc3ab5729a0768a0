package dev.traceyard.store.db;

import dev.traceyard.store.codec.OtlpValuesJson;
import dev.traceyard.store.query.TraceId;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.resource.v1.Resource;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import org.duckdb.TraceyardChunkAppender;

/**
 * Appends rows to one partition through DuckDB appenders (columnar batches, no per-row SQL):
 * {@link #flush} hands the buffered rows to DuckDB inside the write group's transaction
 * ({@link WriteTransaction}), and the writer commits the group once (an appender outside a
 * transaction commits, WAL write included, at every flush of every table). Only the writer thread
 * uses it.
 */
final class PartitionWriter implements AutoCloseable {
  final Partition partition;
  private final DuckDBConnection conn;

  private long nextSid;
  private long nextLid;
  private int nextRid;
  private int nextScid;
  private final Map<Long, Integer> rids = new HashMap<>();
  private final Map<Long, Integer> scids = new HashMap<>();
  /**
   * The last resource and scope looked up, and their ids: a batch's spans share one ResourceInfo and
   * ScopeInfo instance, so most spans skip the boxed map lookups. Cleared with the maps.
   */
  private ResourceInfo lastResource;
  private int lastRid;
  private ScopeInfo lastScope;
  private int lastScid;
  /**
   * Span attribute (key + value) -> its id in span_attr_values. Bounded: when full it starts over, so
   * a partition with many distinct values gets some of them twice in the dictionary (filters and
   * reads see every copy) instead of an unbounded map on the heap.
   */
  private final Map<KeyValue, Integer> vids = new HashMap<>();
  static final int MAX_CACHED_VALUES = 1 << 16;
  private int nextVid;
  /**
   * The group's trace index rows so far, in sid order (so min_sid ascends within a group). The caller
   * appends a trace's spans of the group as one run of sids (StoreWriter#orderForStorage), so only the
   * last row can still grow: a span of another trace opens a new row. A row per trace stays exactly
   * one run of sids, which is what trace by id reads (min_sid .. min_sid + span_count - 1), even if a
   * caller ever split a trace: it would get two rows, each describing its own run.
   */
  private final List<IndexRow> traceIndex = new ArrayList<>();

  // In flush order: what others rows point at is committed first, the trace index after its spans.
  private static final String[] TABLES = {
      "resources", "resource_attrs", "scopes", "spans", "span_attr_values", "trace_index", "logs", "metric_points",
      "span_metrics", "span_extras"};
  private static final int RESOURCES = 0;
  private static final int RESOURCE_ATTRS = 1;
  private static final int SCOPES = 2;
  private static final int SPANS = 3;
  private static final int SPAN_ATTR_VALUES = 4;
  private static final int TRACE_INDEX = 5;
  private static final int LOGS = 6;
  private static final int METRIC_POINTS = 7;
  private static final int SPAN_METRICS = 8;
  private static final int SPAN_EXTRAS = 9;
  private final DuckDBAppender[] appenders = new DuckDBAppender[TABLES.length];
  private final boolean[] dirty = new boolean[TABLES.length];
  /**
   * The two tables written per span and per trace run go through the column-wise appender (a
   * fraction of DuckDBAppender's cost per value: TraceyardChunkAppender); their slots in
   * {@link #appenders} stay empty.
   */
  private final TraceyardChunkAppender[] chunkAppenders = new TraceyardChunkAppender[TABLES.length];

  long lastUsedNanos = System.nanoTime();

  private PartitionWriter(Partition partition, DuckDBConnection conn) {
    this.partition = partition;
    this.conn = conn;
  }

  static PartitionWriter open(Partition partition, DuckDBConnection conn) throws SQLException {
    PartitionWriter w = new PartitionWriter(partition, conn);
    w.load();
    return w;
  }

  /** Reads the id counters and the resource/scope dictionaries back from the partition. */
  private void load() throws SQLException {
    String p = partition.alias();
    rids.clear();
    scids.clear();
    lastResource = null;
    lastScope = null;
    vids.clear();
    traceIndex.clear();
    try (Statement s = conn.createStatement()) {
      nextSid = single(s, "SELECT coalesce(max(sid), -1) + 1 FROM " + p + ".spans");
      nextVid = (int) single(s, "SELECT coalesce(max(vid), -1) + 1 FROM " + p + ".span_attr_values");
      nextLid = single(s, "SELECT coalesce(max(lid), -1) + 1 FROM " + p + ".logs");
      int maxRid = -1;
      try (ResultSet r = s.executeQuery("SELECT rid, hash FROM " + p + ".resources")) {
        while (r.next()) {
          rids.putIfAbsent(r.getLong(2), r.getInt(1));
          maxRid = Math.max(maxRid, r.getInt(1));
        }
      }
      maxRid = Math.max(maxRid, (int) single(s, "SELECT coalesce(max(rid), -1) FROM " + p + ".resource_attrs"));
      nextRid = maxRid + 1;
      int maxScid = -1;
      try (ResultSet r = s.executeQuery("SELECT scid, hash FROM " + p + ".scopes")) {
        while (r.next()) {
          scids.putIfAbsent(r.getLong(2), r.getInt(1));
          maxScid = Math.max(maxScid, r.getInt(1));
        }
      }
      nextScid = maxScid + 1;
    }
  }

  private static long single(Statement s, String sql) throws SQLException {
    try (ResultSet r = s.executeQuery(sql)) {
      r.next();
      return r.getLong(1);
    }
  }

  private DuckDBAppender appender(int table) throws SQLException {
    DuckDBAppender a = appenders[table];
    if (a == null) {
      a = conn.createAppender(partition.alias(), DuckDBConnection.DEFAULT_SCHEMA, TABLES[table]);
      appenders[table] = a;
    }
    dirty[table] = true;
    return a;
  }

  private TraceyardChunkAppender chunkAppender(int table) throws SQLException {
    TraceyardChunkAppender a = chunkAppenders[table];
    if (a == null) {
      a = TraceyardChunkAppender.create(conn, partition.alias(), TABLES[table]);
      chunkAppenders[table] = a;
    }
    dirty[table] = true;
    return a;
  }

  // Column positions of spans (Schema), as the chunk appender addresses them.
  private static final int S_SID = 0;
  private static final int S_SEQ = 1;
  private static final int S_TRACE_HI = 2;
  private static final int S_TRACE_LO = 3;
  private static final int S_SPAN_ID = 4;
  private static final int S_PARENT_SPAN_ID = 5;
  private static final int S_TRACE_STATE = 6;
  private static final int S_FLAGS = 7;
  private static final int S_NAME = 8;
  private static final int S_KIND = 9;
  private static final int S_START = 10;
  private static final int S_DURATION = 11;
  private static final int S_STATUS_CODE = 12;
  private static final int S_STATUS_MESSAGE = 13;
  private static final int S_SERVICE = 14;
  private static final int S_RID = 15;
  private static final int S_SCID = 16;
  private static final int S_DROPPED_ATTRIBUTES = 17;
  private static final int S_EVENTS = 18;
  private static final int S_DROPPED_EVENTS = 19;
  private static final int S_LINKS = 20;
  private static final int S_DROPPED_LINKS = 21;
  private static final int S_ATTR_VIDS = 22;
  private static final int S_PARENT_OFF = 23;

  int resourceId(ResourceInfo info) throws SQLException {
    if (info == lastResource) {
      return lastRid;
    }
    Integer rid = rids.get(info.hash());
    if (rid != null) {
      lastResource = info;
      lastRid = rid;
      return rid;
    }
    int id = nextRid++;
    Resource r = info.resource();
    appender(RESOURCES).beginRow()
        .append(id).append(info.hash()).append(info.serviceName())
        .append(OtlpValuesJson.attributes(r.getAttributesList()))
        .append(r.getDroppedAttributesCount())
        .append(OtlpValuesJson.entityRefs(r.getEntityRefsList()))
        .append(info.schemaUrl())
        .endRow();
    DuckDBAppender attrs = appender(RESOURCE_ATTRS);
    for (KeyValue kv : r.getAttributesList()) {
      attrs.beginRow().append(id).append(kv.getKey()).append(AttrValues.str(kv.getValue()));
      appendNullable(attrs, AttrValues.num(kv.getValue()));
      attrs.endRow();
    }
    rids.put(info.hash(), id);
    return id;
  }

  int scopeId(ScopeInfo info) throws SQLException {
    if (info == lastScope) {
      return lastScid;
    }
    Integer scid = scids.get(info.hash());
    if (scid != null) {
      lastScope = info;
      lastScid = scid;
      return scid;
    }
    int id = nextScid++;
    InstrumentationScope s = info.scope();
    appender(SCOPES).beginRow()
        .append(id).append(info.hash()).append(s.getName()).append(s.getVersion())
        .append(OtlpValuesJson.attributes(s.getAttributesList()))
        .append(s.getDroppedAttributesCount())
        .append(info.schemaUrl())
        .endRow();
    scids.put(info.hash(), id);
    return id;
  }

  /** {@link #appendSpan}'s parent offset when the parent is not among the spans written just before or after. */
  static final int NO_PARENT_OFFSET = Integer.MIN_VALUE;

  /**
   * Appends a span whose ids were validated by the caller. {@code parentOff} is this span's sid minus
   * its parent's, when the caller appends the parent as part of the same run of sids (else
   * {@link #NO_PARENT_OFFSET}); the parent id is then not stored (Schema: parent_off). Its attributes are the list of their
   * dictionary ids ({@code attr_vids}, in their original order), which serves both filtering and
   * rebuilding the span: a JSON copy in the span row was two thirds of the bytes on disk, and a typed
   * row with key and value per attribute three quarters of the writer's CPU. The span comes in the
   * write queue's compact form, its events and links already OTLP/JSON.
   */
  void appendSpan(long seq, QueuedSpan s, int rid, int scid, int parentOff) throws SQLException {
    long sid = nextSid++;
    // Before the span row is begun: a new value appends a dictionary row.
    int[] attrVids = new int[s.attributes.length];
    for (int i = 0; i < attrVids.length; i++) {
      attrVids[i] = valueId(s.attributes[i]);
    }
    TraceId traceId = s.traceId;
    long start = s.start;
    long end = s.end;
    TraceyardChunkAppender a = chunkAppender(SPANS);
    a.putLong(S_SID, sid);
    a.putLong(S_SEQ, seq);
    a.putLong(S_TRACE_HI, traceId.hi());
    a.putLong(S_TRACE_LO, traceId.lo());
    a.putLong(S_SPAN_ID, s.spanId);
    if (!s.hasParent || parentOff != NO_PARENT_OFFSET) {
      a.putNull(S_PARENT_SPAN_ID);
    } else {
      a.putLong(S_PARENT_SPAN_ID, s.parentSpanId);
    }
    // trace_state, status_message, events and links are NULL: they are in span_extras (Schema).
    a.putNull(S_TRACE_STATE);
    a.putInt(S_FLAGS, s.flags);
    a.putString(S_NAME, s.name);
    a.putInt(S_KIND, s.kind);
    a.putLong(S_START, start);
    a.putLong(S_DURATION, end - start);
    a.putInt(S_STATUS_CODE, s.statusCode);
    a.putNull(S_STATUS_MESSAGE);
    a.putString(S_SERVICE, s.resource.serviceName());
    a.putInt(S_RID, rid);
    a.putInt(S_SCID, scid);
    a.putInt(S_DROPPED_ATTRIBUTES, s.droppedAttributes);
    a.putNull(S_EVENTS);
    a.putInt(S_DROPPED_EVENTS, s.droppedEvents);
    a.putNull(S_LINKS);
    a.putInt(S_DROPPED_LINKS, s.droppedLinks);
    a.putIntList(S_ATTR_VIDS, attrVids);
    if (parentOff == NO_PARENT_OFFSET) {
      a.putNull(S_PARENT_OFF);
    } else {
      a.putInt(S_PARENT_OFF, parentOff);
    }
    a.endRow();
    String extras = OtlpValuesJson.spanExtras(s.traceState, s.statusMessage, s.eventsJson, s.linksJson);
    if (extras != null) {
      appender(SPAN_EXTRAS).beginRow().append(sid).append(extras).endRow();
    }
    IndexRow ix = traceIndex.isEmpty() ? null : traceIndex.get(traceIndex.size() - 1);
    if (ix == null || !ix.traceId.equals(traceId)) {
      ix = new IndexRow(traceId, sid);
      traceIndex.add(ix);
    }
    ix.add(start, end, extras != null);
  }

  /** One trace_index row in the making: a trace's run of spans in this group. */
  private static final class IndexRow {
    final TraceId traceId;
    final long minSid;
    long minStart = Long.MAX_VALUE;
    long maxEnd = Long.MIN_VALUE;
    int spanCount;
    int extrasCount;

    IndexRow(TraceId traceId, long minSid) {
      this.traceId = traceId;
      this.minSid = minSid;
    }

    void add(long start, long end, boolean extras) {
      minStart = Math.min(minStart, start);
      maxEnd = Math.max(maxEnd, end);
      spanCount++;
      if (extras) {
        extrasCount++;
      }
    }
  }

  /** The dictionary id of an attribute (key and value), adding it to span_attr_values when new. */
  private int valueId(KeyValue kv) throws SQLException {
    Integer known = vids.get(kv);
    if (known != null) {
      return known;
    }
    if (vids.size() >= MAX_CACHED_VALUES) {
      vids.clear();
    }
    int vid = nextVid++;
    AnyValue v = kv.getValue();
    DuckDBAppender a = appender(SPAN_ATTR_VALUES).beginRow()
        .append(vid).append(kv.getKey()).append((byte) AttrValues.type(v)).append(AttrValues.str(v));
    appendNullable(a, AttrValues.num(v));
    a.endRow();
    vids.put(kv, vid);
    return vid;
  }

  /** Appends a log record; {@code traceId}/{@code spanId} are null when the record has none. */
  void appendLog(long seq, LogRecord l, TraceId traceId, Long spanId, String service, int rid, int scid)
      throws SQLException {
    DuckDBAppender a = appender(LOGS).beginRow()
        .append(nextLid++).append(seq).append(l.getTimeUnixNano()).append(l.getObservedTimeUnixNano())
        .append(l.getSeverityNumberValue()).append(l.getSeverityText())
        .append(l.hasBody() ? OtlpValuesJson.anyValue(l.getBody()) : null)
        .append(OtlpValuesJson.attributes(l.getAttributesList())).append(l.getDroppedAttributesCount())
        .append(l.getFlags());
    if (traceId == null) {
      a.appendNull().appendNull();
    } else {
      a.append(traceId.hi()).append(traceId.lo());
    }
    appendNullable(a, spanId);
    a.append(l.getEventName()).append(service).append(rid).append(scid).endRow();
  }

  /** Appends one metric data point, given as its protobuf encoding. */
  void appendMetricPoint(long seq, MetricRow m, String service, int rid, int scid) throws SQLException {
    DuckDBAppender a = appender(METRIC_POINTS).beginRow()
        .append(seq).append(m.timeNanos()).append(m.startNanos()).append(service).append(rid).append(scid)
        .append(m.name()).append(m.description()).append(m.unit()).append(m.metadataJson())
        .append(m.type());
    appendNullable(a, m.temporality());
    if (m.monotonic() == null) {
      a.appendNull();
    } else {
      a.append(m.monotonic().booleanValue());
    }
    appendNullable(a, m.value());
    a.append(m.point()).endRow();
  }

  void appendSpanMetric(SpanMetricsAggregator.Key k, SpanMetricsAggregator.Series s) throws SQLException {
    appender(SPAN_METRICS).beginRow()
        .append(k.minuteNanos()).append(k.service()).append(k.spanName()).append(k.kind()).append(k.statusCode())
        .append(s.count).append(s.errors).append(s.durationSumNanos).append(SpanMetricsAggregator.BOUNDS_ID)
        .append(s.buckets)
        .endRow();
  }

  /**
   * Hands everything appended since the last flush to DuckDB, inside the writer connection's open
   * transaction (the caller commits); trace index rows are tagged with {@code seq}.
   */
  void flush(long seq) throws SQLException {
    if (!traceIndex.isEmpty()) {
      TraceyardChunkAppender ix = chunkAppender(TRACE_INDEX);
      for (IndexRow r : traceIndex) {
        // Columns in Schema order; max_end_ns NULL, the end as an offset from the start (Schema: end_off).
        ix.putLong(0, r.traceId.hi());
        ix.putLong(1, r.traceId.lo());
        ix.putLong(2, seq);
        ix.putLong(3, r.minStart);
        ix.putNull(4);
        ix.putInt(5, r.spanCount);
        ix.putLong(6, r.minSid);
        ix.putLong(7, r.maxEnd - r.minStart);
        if (r.extrasCount == 0) {
          ix.putNull(8);
        } else {
          ix.putInt(8, r.extrasCount);
        }
        ix.endRow();
      }
      traceIndex.clear();
    }
    for (int i = 0; i < TABLES.length; i++) {
      if (dirty[i]) {
        if (chunkAppenders[i] != null) {
          chunkAppenders[i].flush();
        } else {
          appenders[i].flush();
        }
        dirty[i] = false;
      }
    }
    lastUsedNanos = System.nanoTime();
  }

  /**
   * After a failed write, once the caller rolled the transaction back: re-reads the counters and
   * dictionaries from the database (what the failed group added to them is gone).
   */
  void reset() {
    try {
      load();
    } catch (SQLException e) {
      // Counters stay ahead of anything written (they only grow), so ids remain unique.
      traceIndex.clear();
    }
  }

  /**
   * Drops the appenders; closing one flushes what it still buffers into the open transaction, so
   * after a failure this must run before the rollback.
   */
  void closeAppenders() {
    for (int i = 0; i < appenders.length; i++) {
      if (appenders[i] != null) {
        try {
          appenders[i].close();
        } catch (SQLException | RuntimeException e) {
          // best effort: the partition is reset or going away
        }
        appenders[i] = null;
      }
      if (chunkAppenders[i] != null) {
        try {
          chunkAppenders[i].close();
        } catch (SQLException | RuntimeException e) {
          // best effort, as above
        }
        chunkAppenders[i] = null;
      }
      dirty[i] = false;
    }
  }

  @Override
  public void close() {
    closeAppenders();
  }

  private static void appendNullable(DuckDBAppender a, Double v) throws SQLException {
    if (v == null) {
      a.appendNull();
    } else {
      a.append(v.doubleValue());
    }
  }

  private static void appendNullable(DuckDBAppender a, Long v) throws SQLException {
    if (v == null) {
      a.appendNull();
    } else {
      a.append(v.longValue());
    }
  }

  private static void appendNullable(DuckDBAppender a, Integer v) throws SQLException {
    if (v == null) {
      a.appendNull();
    } else {
      a.append(v.intValue());
    }
  }
}
