package dev.traceyard.store.db;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.duckdb.DuckDBConnection;

/** Read connections to the store's DuckDB instance; each query borrows one. */
public final class ConnectionPool implements AutoCloseable {
  private final BlockingQueue<DuckDBConnection> idle;
  private final List<DuckDBConnection> all = new ArrayList<>();

  ConnectionPool(DuckDBConnection root, int size) throws SQLException {
    idle = new ArrayBlockingQueue<>(size);
    for (int i = 0; i < size; i++) {
      DuckDBConnection c = root.duplicate();
      all.add(c);
      idle.add(c);
    }
  }

  public DuckDBConnection borrow() throws SQLException {
    try {
      DuckDBConnection c = idle.poll(30, TimeUnit.SECONDS);
      if (c == null) {
        throw new SQLException("no database connection free within 30s: too many concurrent queries");
      }
      return c;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SQLException("interrupted while waiting for a database connection", e);
    }
  }

  public void release(DuckDBConnection c) {
    idle.offer(c);
  }

  @Override
  public void close() {
    for (DuckDBConnection c : all) {
      try {
        c.close();
      } catch (SQLException e) {
        // closing anyway
      }
    }
  }
}
