package dev.traceyard.benchmarks;

import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import dev.traceyard.store.db.Partition;
import dev.traceyard.store.db.Partitions;
import dev.traceyard.store.db.Store;
import dev.traceyard.store.db.StoreOptions;
import dev.traceyard.store.query.AttributeFilter;
import dev.traceyard.store.query.QueryService;
import dev.traceyard.store.query.SearchResult;
import dev.traceyard.store.query.TraceId;
import dev.traceyard.store.query.TraceQuery;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.duckdb.DuckDBConnection;
import org.slf4j.LoggerFactory;

/**
 * Trace by id and search by one attribute in process on a filled, stopped data directory (a
 * {@code StoreWriteBench --data-dir} or {@code store-query.sh KEEP_DATA=1} store), measuring the
 * <b>process CPU time</b> per call besides wall time: with one caller it is the call's work on any
 * thread (DuckDB's workers included) and depends far less than wall time on what else runs on a
 * shared machine. Calls only the public {@code QueryService} API, so an older build can be measured
 * by putting its jar first on the class path:
 * {@code java -cp OLD.jar:benchmarks/target/classes dev.traceyard.benchmarks.StoreQueryCpu --data-dir DIR}.
 * Options: {@code --ids 500} trace-by-id calls, {@code --search 40} calls per search condition.
 */
public final class StoreQueryCpu {
  private StoreQueryCpu() {}

  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  public static void main(String[] args) throws Exception {
    Path dir = null;
    int ids = 500;
    int searches = 40;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--data-dir": dir = Path.of(args[i + 1]); break;
        case "--ids": ids = Integer.parseInt(args[i + 1]); break;
        case "--search": searches = Integer.parseInt(args[i + 1]); break;
        default: throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    if (dir == null) {
      throw new IllegalArgumentException("--data-dir is required");
    }
    // No maintenance while measuring (a partition compacted mid-run would change what is measured).
    StoreOptions options = StoreOptions.defaults(dir).withMaintenanceInterval(java.time.Duration.ofDays(1));
    try (Store store = Store.open(options, SelfTelemetry.forTesting(), ComponentId.of("traceyard"),
        LoggerFactory.getLogger("bench"))) {
      System.out.printf(Locale.ROOT, "data dir %s; load average %s%n", dir, loadavg());
      List<Partition> parts;
      try (Partitions.Lease lease = store.partitions().lease()) {
        parts = new ArrayList<>(lease.all());
      }
      long[] range = range(store, parts);
      List<TraceId> sample = TraceByIdStages.sample(store, parts, ids + 20);
      QueryService qs = new QueryService(store);
      System.out.printf(Locale.ROOT, "%-52s %6s %9s %9s %9s %9s%n", "query", "reps", "cpu_p50", "cpu_mean",
          "wall_p50", "wall_p90");
      Stat byId = new Stat();
      long spans = 0;
      for (int k = 0; k < sample.size(); k++) {
        long c0 = OS.getProcessCpuTime();
        long t0 = System.nanoTime();
        var trace = qs.trace(sample.get(k)).orElseThrow();
        long t1 = System.nanoTime();
        long c1 = OS.getProcessCpuTime();
        if (k >= 20) { // the first ones warm up
          byId.add(c1 - c0, t1 - t0);
          spans += trace.getResourceSpansList().stream().flatMap(r -> r.getScopeSpansList().stream())
              .mapToLong(s -> s.getSpansCount()).sum();
        }
      }
      byId.print(String.format(Locale.ROOT, "trace by id (%.1f spans/answer)", spans / (double) byId.n));
      String[] filters = {"span.http.route=/api/cart/get", "span.loadgen.attr.0=value-0-3",
          "span.http.response.status_code>=500", "span.http.route!=/api/cart/get", "span.http.route=~/api/cart/.*",
          "resource.service.instance.id=payment-1", "span.http.route=/none"};
      for (String f : filters) {
        TraceQuery q = new TraceQuery(null, null, null, null, null, null, List.of(AttributeFilter.parse(f)), range[0],
            range[1], 20, null);
        Stat st = new Stat();
        int found = 0;
        for (int k = 0; k < searches + 3; k++) {
          long c0 = OS.getProcessCpuTime();
          long t0 = System.nanoTime();
          SearchResult r = qs.search(q);
          long t1 = System.nanoTime();
          long c1 = OS.getProcessCpuTime();
          if (k >= 3) {
            st.add(c1 - c0, t1 - t0);
            found = r.traces().size();
          }
        }
        st.print("search " + f + " (" + found + " traces)");
      }
      System.out.printf(Locale.ROOT, "load average %s%n", loadavg());
    }
  }

  private static String loadavg() throws java.io.IOException {
    return Files.readString(Path.of("/proc/loadavg")).trim();
  }

  /** Per-call CPU and wall times. */
  private static final class Stat {
    final List<long[]> v = new ArrayList<>();
    int n;

    void add(long cpu, long wall) {
      v.add(new long[] {cpu, wall});
      n++;
    }

    void print(String name) {
      long[] cpu = v.stream().mapToLong(x -> x[0]).sorted().toArray();
      long[] wall = v.stream().mapToLong(x -> x[1]).sorted().toArray();
      System.out.printf(Locale.ROOT, "%-52s %6d %9.1f %9.1f %9.1f %9.1f%n", name, n, cpu[n / 2] / 1e6,
          Arrays.stream(cpu).average().orElse(0) / 1e6, wall[n / 2] / 1e6, wall[n * 9 / 10] / 1e6);
    }
  }

  /** The span start range of the whole store, in unix nanoseconds. */
  private static long[] range(Store store, List<Partition> parts) throws Exception {
    long[] out = {Long.MAX_VALUE, Long.MIN_VALUE};
    DuckDBConnection c = store.pool().borrow();
    try {
      for (Partition p : parts) {
        try (PreparedStatement ps = c.prepareStatement("SELECT min(start_ns), max(start_ns) FROM " + p.alias()
            + ".spans"); ResultSet r = ps.executeQuery()) {
          if (r.next() && r.getObject(1) != null) {
            out[0] = Math.min(out[0], r.getLong(1));
            out[1] = Math.max(out[1], r.getLong(2));
          }
        }
      }
    } finally {
      store.pool().release(c);
    }
    return out;
  }

}
