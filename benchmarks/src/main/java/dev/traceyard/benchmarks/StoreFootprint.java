package dev.traceyard.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Locale;

/**
 * Where a stopped store's bytes go: for each partition file, DuckDB's own accounting (used and free
 * blocks) and the blocks each table's columns occupy, per stored span. Free blocks are what a
 * compaction (rewriting the file) would give back. Run it on a store no process has open:
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.traceyard.benchmarks.StoreFootprint DATA_DIR</pre>
 */
public final class StoreFootprint {
  private StoreFootprint() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: StoreFootprint DATA_DIR");
    }
    Path partitions = Path.of(args[0], "partitions");
    try (var files = Files.list(partitions)) {
      for (Path file : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".duckdb")).sorted()::iterator) {
        report(file);
      }
    }
  }

  private static void report(Path file) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        Statement s = c.createStatement()) {
      s.execute("ATTACH '" + file.toAbsolutePath().toString().replace("'", "''") + "' AS p (READ_ONLY)");
      long spans = scalar(s, "SELECT count(*) FROM p.spans");
      long fileBytes = Files.size(file);
      System.out.printf(Locale.ROOT, "%s: %,d bytes, %,d spans, %.1f bytes/span%n", file.getFileName(), fileBytes,
          spans, (double) fileBytes / Math.max(1, spans));
      long blockSize = 0;
      try (ResultSet r = s.executeQuery("SELECT block_size, total_blocks, used_blocks, free_blocks "
          + "FROM pragma_database_size() WHERE database_name = 'p'")) {
        if (r.next()) {
          blockSize = r.getLong(1);
          System.out.printf(Locale.ROOT, "  blocks of %d B: %d total, %d used, %d free (%.0f%% free; used = %.1f bytes/span)%n",
              blockSize, r.getLong(2), r.getLong(3), r.getLong(4), 100.0 * r.getLong(4) / Math.max(1, r.getLong(2)),
              (double) r.getLong(3) * blockSize / Math.max(1, spans));
        }
      }
      // Blocks per table and column (segments of one column share blocks, so this is approximate:
      // a partial block is counted for every column that has a segment in it).
      try (ResultSet tables = s.executeQuery(
          "SELECT table_name FROM duckdb_tables() WHERE database_name = 'p' ORDER BY table_name")) {
        java.util.List<String> names = new java.util.ArrayList<>();
        while (tables.next()) {
          names.add(tables.getString(1));
        }
        for (String table : names) {
          try (Statement t = c.createStatement();
              ResultSet r = t.executeQuery("SELECT column_name, count(DISTINCT block_id) AS blocks, "
                  + "string_agg(DISTINCT compression, ',') FROM pragma_storage_info('p." + table + "') "
                  + "WHERE block_id >= 0 GROUP BY column_name ORDER BY blocks DESC")) {
            StringBuilder line = new StringBuilder();
            long tableBlocks = 0;
            while (r.next()) {
              tableBlocks += r.getLong(2);
              if (line.length() < 400) {
                line.append(String.format(Locale.ROOT, " %s=%.1f(%s)", r.getString(1),
                    (double) r.getLong(2) * blockSize / Math.max(1, spans), r.getString(3)));
              }
            }
            if (tableBlocks > 0) {
              System.out.printf(Locale.ROOT, "  %-16s %7.1f bytes/span:%s%n", table,
                  (double) tableBlocks * blockSize / Math.max(1, spans), line);
            }
          }
        }
      }
    }
  }

  private static long scalar(Statement s, String sql) throws Exception {
    try (ResultSet r = s.executeQuery(sql)) {
      r.next();
      return r.getLong(1);
    }
  }
}
