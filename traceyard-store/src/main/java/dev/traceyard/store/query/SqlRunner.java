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
    DuckDBConnection c;
    try {
      c = store.pool().borrow();
    } catch (SQLException e) {
      throw new StoreQueryException(e.getMessage(), e);
    }
    try (PreparedStatement ps = c.prepareStatement(sql.text())) {
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
      String m = String.valueOf(e.getMessage());
      // Regular expressions are checked with Java's syntax first; what RE2 rejects beyond that
      // (look-arounds, back-references) surfaces here as an input error.
      if (m.contains("Invalid Input Error") && sql.text().contains("regexp_full_match")) {
        throw new BadQueryException("invalid regular expression (RE2 syntax): "
            + m.replace("Invalid Input Error: ", ""));
      }
      throw new StoreQueryException("query failed: " + m, e);
    } finally {
      store.pool().release(c);
    }
  }
}
