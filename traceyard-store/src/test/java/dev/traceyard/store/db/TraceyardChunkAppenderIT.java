package dev.traceyard.store.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Array;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import org.duckdb.TraceyardChunkAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store's column-wise appender against a real DuckDB file: every value written comes back as
 * written, across chunk boundaries, NULLs, inline and out-of-line strings, and lists, inside the
 * connection's transaction (rolled back with it).
 */
class TraceyardChunkAppenderIT {
  @TempDir
  Path dir;

  private DuckDBConnection conn;
  private WriteTransaction tx;

  @BeforeEach
  void open() throws Exception {
    conn = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:" + dir.resolve("root.duckdb"));
    try (Statement s = conn.createStatement()) {
      s.execute("ATTACH '" + dir.resolve("p.duckdb") + "' AS p");
      s.execute("CREATE TABLE p.t (id BIGINT, i INTEGER, b TINYINT, d DOUBLE, s VARCHAR, l INTEGER[])");
    }
    tx = new WriteTransaction(conn);
    tx.begin();
  }

  @AfterEach
  void close() throws Exception {
    conn.close();
  }

  private record Row(long id, Integer i, Byte b, Double d, String s, int[] l) {}

  private static void put(TraceyardChunkAppender a, Row r) throws SQLException {
    a.putLong(0, r.id);
    if (r.i == null) {
      a.putNull(1);
    } else {
      a.putInt(1, r.i);
    }
    if (r.b == null) {
      a.putNull(2);
    } else {
      a.putByte(2, r.b);
    }
    if (r.d == null) {
      a.putNull(3);
    } else {
      a.putDouble(3, r.d);
    }
    a.putString(4, r.s);
    if (r.l == null) {
      a.putNull(5);
    } else {
      a.putIntList(5, r.l);
    }
    a.endRow();
  }

  private List<Row> readBack() throws SQLException {
    List<Row> rows = new ArrayList<>();
    try (Statement s = conn.createStatement(); ResultSet r = s.executeQuery("SELECT * FROM p.t ORDER BY id")) {
      while (r.next()) {
        Array l = r.getArray(6);
        int[] list = null;
        if (l != null) {
          Object[] items = (Object[]) l.getArray();
          list = Arrays.stream(items).mapToInt(o -> (Integer) o).toArray();
        }
        rows.add(new Row(r.getLong(1), (Integer) r.getObject(2), (Byte) r.getObject(3), (Double) r.getObject(4),
            r.getString(5), list));
      }
    }
    return rows;
  }

  private static Row random(Random rnd, long id) {
    String[] strings = {"", "a", "twelve bytes", "thirteen byte", "GET /api/users/{id}", "ünïcödé", "日本語のスパン名前",
        "x".repeat(300)};
    int[] list = rnd.nextInt(10) == 0 ? null : rnd.ints(rnd.nextInt(12), -5, 1 << 20).toArray();
    return new Row(id, rnd.nextInt(7) == 0 ? null : rnd.nextInt(), rnd.nextInt(5) == 0 ? null : (byte) rnd.nextInt(),
        rnd.nextInt(6) == 0 ? null : rnd.nextDouble() * 1e6, rnd.nextInt(8) == 0 ? null : strings[rnd.nextInt(
            strings.length)] + (rnd.nextBoolean() ? "" : Long.toString(id)), list);
  }

  @Test
  void rowsOverSeveralChunks_comeBackExactlyAsWritten() throws Exception {
    Random rnd = new Random(7);
    List<Row> written = new ArrayList<>();
    try (TraceyardChunkAppender a = TraceyardChunkAppender.create(conn, "p", "t")) {
      for (int n = 0; n < 5000; n++) {
        Row r = random(rnd, n);
        put(a, r);
        written.add(r);
        if (n == 2999) {
          a.flush(); // a flush in the middle of a chunk, then more rows
        }
      }
      a.flush();
    }
    tx.commit();

    List<Row> read = readBack();
    assertThat(read).hasSize(written.size());
    for (int n = 0; n < written.size(); n++) {
      Row w = written.get(n);
      Row r = read.get(n);
      assertThat(r.id).isEqualTo(w.id);
      assertThat(r.i).as("row %d i", n).isEqualTo(w.i);
      assertThat(r.b).as("row %d b", n).isEqualTo(w.b);
      assertThat(r.d).as("row %d d", n).isEqualTo(w.d);
      assertThat(r.s).as("row %d s", n).isEqualTo(w.s);
      assertThat(r.l).as("row %d l", n).isEqualTo(w.l);
    }
  }

