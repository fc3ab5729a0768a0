package dev.traceyard.store.db;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.duckdb.DuckDBConnection;

/**
 * Read connections to the store's DuckDB instance; each query borrows one. Each connection keeps its
 * most recently used prepared statements for the statements run again and again with new parameters
 * (trace by id): DuckDB spends about as much CPU parsing, binding and planning such a statement as
 * running it. A statement stays valid across partition attach and detach: DuckDB binds it again when
 * the catalog changed, and a statement naming a detached partition fails and is dropped.
 */
public final class ConnectionPool implements AutoCloseable {
  /** Prepared statements kept per connection: the trace-by-id shapes of the current partition set. */
  private static final int STATEMENTS_PER_CONNECTION = 16;

  private final BlockingQueue<DuckDBConnection> idle;
  private final List<DuckDBConnection> all = new ArrayList<>();
  /** Read-only after construction; each cache is used only by the thread that borrowed its connection. */
  private final Map<DuckDBConnection, StatementCache> statements = new IdentityHashMap<>();

  ConnectionPool(DuckDBConnection root, int size) throws SQLException {
    idle = new ArrayBlockingQueue<>(size);
    for (int i = 0; i < size; i++) {
      DuckDBConnection c = root.duplicate();
      all.add(c);
      idle.add(c);
      statements.put(c, new StatementCache(c));
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

  /**
   * A prepared statement for {@code sql} on {@code c} (borrowed from this pool), kept for the next
   * borrower of {@code c}; never close it, call {@link #discard} when running it failed.
   */
  public PreparedStatement prepareCached(DuckDBConnection c, String sql) throws SQLException {
    StatementCache cache = statements.get(c);
    if (cache == null) {
      throw new IllegalArgumentException("connection not from this pool");
    }
    return cache.get(sql);
  }

  /** Closes and forgets the cached statement for {@code sql} on {@code c}: its last run failed. */
  public void discard(DuckDBConnection c, String sql) {
    StatementCache cache = statements.get(c);
    if (cache != null) {
      cache.discard(sql);
    }
  }

  @Override
  public void close() {
    for (DuckDBConnection c : all) {
      statements.get(c).closeAll();
      try {
        c.close();
      } catch (SQLException e) {
        // closing anyway
      }
    }
  }

  /** Least recently used prepared statements of one connection. */
  private static final class StatementCache {
    private final DuckDBConnection connection;
    private final LinkedHashMap<String, PreparedStatement> bySql = new LinkedHashMap<>(32, 0.75f, true);

    StatementCache(DuckDBConnection connection) {
      this.connection = connection;
    }

    PreparedStatement get(String sql) throws SQLException {
      PreparedStatement ps = bySql.get(sql);
      if (ps != null && !ps.isClosed()) {
        return ps;
      }
      ps = connection.prepareStatement(sql);
      bySql.put(sql, ps);
      if (bySql.size() > STATEMENTS_PER_CONNECTION) {
        Map.Entry<String, PreparedStatement> eldest = bySql.entrySet().iterator().next();
        bySql.remove(eldest.getKey());
        quietlyClose(eldest.getValue());
      }
      return ps;
    }

    void discard(String sql) {
      PreparedStatement ps = bySql.remove(sql);
      if (ps != null) {
        quietlyClose(ps);
      }
    }

    void closeAll() {
      bySql.values().forEach(StatementCache::quietlyClose);
      bySql.clear();
    }

    private static void quietlyClose(PreparedStatement ps) {
      try {
        ps.close();
      } catch (SQLException e) {
        // a statement that cannot be closed is gone with its connection
      }
    }
  }
}
