package org.duckdb;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.Arrays;

/**
 * Traceyard's own appender for its hottest table (the store's span rows), writing DuckDB data chunks
 * column by column. It lives in DuckDB's package because the driver exposes the C API's chunk
 * functions ({@code duckdb_append_data_chunk}, vector data as direct buffers) only there; it uses
 * exactly the calls the driver's own {@link DuckDBAppender} makes.
 *
 * <p>Why not {@link DuckDBAppender}: it checks and advances a column cursor per value, and a LIST
 * value costs it five native calls and a new direct buffer per row. For a span row (24 values, one
 * list) that was about 2 us of the store writer's ~6 us per span. Here a value is one absolute put
 * into the column's buffer, a list value one array copy (the chunk's lists go to DuckDB in one
 * call), a string of up to 12 bytes is written inline (DuckDB's string_t layout), and only longer
 * strings take a native call.
 *
 * <p>Usage per row: one put per column (any order), then {@link #endRow}; a full chunk (the vector
 * size, 2048 rows) goes to the appender's buffer, {@link #flush} hands everything to the connection's
 * open transaction. Not thread-safe: one writer thread, like the driver's appender. Supported column
 * types: BIGINT, INTEGER, TINYINT, DOUBLE, VARCHAR and INTEGER[]; a put of the wrong kind, or a row
 * missing a column, throws {@link IllegalStateException} (a programming error, found by tests).
 */
public final class TraceyardChunkAppender implements AutoCloseable {
  private static final int STRING_SIZE = 16;
  private static final int INLINE_MAX = 12;
  private static final int LIST_ENTRY_SIZE = 16;

  /** A column type this appender writes, with the bytes one row takes in its vector. */
  private enum Kind {
    BIGINT(8), INTEGER(4), TINYINT(1), DOUBLE(8), VARCHAR(STRING_SIZE), INT_LIST(LIST_ENTRY_SIZE);

    final int width;

    Kind(int width) {
      this.width = width;
    }
  }

  private final DuckDBConnection conn;
  private final String table;
  private ByteBuffer appenderRef;
  private final ByteBuffer[] types;
  private final ByteBuffer chunkRef;
  private final int capacity;
  private final Kind[] kinds;
  private final ByteBuffer[] vectors;
  private final ByteBuffer[] data;
  /** Per column: bit set = the row is NULL in the current chunk. */
  private final long[][] nulls;
  private final boolean[] anyNull;
  /** Per list column: the current chunk's list elements, in row order. */
  private final int[][] listValues;
  private final int[] listSizes;
  private int row;
  private int putsInRow;
  private boolean buffersValid;

  private TraceyardChunkAppender(DuckDBConnection conn, String table, ByteBuffer appenderRef, ByteBuffer[] types,
      Kind[] kinds) throws SQLException {
    this.conn = conn;
    this.table = table;
    this.appenderRef = appenderRef;
    this.types = types;
    this.kinds = kinds;
    this.chunkRef = DuckDBBindings.duckdb_create_data_chunk(types);
    if (chunkRef == null) {
      throw new SQLException("cannot create a data chunk for " + table);
    }
    this.capacity = (int) DuckDBBindings.duckdb_vector_size();
    int n = kinds.length;
    this.vectors = new ByteBuffer[n];
    this.data = new ByteBuffer[n];
    this.nulls = new long[n][(capacity + 63) / 64];
    this.anyNull = new boolean[n];
    this.listValues = new int[n][];
    this.listSizes = new int[n];
    for (int i = 0; i < n; i++) {
      if (kinds[i] == Kind.INT_LIST) {
        listValues[i] = new int[capacity * 8];
      }
    }
  }

  /** An appender for {@code catalog.main.table} on {@code conn} (which must stay open until {@link #close}). */
  public static TraceyardChunkAppender create(DuckDBConnection conn, String catalog, String table)
      throws SQLException {
    ByteBuffer[] out = new ByteBuffer[1];
    ByteBuffer appender;
    conn.connRefLock.lock();
    try {
      conn.checkOpen();
      if (DuckDBBindings.duckdb_appender_create_ext(conn.connRef, utf8(catalog), utf8(DuckDBConnection.DEFAULT_SCHEMA),
          utf8(table), out) != 0 || out[0] == null) {
        String detail = "";
        if (out[0] != null) {
          detail = ": " + errorOf(out[0]);
          DuckDBBindings.duckdb_appender_destroy(out[0]);
        }
        throw new SQLException("cannot create an appender for " + catalog + "." + table + detail);
      }
      appender = out[0];
    } finally {
      conn.connRefLock.unlock();
    }
    int n = (int) DuckDBBindings.duckdb_appender_column_count(appender);
    ByteBuffer[] types = new ByteBuffer[n];
    Kind[] kinds = new Kind[n];
    try {
      for (int i = 0; i < n; i++) {
        types[i] = DuckDBBindings.duckdb_appender_column_type(appender, i);
        kinds[i] = kind(types[i], table, i);
      }
      return new TraceyardChunkAppender(conn, table, appender, types, kinds);
    } catch (SQLException | RuntimeException e) {
      for (ByteBuffer t : types) {
        if (t != null) {
          DuckDBBindings.duckdb_destroy_logical_type(t);
        }
      }
      DuckDBBindings.duckdb_appender_destroy(appender);
      throw e;
    }
  }