  @Test
  void inlineStrings_compareAndGroupLikeStringsWrittenBySql() throws Exception {
    // Inlined strings are padded with zeros: equal strings must be equal whatever the bytes left in
    // the vector by a longer string in the previous chunk.
    try (TraceyardChunkAppender a = TraceyardChunkAppender.create(conn, "p", "t")) {
      for (int n = 0; n < 4096; n++) {
        put(a, new Row(n, 1, (byte) 1, 1.0, n < 2048 ? "abcdefghijkl" : "ab", new int[0]));
      }
      a.flush();
    }
    try (Statement s = conn.createStatement()) {
      s.execute("INSERT INTO p.t VALUES (9999, 1, 1, 1.0, 'ab', [])");
    }
    tx.commit();
    try (Statement s = conn.createStatement();
        ResultSet r = s.executeQuery("SELECT s, count(*) FROM p.t GROUP BY s ORDER BY s")) {
      assertThat(r.next()).isTrue();
      assertThat(r.getString(1)).isEqualTo("ab");
      assertThat(r.getLong(2)).isEqualTo(2049);
      assertThat(r.next()).isTrue();
      assertThat(r.getString(1)).isEqualTo("abcdefghijkl");
      assertThat(r.getLong(2)).isEqualTo(2048);
      assertThat(r.next()).isFalse();
    }
  }

  @Test
  void rowsFlushedIntoATransaction_goAwayWithItsRollback() throws Exception {
    try (TraceyardChunkAppender a = TraceyardChunkAppender.create(conn, "p", "t")) {
      put(a, new Row(1, 1, (byte) 1, 1.0, "kept", new int[] {1}));
      a.flush();
      tx.commit();
      // The writer's next group: no statement runs between the commit and these appends.
      tx.begin();
      put(a, new Row(2, 2, (byte) 2, 2.0, "rolled back", new int[] {2}));
      a.flush();
      tx.rollback();
    }
    assertThat(readBack()).extracting(Row::s).containsExactly("kept");
  }

  @Test
  void duckDbAppenderRowsAfterACommit_goAwayWithTheNextRollback_too() throws Exception {
    // The other tables' appender: with JDBC's auto-commit off instead of WriteTransaction, the second
    // row would be committed by its own flush and survive the rollback.
    try (DuckDBAppender a = conn.createAppender("p", DuckDBConnection.DEFAULT_SCHEMA, "t")) {
      a.beginRow().append(1L).appendNull().appendNull().appendNull().append("kept").appendNull().endRow();
      a.flush();
      tx.commit();
      tx.begin();
      a.beginRow().append(2L).appendNull().appendNull().appendNull().append("rolled back").appendNull().endRow();
      a.flush();
      tx.rollback();
    }
    assertThat(readBack()).extracting(Row::s).containsExactly("kept");
  }

  @Test
  void aPutOfTheWrongKind_orARowMissingAValue_isRefused_andTheNextRowIsStoredIntact() throws Exception {
    try (TraceyardChunkAppender a = TraceyardChunkAppender.create(conn, "p", "t")) {
      assertThat(a.columnCount()).isEqualTo(6);
      assertThatThrownBy(() -> a.putInt(0, 1)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("column 0 is BIGINT, not INTEGER");
      a.putLong(0, 1);
      a.putNull(1);
      assertThatThrownBy(a::endRow).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("a row needs 6 values, got 2");
      put(a, new Row(2, 5, (byte) 5, 5.0, "next", new int[] {5}));
      a.flush();
    }
    tx.commit();
    assertThat(readBack()).singleElement().satisfies(r -> {
      assertThat(r.id).isEqualTo(2);
      assertThat(r.i).isEqualTo(5); // not NULL: the refused row's NULL did not leak into it
    });
  }

  @Test
  void aTableWithAColumnTypeItCannotWrite_isRefusedAtCreation() throws Exception {
    try (Statement s = conn.createStatement()) {
      s.execute("CREATE TABLE p.u (id BIGINT, ts TIMESTAMP)");
    }
    assertThatThrownBy(() -> TraceyardChunkAppender.create(conn, "p", "u")).isInstanceOf(SQLException.class)
        .hasMessageContaining("column 1 of u has a type this appender does not write");
    assertThatThrownBy(() -> TraceyardChunkAppender.create(conn, "p", "missing")).isInstanceOf(SQLException.class)
        .hasMessageContaining("p.missing");
  }

  @Test
  void aClosedAppender_refusesPuts() throws Exception {
    TraceyardChunkAppender a = TraceyardChunkAppender.create(conn, "p", "t");
    a.close();
    a.close(); // idempotent
    assertThatThrownBy(() -> a.putLong(0, 1)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    assertThatThrownBy(a::flush).isInstanceOf(SQLException.class).hasMessageContaining("closed");
  }
}
