package dev.traceyard.server.loadgen;

import com.linecorp.armeria.client.ClientFactory;
import dev.traceyard.collector.config.Durations;
import dev.traceyard.collector.config.HostPort;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code traceyard loadgen}: sends generated traces over OTLP, like the Collector's telemetrygen, but
 * building the protobuf messages directly so the generator stays cheap next to what it measures.
 */
@Command(name = "loadgen", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Sends generated traces over OTLP and prints one summary line on stdout:",
        "  sent=<spans> failed=<spans> requests=<n> duration=<seconds> rate=<spans/s>",
        "(requests counts every attempt, retries included). Exit 0, 1 when every span failed, 2 on bad options."})
public final class LoadgenCommand implements Callable<Integer> {
  static final int EXIT_ALL_FAILED = 1;
  static final int EXIT_BAD_OPTIONS = 2;
  private static final int MAX_WORKERS = 1024;
  private static final int MAX_SPANS_PER_TRACE = 10_000;
  private static final int MAX_ATTRIBUTES = 1_000;
  private static final int MAX_BATCH_SIZE = 100_000;

  @Option(names = "--protocol", paramLabel = "PROTOCOL", defaultValue = "grpc",
      description = "grpc, http/protobuf or http/json (default: ${DEFAULT-VALUE}).")
  String protocol;

  @Option(names = "--otlp-endpoint", paramLabel = "ENDPOINT",
      description = "host:port (default localhost:4317 for grpc, localhost:4318 for http), or a URL; "
          + "for http a URL without a path gets /v1/traces.")
  String endpoint;

  @Option(names = "--insecure", description = "Plaintext instead of TLS for a host:port endpoint (a URL's scheme decides by itself).")
  boolean insecure;

  @Option(names = "--header", paramLabel = "KEY=VALUE", description = "Request header; repeatable.")
  List<String> headers = new ArrayList<>();

  @Option(names = "--rate", paramLabel = "SPANS_PER_SECOND", defaultValue = "0",
      description = "Spans per second over all workers; 0 for as fast as possible (default: ${DEFAULT-VALUE}).")
  double rate;

  @Option(names = "--duration", paramLabel = "DURATION",
      description = "How long to send, e.g. 10s or 1m30s.")
  String duration;

  @Option(names = "--traces", paramLabel = "N",
      description = "How many traces to send over all workers; with --duration, whichever comes first. "
          + "Without either, one trace is sent.")
  Long traces;

  @Option(names = "--workers", paramLabel = "N", defaultValue = "1",
      description = "Sending threads, each pacing its share of --rate; raise it when one blocking sender "
          + "cannot reach the rate (default: ${DEFAULT-VALUE}).")
  int workers;

  @Option(names = "--spans-per-trace", paramLabel = "N", defaultValue = "10",
      description = "Spans in each trace: a root SERVER span in frontend, then CLIENT/SERVER pairs across "
          + "3-5 services (default: ${DEFAULT-VALUE}).")
  int spansPerTrace;

  @Option(names = "--attributes", paramLabel = "N", defaultValue = "0",
      description = "Extra string attributes per span (default: ${DEFAULT-VALUE}).")
  int attributes;

  @Option(names = "--error-ratio", paramLabel = "RATIO", defaultValue = "0",
      description = "Share of traces with an error span (status ERROR and an exception event), 0..1 (default: ${DEFAULT-VALUE}).")
  double errorRatio;

  @Option(names = "--slow-ratio", paramLabel = "RATIO", defaultValue = "0",
      description = "Share of traces lasting 10 times longer, 0..1 (default: ${DEFAULT-VALUE}).")
  double slowRatio;

  @Option(names = "--batch-size", paramLabel = "SPANS", defaultValue = "512",
      description = "Spans per export request (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10s",
      description = "Time limit of one export request (default: ${DEFAULT-VALUE}).")
  String timeout;

