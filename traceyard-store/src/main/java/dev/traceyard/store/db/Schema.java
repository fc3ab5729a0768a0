package dev.traceyard.store.db;

import java.util.List;

/**
 * Tables of one partition database. Timestamps are unix nanoseconds (BIGINT, OTLP's fixed64 bit
 * pattern), ids are big-endian BIGINTs (a trace id is {@code trace_hi, trace_lo}), enums are the
 * OTLP numbers, attribute-like fields are OTLP/JSON text except span attributes, which live only in
 * the typed {@code span_attr_values} dictionary, referenced in order by each span's {@code attr_vids} list
 * and readable as rows through the {@code span_attrs} view.
 * Resources and scopes are stored once per
 * partition and referenced by small per-partition ids ({@code rid}, {@code scid}), which compress to
 * a few bits per row; {@code sid} (a per-partition span number) links a span to its narrow attribute
 * rows without repeating the 24 bytes of ids. {@code seq} is the write group that stored a row, used
 * to page over a stable snapshot. A span's end is {@code start_ns + duration_ns} (storing both
 * would cost ~4 bytes per span for nothing).
 */
final class Schema {
  private Schema() {}

  /** Every table of a partition. */
  static final List<String> TABLES = List.of("resources", "resource_attrs", "scopes", "spans", "span_extras",
      "span_attr_values", "trace_index", "logs", "metric_points", "span_metrics", "histogram_bounds");

  /** Present in partitions rewritten by compaction. */
  static final String COMPACTED = "compacted";

  /**
   * Non-zero when the partition {@code alias} was written with this layout (3: span attributes as
   * a list of dictionary ids in the span row). Partitions of older layouts (1: attributes as JSON in the span row; 2: one
   * typed row with key and value per span attribute) are not read: see Store#attach.
   */
  static String layoutCheck(String alias) {
    return "SELECT count(*) FROM duckdb_tables() WHERE database_name = '" + alias
        + "' AND table_name = 'span_attr_values'";
  }

  /**
   * The views of a partition (created after its tables, also in a compacted copy). {@code span_attrs}
   * gives every span attribute as one row: {@code sid}, {@code rn} (position within the span, from 1),
   * {@code key}, {@code type}, {@code str}, {@code num}; for reading with any DuckDB client and for
   * autocompletion (searches and trace by id read {@code attr_vids} directly: a filter on a view over
   * an unnest is not pushed into the spans scan). Its tables are named unqualified, which
   * DuckDB binds to the view's own database, so the view survives being attached under another alias.
   */
  static List<String> views(String p) {
    return List.of("CREATE VIEW IF NOT EXISTS " + p + ".span_attrs AS SELECT u.sid, u.rn, v.key, v.type, v.str, v.num"
        + " FROM (SELECT sid, unnest(attr_vids) AS vid, generate_subscripts(attr_vids, 1) AS rn FROM spans) u"
        + " JOIN span_attr_values v ON u.vid = v.vid");
  }

