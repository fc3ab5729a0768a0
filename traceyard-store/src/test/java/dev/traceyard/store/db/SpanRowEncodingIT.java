package dev.traceyard.store.db;

import static dev.traceyard.store.TestData.MS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.traceyard.collector.otlp.OtlpJson;
import dev.traceyard.store.StoreHarness;
import dev.traceyard.store.TestData;
import dev.traceyard.store.codec.OtlpValuesJson;
import dev.traceyard.store.query.TraceId;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The span row encoding of docs/store.md (row order by trace start, a trace's end as an offset, rare
 * span fields in the {@code span_extras} side table) on disk, and partitions written before it read unchanged.
 */
class SpanRowEncodingIT {
  @TempDir
  Path dir;

  private Path partitionFile() throws Exception {
    try (var files = Files.list(dir.resolve("partitions"))) {
      List<Path> all = files.filter(f -> f.toString().endsWith(".duckdb")).toList();
      assertThat(all).hasSize(1);
      return all.get(0);
    }
  }

  private static Span span(TraceId trace, long id, long start) {
    return TestData.span(trace, id, id == 1 ? null : 1L, "op" + id, Span.SpanKind.SPAN_KIND_INTERNAL, start, 2 * MS,
        Status.StatusCode.STATUS_CODE_UNSET);
  }

