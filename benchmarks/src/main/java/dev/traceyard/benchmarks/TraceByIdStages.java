package dev.traceyard.benchmarks;

import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import dev.traceyard.store.db.Partition;
import dev.traceyard.store.db.Partitions;
import dev.traceyard.store.db.Store;
import dev.traceyard.store.db.StoreOptions;
import dev.traceyard.store.query.QueryService;
import dev.traceyard.store.query.TraceId;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.duckdb.DuckDBConnection;
import org.slf4j.LoggerFactory;

/**
 * Where the time of one trace-by-id lookup goes, in process on a filled data directory (the store of
 * {@code store-query.sh}; no server must hold it): for distinct sampled trace ids, one at a time, the
 * two statements {@code QueryService.trace} runs (trace index lookup, spans by row number; each
 * prepared per call, every column read), then {@code QueryService.trace} end to end and
 * {@code OtlpJsonWriter.encode} of its answer, interleaved per id so all see the same machine load.
 * Prints wall p50/p90/p99/max and mean process CPU per stage. Usage:
 * {@code java -cp benchmarks.jar dev.traceyard.benchmarks.TraceByIdStages --data-dir DIR [--ids 500] [--rounds 1]}
 * ({@code --rounds 2}: the same ids again, their blocks then in DuckDB's buffer pool; the last round is printed).
 */
public final class TraceByIdStages {
  private TraceByIdStages() {}

