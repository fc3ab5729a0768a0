package dev.traceyard.store.db;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The store writer's transaction boundaries, as SQL on a connection left in auto-commit mode.
 *
 * <p>Why not JDBC's {@code setAutoCommit(false)}: DuckDB's driver then opens a transaction only when
 * the next statement runs. The writer runs no statement between two write groups, only appenders, so
 * after the first commit every appender flush ran outside any transaction, committing on its own (a
 * WAL write and a commit per flush) and surviving the group's rollback after a failure.
 */
final class WriteTransaction {
  private final Connection conn;
  private boolean open;

  WriteTransaction(Connection conn) {
    this.conn = conn;
  }

  /** Opens the transaction the following appends and statements join (a no-op while one is open). */
  void begin() throws SQLException {
    if (!open) {
      exec("BEGIN TRANSACTION");
      open = true;
    }
  }

  void commit() throws SQLException {
    if (open) {
      exec("COMMIT");
      open = false; // a failed COMMIT leaves the transaction to roll back
    }
  }

  /** Undoes everything since {@link #begin} (a no-op when no transaction is open). */
  void rollback() throws SQLException {
    if (open) {
      open = false;
      exec("ROLLBACK");
    }
  }

  private void exec(String sql) throws SQLException {
    try (Statement s = conn.createStatement()) {
      s.execute(sql);
    }
  }
}
