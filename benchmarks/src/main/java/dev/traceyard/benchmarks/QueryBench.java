package dev.traceyard.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Query latency against the native API of a filled store, one request at a time from one client
 * (wall time from sending the request to the last byte of the response, over loopback).
 *
 * <ol>
 *   <li>collects trace ids from searches spread over {@code --start..--end} (so ids come from every
 *       partition, not only the newest traces a single search returns);
 *   <li>trace by id ({@code GET /api/v1/traces/{id}}) over distinct ids, twice: the first {@code --by-id}
 *       lookups after the warm-up (right after a restart: the JIT is still compiling the query path),
 *       then as many more on other ids;
 *   <li>search by one attribute over the whole range ({@code GET /api/v1/traces?attr=...&start&end},
 *       default limit 20) for a few attribute conditions, from common to matching nothing;
 *   <li>RED over the whole range ({@code GET /api/v1/red}), per service, per span name, and for one
 *       service and span name.
 * </ol>
 * Every answer is checked (HTTP 200, trace found with spans); a wrong answer fails the run.
 *
 * <p>{@code --count SPANS_PER_TRACE} instead pages through every trace of the range (search without
 * filters, 1000 per page) and prints {@code traces= spans= duplicates= incomplete=}: the stored spans
 * counted through the query API, and the traces that do not have the expected number of spans.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.traceyard.benchmarks.QueryBench --url http://127.0.0.1:16686 \
 *     --start 1795600000000 --end 1795603600000 [--by-id 1000] [--search 50] [--red 200] [--warmup 10]
 *     [--server-pid PID] [--latencies FILE] [--client urlconnection|httpclient]
 * </pre>
 *
 * <p>With {@code --server-pid} (a server on this machine), each query kind also reports the server
 * process's CPU time per request ({@code /proc/PID/stat}, all its threads): the work a request costs,
 * which depends far less than latency on what else the machine runs.
 * With {@code --latencies FILE}, every measured request's latency is appended to FILE in the order sent
 * (label, index, ms): whether slow answers cluster (start-up, a collection) or spread.
 * {@code --client} picks the HTTP client (see {@link #client}).
 */
public final class QueryBench {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int ID_WINDOWS = 50;
  /** The server's pid for CPU per request, 0 when not given. */
  private long serverPid;

  /**
   * The client: {@code urlconnection} (default; java.net.HttpURLConnection, blocking, one kept-alive
   * connection, no threads of its own, like curl or a Go client) or {@code httpclient}
   * (java.net.http.HttpClient: its selector and executor threads hand every request over twice, which
   * on this 2-core machine added ~5 ms to the p50 and ~10 ms to the p99 of trace by id, measured side
   * by side; kept to compare).
   */
  private static String client = "urlconnection";

  private HttpClient http;
  private final String base;
  private final long startMillis;
  private final long endMillis;

  private QueryBench(String base, long startMillis, long endMillis) {
    this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    this.startMillis = startMillis;
    this.endMillis = endMillis;
  }

  public static void main(String[] args) throws Exception {
    String url = null;
    long start = 0;
    long end = 0;
    int byId = 1000;
    int search = 50;
    int red = 200;
    int warmup = 10;
    int count = 0;
    long serverPid = 0;
    for (int i = 0; i + 1 < args.length; i += 2) {
      String v = args[i + 1];
      switch (args[i]) {
        case "--url": url = v; break;
        case "--start": start = Long.parseLong(v); break;
        case "--end": end = Long.parseLong(v); break;
        case "--by-id": byId = Integer.parseInt(v); break;
        case "--search": search = Integer.parseInt(v); break;
        case "--red": red = Integer.parseInt(v); break;
        case "--warmup": warmup = Integer.parseInt(v); break;
        case "--count": count = Integer.parseInt(v); break;
        case "--server-pid": serverPid = Long.parseLong(v); break;
        case "--skip-error-search": skipErrorSearch = Boolean.parseBoolean(v); break;
        case "--latencies": latencies = java.nio.file.Path.of(v); break;
        case "--client":
          if (!v.equals("urlconnection") && !v.equals("httpclient")) {
            throw new IllegalArgumentException("--client must be urlconnection or httpclient, not " + v);
          }
          client = v;
          break;
        default: throw new IllegalArgumentException("unknown option " + args[i]
            + " (use --url --start MS --end MS --by-id N --search N --red N --warmup N --server-pid PID"
            + " --latencies FILE --client urlconnection|httpclient | --count N)");
      }
    }
    if (url == null || start <= 0 || end <= start) {
      throw new IllegalArgumentException("--url, --start and --end (unix ms, end > start) are required");
    }
    if (count > 0) {
      new QueryBench(url, start, end).count(count);
    } else {
      QueryBench b = new QueryBench(url, start, end);
      b.serverPid = serverPid;
      b.run(byId, search, red, warmup);
    }
  }

  private void count(int spansPerTrace) throws IOException, InterruptedException {
    Set<String> seen = new java.util.HashSet<>();
    long spans = 0;
    long duplicates = 0;
    long incomplete = 0;
    String cursor = null;
    long t0 = System.nanoTime();
    do {
      String path = "/api/v1/traces?start=" + startMillis + "&end=" + endMillis + "&limit=1000"
          + (cursor == null ? "" : "&cursor=" + enc(cursor));
      Response r = get(path);
      if (r.status != 200) {
        throw new IllegalStateException("HTTP " + r.status + " for " + path + ": " + r.body);
      }
      JsonNode page = JSON.readTree(r.body);
      for (JsonNode t : page.path("traces")) {
        if (!seen.add(t.path("traceId").asText())) {
          duplicates++;
        }
        long n = t.path("spanCount").asLong();
        spans += n;
        if (n != spansPerTrace) {
          incomplete++;
        }
      }
      cursor = page.path("nextCursor").isTextual() ? page.path("nextCursor").asText() : null;
    } while (cursor != null);
    System.out.printf(Locale.ROOT, "traces=%d spans=%d duplicates=%d incomplete=%d seconds=%.1f%n",
        seen.size(), spans, duplicates, incomplete, (System.nanoTime() - t0) / 1e9);
  }

  /** For fills without error traces (StoreWriteBench's requests restart loadgen's trace counter). */
  private static boolean skipErrorSearch;

  /** Where to write each measured request's latency in the order sent (label, index, ms), or null. */
  private static java.nio.file.Path latencies;

  private void run(int byIdReps, int searchReps, int redReps, int warmup) throws Exception {
    List<String> ids = collectIds(Math.max(2 * byIdReps + warmup, 1));
    System.out.printf(Locale.ROOT, "collected %d trace ids from %d searches over %.1f minutes; client %s%n",
        ids.size(), ID_WINDOWS, (endMillis - startMillis) / 60_000.0, client);
    String range = "start=" + startMillis + "&end=" + endMillis;

    System.out.printf("%-58s %6s %9s %9s %9s %9s %9s %s%s%n", "query", "reps", "p50_ms", "p90_ms", "p99_ms", "max_ms",
        "mean_ms", "result", serverPid > 0 ? " server_cpu_ms/request" : "");
    // Trace by id: distinct ids in random order; warm-up on other ids.
    Collections.shuffle(ids, new Random(42));
    List<String> warm = ids.subList(0, Math.min(warmup, ids.size()));
    for (String id : warm) {
      get("/api/v1/traces/" + id);
    }
    // Twice over different ids: the first lookups after a start pay for the JIT compiling the query
    // path (on 2 cores it takes about as much CPU as the lookups themselves), the next ones show the
    // server as it runs once warm. Both are printed; neither hides the other.
    for (int round = 0; round < 2; round++) {
      List<String> measured = new ArrayList<>();
      for (int i = 0; i < byIdReps; i++) {
        measured.add(ids.get((warm.size() + round * byIdReps + i) % ids.size()));
      }
      measure(round == 0 ? "trace by id, first " + byIdReps + " after start" : "trace by id, next " + byIdReps,
          measured.size(), i -> "/api/v1/traces/" + measured.get(i), body -> count(body, "\"spanId\"") > 0, "spans");
    }

    List<String[]> searches = List.of(
        new String[] {"search attr span.http.route=/api/cart/get (common)", "span.http.route=/api/cart/get"},
        new String[] {"search attr span.http.response.status_code=500 (errors)", "span.http.response.status_code=500"},
        new String[] {"search attr span.loadgen.attr.0=value-0-3 (1/8)", "span.loadgen.attr.0=value-0-3"},
        new String[] {"search attr resource.service.instance.id=payment-1", "resource.service.instance.id=payment-1"},
        new String[] {"search attr span.http.route=/none (no match, full scan)", "span.http.route=/none"});
    for (String[] s : searches) {
      if (skipErrorSearch && s[1].contains("status_code=500")) {
        continue;
      }
      String path = "/api/v1/traces?attr=" + enc(s[1]) + "&" + range + "&limit=20";
      for (int i = 0; i < Math.min(warmup, 3); i++) {
        get(path);
      }
      boolean expectEmpty = s[1].endsWith("/none");
      measure(s[0], searchReps, i -> path,
          body -> expectEmpty ? count(body, "\"traceId\"") == 0 : count(body, "\"traceId\"") > 0, "traces");
    }

    List<String[]> reds = List.of(
        new String[] {"RED per service, whole range", "/api/v1/red?" + range},
        new String[] {"RED per service and span name, whole range", "/api/v1/red?groupBy=name&" + range},
        new String[] {"RED one service + span name, whole range",
            "/api/v1/red?service=cart&name=" + enc("GET /api/cart/get") + "&" + range});
    for (String[] r : reds) {
      for (int i = 0; i < warmup; i++) {
        get(r[1]);
      }
      measure(r[0], redReps, i -> r[1], body -> body.contains("\"series\":[{"), "series");
    }
  }

  /** Trace ids from searches over {@value #ID_WINDOWS} windows spread evenly over the range. */
  private List<String> collectIds(int wanted) throws IOException, InterruptedException {
    Set<String> ids = new LinkedHashSet<>();
    long window = (endMillis - startMillis) / ID_WINDOWS;
    int perWindow = Math.min(1000, Math.max(1, (wanted + ID_WINDOWS - 1) / ID_WINDOWS + 2));
    for (int w = 0; w < ID_WINDOWS; w++) {
      long from = startMillis + w * window;
      String body = get("/api/v1/traces?start=" + from + "&end=" + (from + window) + "&limit=" + perWindow).body;
      for (JsonNode t : JSON.readTree(body).path("traces")) {
        ids.add(t.path("traceId").asText());
      }
    }
    if (ids.size() < wanted) {
      // Data only in part of the range: top up from the newest traces.
      String body = get("/api/v1/traces?start=" + startMillis + "&end=" + endMillis + "&limit="
          + Math.min(1000, wanted)).body;
      for (JsonNode t : JSON.readTree(body).path("traces")) {
        ids.add(t.path("traceId").asText());
      }
    }
    if (ids.isEmpty()) {
      throw new IllegalStateException("no traces found between " + startMillis + " and " + endMillis);
    }
    return new ArrayList<>(ids);
  }

  private void measure(String label, int reps, java.util.function.IntFunction<String> path, Predicate<String> ok,
      String unit) throws IOException, InterruptedException {
    if (reps <= 0) {
      return;
    }
    double[] millis = new double[reps];
    long items = 0;
    double cpu0 = serverCpuMillis();
    for (int i = 0; i < reps; i++) {
      String p = path.apply(i);
      long t0 = System.nanoTime();
      Response r = get(p);
      millis[i] = (System.nanoTime() - t0) / 1e6;
      if (r.status != 200 || !ok.test(r.body)) {
        throw new IllegalStateException(label + ": unexpected answer to " + p + ": HTTP " + r.status + " "
            + r.body.substring(0, Math.min(300, r.body.length())));
      }
      items += unit.equals("spans") ? count(r.body, "\"spanId\"")
          : unit.equals("traces") ? count(r.body, "\"traceId\"") : count(r.body, "\"service\"");
    }
    double cpu = (serverCpuMillis() - cpu0) / reps;
    if (latencies != null) {
      StringBuilder lines = new StringBuilder();
      for (int i = 0; i < reps; i++) {
        lines.append(String.format(Locale.ROOT, "%s\t%d\t%.2f%n", label, i, millis[i]));
      }
      java.nio.file.Files.writeString(latencies, lines, StandardCharsets.UTF_8,
          java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    }
    double[] sorted = millis.clone();
    Arrays.sort(sorted);
    double mean = Arrays.stream(millis).average().orElse(0);
    System.out.printf(Locale.ROOT, "%-58s %6d %9.1f %9.1f %9.1f %9.1f %9.1f %.1f %s/answer%s%n", label, reps,
        percentile(sorted, 50), percentile(sorted, 90), percentile(sorted, 99), sorted[sorted.length - 1], mean,
        (double) items / reps, unit, serverPid > 0 ? String.format(Locale.ROOT, " %.2f", cpu) : "");
  }

  /** User + system CPU time of the server process so far, in ms (0 without {@code --server-pid}). */
  private double serverCpuMillis() throws IOException {
    if (serverPid <= 0) {
      return 0;
    }
    String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + serverPid + "/stat"));
    // Fields after the parenthesised command name: utime and stime are the 12th and 13th of them.
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10.0; // USER_HZ is 100 on Linux
  }

  /** Nearest-rank percentile of sorted values. */
  private static double percentile(double[] sorted, double p) {
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  private Response get(String path) throws IOException, InterruptedException {
    if (client.equals("urlconnection")) {
      java.net.HttpURLConnection c = (java.net.HttpURLConnection) URI.create(base + path).toURL().openConnection();
      c.setConnectTimeout(10_000);
      c.setReadTimeout(300_000);
      int status = c.getResponseCode();
      // The whole body is read (error bodies too) so the connection goes back to the keep-alive cache.
      try (java.io.InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream()) {
        byte[] body = in == null ? new byte[0] : in.readAllBytes();
        return new Response(status, new String(body, StandardCharsets.UTF_8));
      }
    }
    if (http == null) {
      http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10))
          .build();
    }
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofMinutes(5)).GET().build();
    HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    return new Response(response.statusCode(), new String(response.body(), StandardCharsets.UTF_8));
  }

  private static int count(String text, String needle) {
    int n = 0;
    for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length())) {
      n++;
    }
    return n;
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private record Response(int status, String body) {}
}