  public static void main(String[] args) throws Exception {
    Path dir = null;
    int n = 500;
    int rounds = 1;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--data-dir": dir = Path.of(args[i + 1]); break;
        case "--ids": n = Integer.parseInt(args[i + 1]); break;
        case "--rounds": rounds = Integer.parseInt(args[i + 1]); break;
        default: throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    if (dir == null) {
      throw new IllegalArgumentException("--data-dir is required");
    }
    long tOpen = System.nanoTime();
    try (Store store = Store.open(StoreOptions.defaults(dir), SelfTelemetry.forTesting(), ComponentId.of("traceyard"),
        LoggerFactory.getLogger("bench"))) {
      System.out.printf(Locale.ROOT, "opened %s in %.1f s; load average %s%n", dir, (System.nanoTime() - tOpen) / 1e9,
          java.nio.file.Files.readString(Path.of("/proc/loadavg")).trim());
      List<Partition> parts;
      try (Partitions.Lease lease = store.partitions().lease()) {
        parts = new ArrayList<>(lease.all());
      }
      List<TraceId> sampled = sample(store, parts, n + 20);
      // Later rounds ask for the same ids again: DuckDB then finds their blocks in its buffer pool,
      // as a long-running server does for data it has read before (only the last round is printed).
      List<TraceId> ids = new ArrayList<>();
      for (int r = 0; r < rounds; r++) {
        ids.addAll(sampled);
      }
      int skip = (rounds - 1) * sampled.size() + 20;
      QueryService qs = new QueryService(store);
      Map<String, long[]> stages = perStage(ids.size());
      // Process CPU per stage too: one client, so it is this request's work on any thread (DuckDB's
      // workers included), and it depends far less than wall time on what else runs on the machine.
      Map<String, long[]> cpu = perStage(ids.size());
      com.sun.management.OperatingSystemMXBean os =
          (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
      java.lang.reflect.Method writer = Class.forName("dev.traceyard.store.http.OtlpJsonWriter")
          .getDeclaredMethod("encode", com.google.protobuf.MessageOrBuilder.class);
      writer.setAccessible(true);
      int measured = 0;
      long spans = 0;
      for (int k = 0; k < ids.size(); k++) {
        TraceId id = ids.get(k);
        long c0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        List<long[]> ranges = new ArrayList<>();
        String part = null;
        DuckDBConnection c = store.pool().borrow();
        try {
          // The two statements QueryService.trace runs (same SQL, constants inlined), one at a time.
          StringBuilder sql = new StringBuilder();
          for (int i = 0; i < parts.size(); i++) {
            if (i > 0) {
              sql.append(" UNION ALL ");
            }
            sql.append("SELECT '").append(parts.get(i).alias()).append("' AS part, trace_hi, trace_lo, min_sid,"
                + " span_count, extras_count FROM ").append(parts.get(i).alias()).append(".trace_index WHERE trace_hi = ")
                .append(id.hi()).append(" AND trace_lo = ").append(id.lo());
          }
          try (PreparedStatement ps = c.prepareStatement(sql.toString()); ResultSet r = ps.executeQuery()) {
            while (r.next()) {
              part = r.getString(1);
              ranges.add(new long[] {r.getLong(4), r.getLong(4) + r.getInt(5) - 1});
            }
          }
          long t1 = System.nanoTime();
          long c1 = os.getProcessCpuTime();
          int got = count(c, "SELECT '" + part + "' AS part, trace_hi, trace_lo, span_id, parent_span_id, trace_state,"
              + " flags, name, kind, start_ns, start_ns + duration_ns AS end_ns, status_code, status_message, rid,"
              + " scid, dropped_attributes_count, events, dropped_events_count, links, dropped_links_count,"
              + " attr_vids, sid, parent_off, rowid FROM " + part + ".spans WHERE " + where(ranges));
          if (k >= skip) {
            spans += got;
          }
          long t2 = System.nanoTime();
          long c2 = os.getProcessCpuTime();
          store.pool().release(c);
          c = null;
          ExportTraceServiceRequest trace = qs.trace(id).orElseThrow();
          long t3 = System.nanoTime();
          long c3 = os.getProcessCpuTime();
          byte[] json = (byte[]) writer.invoke(null, trace);
          long t4 = System.nanoTime();
          long c4 = os.getProcessCpuTime();
          if (json.length == 0) {
            throw new IllegalStateException("empty answer");
          }
          if (k >= skip) { // the first ones warm up
            record(stages, measured, t0, t1, t2, t3, t4);
            record(cpu, measured, c0, c1, c2, c3, c4);
            measured++;
          }
        } finally {
          if (c != null) {
            store.pool().release(c);
          }
        }
      }
      System.out.printf(Locale.ROOT, "%d distinct trace ids (%.1f spans each), %d partitions%n", measured,
          spans / (double) measured, parts.size());
      System.out.printf(Locale.ROOT, "%-40s %8s %8s %8s %8s %12s%n", "stage (wall)", "p50_ms", "p90_ms", "p99_ms",
          "max_ms", "cpu_mean_ms");
      for (Map.Entry<String, long[]> e : stages.entrySet()) {
        long[] v = Arrays.copyOf(e.getValue(), measured);
        Arrays.sort(v);
        double cpuMean = Arrays.stream(cpu.get(e.getKey()), 0, measured).average().orElse(0) / 1e6;
        System.out.printf(Locale.ROOT, "%-40s %8.2f %8.2f %8.2f %8.2f %12.2f%n", e.getKey(), pct(v, 0.5), pct(v, 0.9),
            pct(v, 0.99), v[v.length - 1] / 1e6, cpuMean);
      }
    }
  }

  /** The stages, in print order, each the time from one mark of a lookup to another (see {@link #record}). */
  private static final String[] STAGES = {"1: trace_index lookup", "2: spans by row number",
      "1+2 (statements only)", "QueryService.trace", "OtlpJsonWriter.encode"};
  /** For each stage of {@link #STAGES}, the indexes of its first and last mark. */
  private static final int[][] STAGE_MARKS = {{0, 1}, {1, 2}, {0, 2}, {2, 3}, {3, 4}};

  /** For each stage, room for {@code size} measurements. */
  private static Map<String, long[]> perStage(int size) {
    Map<String, long[]> out = new LinkedHashMap<>();
    for (String s : STAGES) {
      out.put(s, new long[size]);
    }
    return out;
  }

  /** Stores measurement {@code at} of every stage from a lookup's seven marks (wall or CPU nanoseconds). */
  private static void record(Map<String, long[]> perStage, int at, long... marks) {
    long[][] v = perStage.values().toArray(new long[0][]);
    for (int i = 0; i < STAGE_MARKS.length; i++) {
      v[i][at] = marks[STAGE_MARKS[i][1]] - marks[STAGE_MARKS[i][0]];
    }
  }

  private static String where(List<long[]> ranges) {
    StringBuilder b = new StringBuilder("(");
    for (int i = 0; i < ranges.size(); i++) {
      b.append(i == 0 ? "" : " OR ").append("rowid BETWEEN ").append(ranges.get(i)[0]).append(" AND ")
          .append(ranges.get(i)[1]);
    }
    return b.append(")").toString();
  }

  private static int count(DuckDBConnection c, String sql) throws SQLException {
    int rows = 0;
    try (PreparedStatement ps = c.prepareStatement(sql); ResultSet r = ps.executeQuery()) {
      int cols = r.getMetaData().getColumnCount();
      while (r.next()) {
        for (int i = 1; i <= cols; i++) {
          r.getObject(i);
        }
        rows++;
      }
    }
    return rows;
  }

  private static double pct(long[] sorted, double p) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
  }

  /** Distinct trace ids spread over the partitions, in random order. */
  static List<TraceId> sample(Store store, List<Partition> parts, int n) throws SQLException {
    List<TraceId> out = new ArrayList<>();
    DuckDBConnection c = store.pool().borrow();
    try {
      for (Partition p : parts) {
        try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT trace_hi, trace_lo FROM " + p.alias()
            + ".trace_index USING SAMPLE " + Math.max(1, n / parts.size()) + " ROWS (reservoir, 42)");
            ResultSet r = ps.executeQuery()) {
          while (r.next()) {
            out.add(new TraceId(r.getLong(1), r.getLong(2)));
          }
        }
      }
    } finally {
      store.pool().release(c);
    }
    java.util.Collections.shuffle(out, new java.util.Random(42));
    return out;
  }
}