  private static Kind kind(ByteBuffer type, String table, int col) throws SQLException {
    int id = DuckDBBindings.duckdb_get_type_id(type);
    DuckDBBindings.CAPIType t = DuckDBBindings.CAPIType.capiTypeFromTypeId(id);
    switch (t) {
      case DUCKDB_TYPE_BIGINT:
        return Kind.BIGINT;
      case DUCKDB_TYPE_INTEGER:
        return Kind.INTEGER;
      case DUCKDB_TYPE_TINYINT:
        return Kind.TINYINT;
      case DUCKDB_TYPE_DOUBLE:
        return Kind.DOUBLE;
      case DUCKDB_TYPE_VARCHAR:
        return Kind.VARCHAR;
      case DUCKDB_TYPE_LIST:
        return Kind.INT_LIST;
      default:
        throw new SQLException("column " + col + " of " + table + " has a type this appender does not write: " + t);
    }
  }

  public int columnCount() {
    return kinds.length;
  }

  public void putLong(int col, long v) {
    buffer(col, Kind.BIGINT).putLong(row * 8, v);
  }

  public void putInt(int col, int v) {
    buffer(col, Kind.INTEGER).putInt(row * 4, v);
  }

  public void putByte(int col, byte v) {
    buffer(col, Kind.TINYINT).put(row, v);
  }

  public void putDouble(int col, double v) {
    buffer(col, Kind.DOUBLE).putDouble(row * 8, v);
  }

  /** A VARCHAR value; null appends NULL. */
  public void putString(int col, String v) {
    if (v == null) {
      putNull(col);
      return;
    }
    ByteBuffer b = buffer(col, Kind.VARCHAR);
    byte[] bytes = v.getBytes(StandardCharsets.UTF_8);
    int at = row * STRING_SIZE;
    if (bytes.length <= INLINE_MAX) {
      // string_t, inlined: length, then the bytes zero-padded (DuckDB compares the whole 16 bytes).
      b.putInt(at, bytes.length);
      for (int i = 0; i < INLINE_MAX; i++) {
        b.put(at + 4 + i, i < bytes.length ? bytes[i] : 0);
      }
    } else {
      DuckDBBindings.duckdb_vector_assign_string_element_len(vectors[col], row, bytes);
    }
  }

  /** An INTEGER[] value (copied). */
  public void putIntList(int col, int[] values) {
    ByteBuffer b = buffer(col, Kind.INT_LIST);
    int size = listSizes[col];
    int[] dst = listValues[col];
    if (size + values.length > dst.length) {
      dst = Arrays.copyOf(dst, Math.max(size + values.length, dst.length * 2));
      listValues[col] = dst;
    }
    System.arraycopy(values, 0, dst, size, values.length);
    b.putLong(row * LIST_ENTRY_SIZE, size);
    b.putLong(row * LIST_ENTRY_SIZE + 8, values.length);
    listSizes[col] = size + values.length;
  }

  public void putNull(int col) {
    prepare(col);
    nulls[col][row >>> 6] |= 1L << (row & 63);
    anyNull[col] = true;
    if (kinds[col] == Kind.INT_LIST) {
      // A NULL list still needs a well-formed entry.
      data[col].putLong(row * LIST_ENTRY_SIZE, listSizes[col]);
      data[col].putLong(row * LIST_ENTRY_SIZE + 8, 0);
    }
  }

  private ByteBuffer buffer(int col, Kind expected) {
    if (kinds[col] != expected) {
      throw new IllegalStateException(table + " column " + col + " is " + kinds[col] + ", not " + expected);
    }
    prepare(col);
    return data[col];
  }

  private void prepare(int col) {
    if (appenderRef == null) {
      throw new IllegalStateException("appender for " + table + " is closed");
    }
    if (!buffersValid) {
      fetchBuffers();
    }
    putsInRow++;
  }