  @Test
  void writeGroup_storesTracesByStart_theEndAsAnOffset_andRareFieldsInASideTable() throws Exception {
    // Trace ids in the opposite order of their starts; spans of a trace listed out of start order.
    TraceId early = TestData.traceId(9);
    TraceId late = TestData.traceId(1);
    long t;
    Span withExtras;
    try (StoreHarness store = StoreHarness.start(dir)) {
      t = store.clock.nanos() - 60_000 * MS;
      withExtras = span(early, 3, t + 3 * MS).toBuilder().setTraceState("k=v")
          .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR).setMessage("failed"))
          .addEvents(Span.Event.newBuilder().setTimeUnixNano(t + 4 * MS).setName("exception")).build();
      store.send(TestData.request(TestData.resource("svc"), span(late, 2, t + 10 * MS), span(late, 1, t + 5 * MS),
          withExtras, span(early, 1, t), span(early, 2, t + MS)));
      store.flush();
      // One request, one write group (how well the writer batches: write_group_items / write_groups).
      assertThat(store.telemetry.value("traceyard_store_write_groups", "traceyard")).isEqualTo(1);
      assertThat(store.telemetry.value("traceyard_store_write_group_items", "traceyard")).isEqualTo(5);
      Span got = OtlpJson.decodeTraces(store.getBytes("/api/v1/traces/" + early.toHex()).body())
          .getResourceSpans(0).getScopeSpans(0).getSpans(2);
      assertThat(got).isEqualTo(withExtras);
    }
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + partitionFile());
        Statement s = c.createStatement()) {
      List<String> rows = new ArrayList<>();
      try (ResultSet r = s.executeQuery("SELECT s.trace_lo, s.name, s.trace_state, s.status_message, s.events,"
          + " s.links, x.extras FROM spans s LEFT JOIN span_extras x USING (sid) ORDER BY sid")) {
        while (r.next()) {
          rows.add(r.getLong(1) + " " + r.getString(2) + " " + r.getString(3) + " " + r.getString(4) + " "
              + r.getString(5) + " " + r.getString(6) + " " + r.getString(7));
        }
      }
      assertThat(longs(s, "SELECT count(*) FROM span_extras")).containsExactly(1L);
      assertThat(rows).containsExactly(
          early.lo() + " op1 null null null null null",
          early.lo() + " op2 null null null null null",
          early.lo() + " op3 null null null null " + OtlpValuesJson.spanExtras(withExtras),
          late.lo() + " op1 null null null null null",
          late.lo() + " op2 null null null null null");
      List<String> index = new ArrayList<>();
      try (ResultSet r = s.executeQuery("SELECT trace_lo, min_start_ns, max_end_ns, end_off, min_sid, span_count,"
          + " extras_count FROM trace_index ORDER BY min_sid")) {
        while (r.next()) {
          index.add(r.getLong(1) + " " + r.getLong(2) + " " + r.getObject(3) + " " + r.getLong(4) + " "
              + r.getLong(5) + " " + r.getInt(6) + " " + r.getObject(7));
        }
      }
      assertThat(index).containsExactly(
          early.lo() + " " + t + " null " + 5 * MS + " 0 3 1",
          late.lo() + " " + (t + 5 * MS) + " null " + 7 * MS + " 3 2 null");
    }
  }

  @Test
  void writeGroup_joinsATracesScatteredSpansIntoOneRun_andBreaksEqualStartsByTraceId() throws Exception {
    // Two traces starting together, their spans interleaved and the children before their parents;
    // a third trace starting earlier arrives last.
    TraceId a = TestData.traceId(5);
    TraceId b = TestData.traceId(3);
    TraceId first = TestData.traceId(7);
    long t;
    try (StoreHarness store = StoreHarness.start(dir)) {
      t = store.clock.nanos() - 60_000 * MS;
      store.send(TestData.request(TestData.resource("svc"), span(a, 2, t + MS), span(b, 3, t + 2 * MS),
          span(a, 1, t), span(b, 1, t), span(a, 3, t + MS), span(b, 2, t + MS), span(first, 1, t - MS)));
      store.flush();
      for (TraceId id : List.of(a, b, first)) {
        List<Span> spans = OtlpJson.decodeTraces(store.getBytes("/api/v1/traces/" + id.toHex()).body())
            .getResourceSpans(0).getScopeSpans(0).getSpansList();
        assertThat(spans).extracting(Span::getName).hasSize(id.equals(first) ? 1 : 3);
        assertThat(spans).filteredOn(sp -> !sp.getName().equals("op1"))
            .allSatisfy(sp -> assertThat(sp.getParentSpanId()).isEqualTo(TestData.spanId(1)));
      }
    }
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + partitionFile());
        Statement s = c.createStatement()) {
      List<String> rows = new ArrayList<>();
      // Spans 2 and 3 of a start together: they keep their arrival order; each trace's spans are one run.
      try (ResultSet r = s.executeQuery("SELECT trace_lo, name, parent_off FROM spans ORDER BY sid")) {
        while (r.next()) {
          rows.add(r.getLong(1) + " " + r.getString(2) + " " + r.getObject(3));
        }
      }
      assertThat(rows).containsExactly(
          first.lo() + " op1 null",
          b.lo() + " op1 null", b.lo() + " op2 1", b.lo() + " op3 2",
          a.lo() + " op1 null", a.lo() + " op2 1", a.lo() + " op3 2");
      try (ResultSet r = s.executeQuery("SELECT string_agg(min_sid || '+' || span_count, ' ' ORDER BY min_sid)"
          + " FROM trace_index")) {
        assertThat(r.next()).isTrue();
        assertThat(r.getString(1)).isEqualTo("0+1 1+3 4+3");
      }
    }
  }

  @Test
  void partitionWrittenBeforeExtrasAndEndOffsets_servesItsTracesAndLogsUnchanged_andTakesNewRows() throws Exception {
    TraceId old = TestData.traceId(1);
    TraceId added = TestData.traceId(2);
    long start;
    String trace;
    String logs;
    try (StoreHarness store = StoreHarness.start(dir)) {
      start = store.clock.nanos() - 60_000 * MS;
      store.send(TestData.fullTrace(old, start));
      store.send(TestData.logs(old, start));
      store.flush();
      trace = store.get("/api/v1/traces/" + old.toHex()).body();
      logs = store.get("/api/v1/traces/" + old.toHex() + "/logs").body();
      assertThat(store.json("/api/v1/traces/" + old.toHex() + "/logs").path("resourceLogs").get(0)
          .path("scopeLogs").get(0).path("logRecords")).hasSize(2);
    }
    Path file = partitionFile();
    rewriteInTheEarlierForm(file);

    try (StoreHarness store = StoreHarness.start(dir)) {
      assertThat(store.get("/api/v1/traces/" + old.toHex()).body()).isEqualTo(trace);
      assertThat(store.get("/api/v1/traces/" + old.toHex() + "/logs").body()).isEqualTo(logs);
      // New rows in the same partition, next to the earlier ones.
      ExportTraceServiceRequest sent = TestData.fullTrace(added, start + 1_000 * MS);
      store.send(sent);
      store.flush();
      Span root = sent.getResourceSpans(0).getScopeSpans(0).getSpans(0);
      ExportTraceServiceRequest got = OtlpJson.decodeTraces(store.getBytes("/api/v1/traces/" + added.toHex()).body());
      assertThat(got.getResourceSpans(0).getScopeSpans(0).getSpans(0)).isEqualTo(root);
      assertThat(store.get("/api/v1/traces/" + old.toHex()).body()).isEqualTo(trace);
      JsonNode both = store.json("/api/v1/traces?service=frontend&start=" + (start / 1_000_000 - 1000));
      assertThat(both.path("traces")).hasSize(2);
    }
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file);
        Statement s = c.createStatement()) {
      assertThat(longs(s, "SELECT (SELECT count(*) FROM span_extras), count(status_message) FROM spans"))
          .as("the added trace's root in span_extras; the earlier trace's spans with status_message ''")
          .containsExactly(1L, 4L);
      assertThat(longs(s, "SELECT count(max_end_ns), count(end_off) FROM trace_index")).containsExactly(1L, 1L);
    }
  }

  private static List<Long> longs(Statement s, String sql) throws Exception {
    try (ResultSet r = s.executeQuery(sql)) {
      r.next();
      List<Long> out = new ArrayList<>();
      for (int i = 1; i <= r.getMetaData().getColumnCount(); i++) {
        out.add(r.getLong(i));
      }
      return out;
    }
  }

  /**
   * Turns a partition into what the writer stored before span_extras and trace_index.end_off and
   * extras_count
   * existed: trace state and status message as strings ('' when unset), events and links as
   * OTLP/JSON arrays (NULL when none), the trace's end as max_end_ns; neither column present.
   */
  private static void rewriteInTheEarlierForm(Path file) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file);
        Statement s = c.createStatement()) {
      List<Object[]> updates = new ArrayList<>();
      try (ResultSet r = s.executeQuery("SELECT sid, extras FROM spans LEFT JOIN span_extras USING (sid)")) {
        while (r.next()) {
          OtlpValuesJson.SpanExtras x = OtlpValuesJson.parseSpanExtras(r.getString(2));
          updates.add(new Object[] {x.traceState(), x.statusMessage(), OtlpValuesJson.events(x.events()),
              OtlpValuesJson.links(x.links()), r.getLong(1)});
        }
      }
      try (PreparedStatement u = c.prepareStatement(
          "UPDATE spans SET trace_state = ?, status_message = ?, events = ?, links = ? WHERE sid = ?")) {
        for (Object[] row : updates) {
          for (int i = 0; i < row.length; i++) {
            u.setObject(i + 1, row[i]);
          }
          u.executeUpdate();
        }
      }
      s.execute("DROP TABLE span_extras");
      s.execute("UPDATE trace_index SET max_end_ns = min_start_ns + end_off");
      s.execute("ALTER TABLE trace_index DROP COLUMN end_off");
      s.execute("ALTER TABLE trace_index DROP COLUMN extras_count");
      assertThat(longs(s, "SELECT count(*) FROM duckdb_columns() WHERE column_name IN ('extras', 'end_off', 'extras_count')"))
          .containsExactly(0L);
      assertThat(longs(s, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'span_extras'")).containsExactly(0L);
      assertThat(longs(s, "SELECT count(*) FILTER (WHERE status_message <> ''), count(events) FROM spans"))
          .containsExactly(1L, 1L);
    }
  }
}
