package dev.traceyard.store.query;

import dev.traceyard.store.db.Store;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import org.duckdb.DuckDBConnection;

/** Runs a read-only {@link Sql} on a pooled connection of the store, row by row; shared by the query classes. */
final class SqlRunner {
  private static final int QUERY_TIMEOUT_SECONDS = 60;

  @FunctionalInterface
  interface RowHandler {
    void row(ResultSet r) throws SQLException;
  }

  private SqlRunner() {}

  /**
   * Binds the parameters (Long, Integer, Double, else String), runs the statement with a timeout and
   * hands each row to {@code handler}.
   *
   * @throws BadQueryException for a regular expression DuckDB's RE2 rejects (an input error)
   * @throws StoreQueryException for any other failure
   */
  static void query(Store store, Sql sql, RowHandler handler) {
    run(store, sql, handler, false);
  }

  /**
   * Like {@link #query}, on a prepared statement the borrowed connection keeps for the next run of the
   * same text: for statements whose text repeats with new parameters (trace by id), where DuckDB's
   * parse, bind and plan cost as much as the run itself.
   */
  static void queryPrepared(Store store, Sql sql, RowHandler handler) {
    run(store, sql, handler, true);
  }

  private static void run(Store store, Sql sql, RowHandler handler, boolean cached) {
    DuckDBConnection c;
    try {
      c = store.pool().borrow();
    } catch (SQLException e) {
      throw new StoreQueryException(e.getMessage(), e);
    }
    String text = sql.text();
    PreparedStatement ps = null;
    try {
      ps = cached ? store.pool().prepareCached(c, text) : c.prepareStatement(text);
      List<Object> params = sql.params();
      for (int i = 0; i < params.size(); i++) {
        Object v = params.get(i);
        if (v instanceof Long) {
          ps.setLong(i + 1, (Long) v);
        } else if (v instanceof Integer) {
          ps.setInt(i + 1, (Integer) v);
        } else if (v instanceof Double) {
          ps.setDouble(i + 1, (Double) v);
        } else {
          ps.setString(i + 1, (String) v);
        }
      }
      ps.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
      try (ResultSet r = ps.executeQuery()) {
        while (r.next()) {
          handler.row(r);
        }
      }
    } catch (SQLException e) {
      if (cached) {
        store.pool().discard(c, text); // e.g. a partition detached since: the next run prepares afresh
      }
      String m = String.valueOf(e.getMessage());
      // Regular expressions are checked with Java's syntax first; what RE2 rejects beyond that
      // (look-arounds, back-references) surfaces here as an input error.
      if (m.contains("Invalid Input Error") && text.contains("regexp_full_match")) {
        throw new BadQueryException("invalid regular expression (RE2 syntax): "
            + m.replace("Invalid Input Error: ", ""));
      }
      throw new StoreQueryException("query failed: " + m, e);
    } finally {
      if (!cached && ps != null) {
        try {
          ps.close();
        } catch (SQLException e) {
          // the statement is gone with its result
        }
      }
      store.pool().release(c);
    }
  }
}