  /**
   * The chunk's vectors and their data buffers (after a reset DuckDB may have given the vectors new
   * memory), in the machine's byte order, which is DuckDB's.
   */
  private void fetchBuffers() {
    for (int i = 0; i < kinds.length; i++) {
      ByteBuffer v = DuckDBBindings.duckdb_data_chunk_get_vector(chunkRef, i);
      vectors[i] = v;
      data[i] = DuckDBBindings.duckdb_vector_get_data(v, (long) kinds[i].width * capacity).order(ByteOrder.nativeOrder());
    }
    buffersValid = true;
  }

  /** Ends the row: every column must have had exactly one put. A full chunk is handed to the appender. */
  public void endRow() throws SQLException {
    if (putsInRow != kinds.length) {
      int puts = putsInRow;
      discardPartialRow();
      throw new IllegalStateException(table + ": a row needs " + kinds.length + " values, got " + puts);
    }
    putsInRow = 0;
    row++;
    if (row == capacity) {
      appendChunk();
    }
  }

  private void appendChunk() throws SQLException {
    if (row == 0) {
      return;
    }
    for (int i = 0; i < kinds.length; i++) {
      if (anyNull[i]) {
        DuckDBBindings.duckdb_vector_ensure_validity_writable(vectors[i]);
        ByteBuffer validity = DuckDBBindings.duckdb_vector_get_validity(vectors[i], capacity)
            .order(ByteOrder.nativeOrder());
        long[] mask = nulls[i];
        for (int w = 0; w < mask.length; w++) {
          validity.putLong(w * 8, ~mask[w]);
          mask[w] = 0;
        }
        anyNull[i] = false;
      }
      if (kinds[i] == Kind.INT_LIST) {
        int size = listSizes[i];
        if (DuckDBBindings.duckdb_list_vector_reserve(vectors[i], size) != 0) {
          throw new SQLException("cannot reserve " + size + " list elements in " + table);
        }
        if (size > 0) {
          ByteBuffer child = DuckDBBindings.duckdb_list_vector_get_child(vectors[i]);
          DuckDBBindings.duckdb_vector_get_data(child, 4L * size).order(ByteOrder.nativeOrder()).asIntBuffer()
              .put(listValues[i], 0, size);
        }
        if (DuckDBBindings.duckdb_list_vector_set_size(vectors[i], size) != 0) {
          throw new SQLException("cannot set " + size + " list elements in " + table);
        }
        listSizes[i] = 0;
      }
    }
    DuckDBBindings.duckdb_data_chunk_set_size(chunkRef, row);
    int state = DuckDBBindings.duckdb_append_data_chunk(appenderRef, chunkRef);
    DuckDBBindings.duckdb_data_chunk_reset(chunkRef);
    row = 0;
    buffersValid = false;
    if (state != 0) {
      throw new SQLException("cannot append to " + table + ": " + error());
    }
  }

  /** Hands every complete row to the connection's current transaction (a row in progress is dropped). */
  public void flush() throws SQLException {
    if (appenderRef == null) {
      throw new SQLException("appender for " + table + " is closed");
    }
    discardPartialRow();
    appendChunk();
    if (DuckDBBindings.duckdb_appender_flush(appenderRef) != 0) {
      throw new SQLException("cannot flush rows into " + table + ": " + error());
    }
  }

  private void discardPartialRow() {
    if (putsInRow != 0) {
      // A failed row: its values are overwritten by the next row or never handed over.
      putsInRow = 0;
      for (int i = 0; i < kinds.length; i++) {
        nulls[i][row >>> 6] &= ~(1L << (row & 63));
      }
    }
  }

  private String error() {
    return errorOf(appenderRef);
  }

  private static String errorOf(ByteBuffer appender) {
    byte[] e = DuckDBBindings.duckdb_appender_error(appender);
    return e == null ? "unknown error" : new String(e, StandardCharsets.UTF_8);
  }

  /**
   * Closes the appender; DuckDB flushes what it still buffers into the open transaction (so after a
   * failure, close before rolling back). Rows of an unfinished chunk are dropped.
   */
  @Override
  public void close() throws SQLException {
    if (appenderRef == null) {
      return;
    }
    ByteBuffer a = appenderRef;
    appenderRef = null;
    String failure = null;
    conn.connRefLock.lock();
    try {
      if (DuckDBBindings.duckdb_appender_close(a) != 0) {
        failure = errorOf(a);
      }
      DuckDBBindings.duckdb_appender_destroy(a);
    } finally {
      conn.connRefLock.unlock();
      DuckDBBindings.duckdb_destroy_data_chunk(chunkRef);
      for (ByteBuffer t : types) {
        DuckDBBindings.duckdb_destroy_logical_type(t);
      }
    }
    if (failure != null) {
      throw new SQLException("closing the appender of " + table + ": " + failure);
    }
  }

  private static byte[] utf8(String s) {
    return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
  }
}