  static List<String> ddl(String p) {
    return List.of(
        "CREATE TABLE IF NOT EXISTS " + p + ".resources (rid INTEGER, hash BIGINT, service_name VARCHAR,"
            + " attributes VARCHAR, dropped_attributes_count INTEGER, entity_refs VARCHAR, schema_url VARCHAR)",
        // One row per resource attribute, for filtering: string form in str, numeric form in num.
        "CREATE TABLE IF NOT EXISTS " + p + ".resource_attrs (rid INTEGER, key VARCHAR, str VARCHAR, num DOUBLE)",
        "CREATE TABLE IF NOT EXISTS " + p + ".scopes (scid INTEGER, hash BIGINT, name VARCHAR, version VARCHAR,"
            + " attributes VARCHAR, dropped_attributes_count INTEGER, schema_url VARCHAR)",
        "CREATE TABLE IF NOT EXISTS " + p + ".spans (sid BIGINT, seq BIGINT, trace_hi BIGINT, trace_lo BIGINT,"
            + " span_id BIGINT, parent_span_id BIGINT, trace_state VARCHAR, flags INTEGER, name VARCHAR,"
            + " kind INTEGER, start_ns BIGINT, duration_ns BIGINT, status_code INTEGER,"
            + " status_message VARCHAR, service_name VARCHAR, rid INTEGER, scid INTEGER,"
            + " dropped_attributes_count INTEGER, events VARCHAR, dropped_events_count INTEGER, links VARCHAR,"
            + " dropped_links_count INTEGER, attr_vids INTEGER[], parent_off INTEGER)",
        // parent_off: when a span's parent was written in the same write group (most spans: an SDK
        // exports a trace's local spans together), sid - parent_off is the parent's row and
        // parent_span_id is NULL. A random 64-bit parent id is ~8.5 B/span on disk whatever the
        // compression; a small offset bit-packs to about one byte. A root has both NULL. Partitions
        // written before the column existed get it here, all NULL, and read as before.
        "ALTER TABLE " + p + ".spans ADD COLUMN IF NOT EXISTS parent_off INTEGER",
        // The trace state, status message, events and links of the spans that have any of them, as one
        // OTLP/JSON object per span (OtlpValuesJson.spanExtras); the span row then has trace_state,
        // status_message, events and links NULL. Most spans have none, and DuckDB stores a dictionary
        // index for every row of a string column, NULL or not: in the span row these four columns cost
        // ~1.7 B/span, as one column ~1.0, in this side table ~0.2. Spans written before the table
        // existed have their four columns filled and no row here.
        "CREATE TABLE IF NOT EXISTS " + p + ".span_extras (sid BIGINT, extras VARCHAR)",
        // Span attributes: a dictionary of distinct key + value pairs (type is the AnyValue case number,
        // str the value's string form: exact for strings, ints, bools, base64 bytes, OTLP/JSON arrays
        // and maps; num the number of ints and doubles, exact for doubles); a span lists its
        // attributes' ids in order in spans.attr_vids. Spans repeat the same few attribute values, so
        // most attributes cost one list element to write instead of a row with a key, a type, a string
        // and a number (DuckDB's appender cost is mostly per row: those rows were three quarters of the
        // writer's CPU). A value may appear more than once in the dictionary (the writer's cache of it
        // is bounded); filters match every copy.
        "CREATE TABLE IF NOT EXISTS " + p + ".span_attr_values (vid INTEGER, key VARCHAR, type TINYINT,"
            + " str VARCHAR, num DOUBLE)",
        // trace id -> where and when: one row per trace per write group, so a lookup by id reads this
        // narrow table instead of every span. A group's spans are appended ordered by trace, so the
        // trace's spans of that group are exactly sids min_sid .. min_sid + span_count - 1: reading
        // them touches the row groups holding those sids only (zone maps), whatever the table's size.
        "CREATE TABLE IF NOT EXISTS " + p + ".trace_index (trace_hi BIGINT, trace_lo BIGINT, seq BIGINT,"
            + " min_start_ns BIGINT, max_end_ns BIGINT, span_count INTEGER, min_sid BIGINT, end_off BIGINT,"
            + " extras_count INTEGER)",
        // The trace's end as an offset from its start (end_off = max_end - min_start); max_end_ns is
        // NULL in rows that have it. An end time is as random as the start within the hour (~5 B per
        // row once compaction sorts the index by trace id), a trace's duration a few bytes less. Rows
        // written before the column existed have max_end_ns and get end_off NULL here:
        // coalesce(max_end_ns, min_start_ns + end_off) is the end either way.
        "ALTER TABLE " + p + ".trace_index ADD COLUMN IF NOT EXISTS end_off BIGINT",
        // How many of the row's spans have a span_extras row (NULL: none), so trace by id reads that
        // table only for traces that have some (~0.01 B/span; older rows: NULL, and no such rows).
        "ALTER TABLE " + p + ".trace_index ADD COLUMN IF NOT EXISTS extras_count INTEGER",
        "CREATE TABLE IF NOT EXISTS " + p + ".logs (lid BIGINT, seq BIGINT, time_ns BIGINT, observed_ns BIGINT,"
            + " severity_number INTEGER, severity_text VARCHAR, body VARCHAR, attributes VARCHAR,"
            + " dropped_attributes_count INTEGER, flags INTEGER, trace_hi BIGINT, trace_lo BIGINT, span_id BIGINT,"
            + " event_name VARCHAR, service_name VARCHAR, rid INTEGER, scid INTEGER)",
        // The data point itself is kept as protobuf bytes (exact, and metrics are read back whole);
        // value is extracted for gauges and sums so simple queries need not decode it.
        "CREATE TABLE IF NOT EXISTS " + p + ".metric_points (seq BIGINT, time_ns BIGINT, start_ns BIGINT,"
            + " service_name VARCHAR, rid INTEGER, scid INTEGER, name VARCHAR, description VARCHAR, unit VARCHAR,"
            + " metadata VARCHAR, type INTEGER, temporality INTEGER, monotonic BOOLEAN, value DOUBLE, point BLOB)",
        // Per-minute RED series: count, errors and a duration histogram (bucket i counts durations
        // <= bounds[i]; the last bucket is +Inf). Bounds live in histogram_bounds so rows stay small.
        "CREATE TABLE IF NOT EXISTS " + p + ".span_metrics (minute_ns BIGINT, service_name VARCHAR,"
            + " span_name VARCHAR, kind INTEGER, status_code INTEGER, count BIGINT, error_count BIGINT,"
            + " duration_sum_ns BIGINT, bounds_id INTEGER, bucket_counts BIGINT[])",
        "CREATE TABLE IF NOT EXISTS " + p + ".histogram_bounds (bounds_id INTEGER, bounds_ms DOUBLE[])");
  }
}