  @Option(names = "--seed", paramLabel = "N",
      description = "Seed for ids, durations and tree shapes, for reproducible runs (default: random).")
  Long seed;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<String> errors = new ArrayList<>();
    LoadgenSettings settings = settings(errors);
    if (!errors.isEmpty()) {
      errors.forEach(e -> err.println("traceyard loadgen: " + e));
      err.flush();
      return EXIT_BAD_OPTIONS;
    }
    LoadResult result = run(settings);
    out.println(result.summaryLine());
    out.flush();
    return result.allFailed() ? EXIT_ALL_FAILED : 0;
  }

  private static LoadResult run(LoadgenSettings settings) {
    ClientFactory factory = ClientFactory.builder().build();
    try {
      LoadRun run = new LoadRun(settings, sender(settings, factory));
      CountDownLatch finished = new CountDownLatch(1);
      // On Ctrl-C, stop generating but still send what the workers hold and print the summary.
      Thread hook = new Thread(() -> {
        run.stop();
        try {
          finished.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "loadgen-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      try {
        return run.run();
      } finally {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
          // Already shutting down: the hook is waiting for us.
        }
        finished.countDown();
      }
    } finally {
      factory.closeAsync();
    }
  }

  private static OtlpSender sender(LoadgenSettings s, ClientFactory factory) {
    if (s.protocol() == Protocol.GRPC) {
      return new GrpcSender(s.endpoint(), s.headers(), s.timeout(), factory);
    }
    return new HttpSender(s.endpoint(), s.protocol() == Protocol.HTTP_JSON, s.headers(), s.timeout(), factory);
  }

  /** Validates every option, adding one message per problem to {@code errors}. */
  LoadgenSettings settings(List<String> errors) {
    Optional<Protocol> parsedProtocol = Protocol.fromCliName(protocol);
    if (parsedProtocol.isEmpty()) {
      errors.add("--protocol: unknown protocol '" + protocol + "' (use " + Protocol.names() + ")");
    }
    Protocol p = parsedProtocol.orElse(Protocol.GRPC);
    URI uri = null;
    try {
      uri = endpointUri(endpoint, p, insecure);
    } catch (IllegalArgumentException e) {
      errors.add("--otlp-endpoint: " + e.getMessage());
    }
    if (!(rate >= 0) || Double.isInfinite(rate)) {
      errors.add("--rate: must be a number >= 0 (0 = as fast as possible), got " + rate);
    }
    Duration runFor = null;
    if (duration != null) {
      runFor = positiveDuration("--duration", duration, errors);
    }
    if (traces != null && traces < 1) {
      errors.add("--traces: must be at least 1, got " + traces);
    }
    long maxTraces = traces != null ? traces : (duration == null ? 1 : 0);
    checkRange("--workers", workers, 1, MAX_WORKERS, errors);
    checkRange("--spans-per-trace", spansPerTrace, 1, MAX_SPANS_PER_TRACE, errors);
    checkRange("--attributes", attributes, 0, MAX_ATTRIBUTES, errors);
    checkRange("--batch-size", batchSize, 1, MAX_BATCH_SIZE, errors);
    checkRatio("--error-ratio", errorRatio, errors);
    checkRatio("--slow-ratio", slowRatio, errors);
    Duration requestTimeout = positiveDuration("--timeout", timeout, errors);
    Map<String, String> headerMap = new LinkedHashMap<>();
    for (String h : headers) {
      int eq = h.indexOf('=');
      String key = eq < 0 ? "" : h.substring(0, eq).trim();
      if (eq < 0 || key.isEmpty() || !key.chars().allMatch(LoadgenCommand::isTokenChar)) {
        errors.add("--header: expected KEY=VALUE with a valid header name, got '" + h + "'");
      } else {
        headerMap.put(key, h.substring(eq + 1).trim());
      }
    }
    if (!errors.isEmpty()) {
      return null;
    }
    return new LoadgenSettings(p, uri, rate, runFor, maxTraces, workers, spansPerTrace, attributes,
        errorRatio, slowRatio, batchSize, Collections.unmodifiableMap(headerMap), requestTimeout,
        seed != null ? seed : ThreadLocalRandom.current().nextLong());
  }

  /** Resolves {@code host:port} or a URL into the URL to send to. */
  static URI endpointUri(String endpoint, Protocol protocol, boolean insecure) {
    boolean http = protocol != Protocol.GRPC;
    if (endpoint == null) {
      return URI.create((insecure ? "http" : "https") + "://localhost:" + protocol.defaultPort() + (http ? "/v1/traces" : ""));
    }
    String text = endpoint.trim();
    if (text.contains("://")) {
      URI uri;
      try {
        uri = new URI(text);
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("invalid URL '" + endpoint + "': " + e.getReason());
      }
      if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
        throw new IllegalArgumentException("invalid URL '" + endpoint + "': the scheme must be http or https");
      }
      if (uri.getHost() == null || uri.getPort() == 0) {
        throw new IllegalArgumentException("invalid URL '" + endpoint + "': it needs a host (and a port other than 0)");
      }
      String path = uri.getRawPath() == null ? "" : uri.getRawPath();
      boolean noPath = path.isEmpty() || path.equals("/");
      if (!http && !noPath) {
        throw new IllegalArgumentException("invalid URL '" + endpoint + "': a gRPC endpoint has no path");
      }
      String base = uri.getScheme() + "://" + uri.getRawAuthority();
      if (!http) {
        return URI.create(base);
      }
      return noPath ? URI.create(base + "/v1/traces") : uri;
    }
    HostPort hostPort = HostPort.parse(text);
    if (hostPort.port() == 0) {
      throw new IllegalArgumentException("invalid endpoint '" + endpoint + "': the port must be between 1 and 65535");
    }
    if (hostPort.host().equals("0.0.0.0")) {
      // HostPort reads ':4317' as a listen address; to send, it means this machine.
      hostPort = HostPort.of("localhost", hostPort.port());
    }
    return URI.create((insecure ? "http" : "https") + "://" + hostPort + (http ? "/v1/traces" : ""));
  }

  private static Duration positiveDuration(String option, String text, List<String> errors) {
    try {
      Duration d = Durations.parse(text);
      if (d.isNegative() || d.isZero()) {
        errors.add(option + ": must be longer than 0, got '" + text + "'");
        return null;
      }
      return d;
    } catch (IllegalArgumentException e) {
      errors.add(option + ": " + e.getMessage());
      return null;
    }
  }

  private static void checkRange(String option, long value, long min, long max, List<String> errors) {
    if (value < min || value > max) {
      errors.add(option + ": must be between " + min + " and " + max + ", got " + value);
    }
  }

  private static void checkRatio(String option, double value, List<String> errors) {
    if (!(value >= 0 && value <= 1)) {
      errors.add(option + ": must be between 0 and 1, got " + value);
    }
  }

  /** RFC 9110 token characters, the ones allowed in a header name. */
  private static boolean isTokenChar(int c) {
    return c > 32 && c < 127 && "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0;
  }
}
