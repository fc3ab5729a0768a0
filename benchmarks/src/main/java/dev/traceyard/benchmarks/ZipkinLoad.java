package dev.traceyard.benchmarks;

import com.google.protobuf.ByteString;
import com.linecorp.armeria.client.BlockingWebClient;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import dev.traceyard.server.loadgen.TraceGenerator;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * The Zipkin twin of {@code traceyard loadgen}: the same traces (built by loadgen's {@link
 * TraceGenerator}, same seeds, same error ratio) sent as Zipkin v2 JSON to {@code POST /api/v2/spans},
 * at full speed from {@code --workers} blocking threads. The spans are translated as the OpenTelemetry
 * Collector's Zipkin exporter does: attributes and resource attributes (but {@code service.name}) as
 * string tags, the scope as {@code otel.scope.*} tags, an ERROR status as {@code otel.status_code} and
 * {@code error} tags, events as {@code name|{json attributes}|dropped} annotations.
 *
 * <p>Each request holds whole traces ({@code --batch-size} spans or a few more). Prints loadgen's summary
 * line ({@code sent= failed= requests= duration= rate=}) on stdout. {@code --sample-ids FILE} writes the
 * ids of every 101st trace (shuffled), for a script to fetch them back and check they are complete.
 * {@code --sizes} only prints the OTLP protobuf and Zipkin JSON bytes per span of such traffic.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.traceyard.benchmarks.ZipkinLoad \
 *     --url http://127.0.0.1:9411/api/v2/spans --duration 60s --workers 4 --attributes 5 --error-ratio 0.1
 * </pre>
 */
public final class ZipkinLoad {
  private static final int MAX_RETRIES = 5;
  /** One sampled trace id per this many traces, to check afterwards that whole traces were stored. */
  private static final int SAMPLE_EVERY = 101;
  private static final int MAX_SAMPLES_PER_WORKER = 5_000;
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private final Options options;
  private final BlockingWebClient client;
  private final String path;
  private final AtomicLong nextTrace = new AtomicLong();
  private final LongAdder sent = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final LongAdder requests = new LongAdder();
  private final LongAdder bodyBytes = new LongAdder();
  private final List<String> sampledTraceIds = Collections.synchronizedList(new ArrayList<>());
  private volatile String lastFailure;

  private ZipkinLoad(Options options, ClientFactory factory) {
    this.options = options;
    URI url = URI.create(options.url);
    this.path = url.getRawPath();
    this.client = WebClient.builder(url.getScheme() + "://" + url.getRawAuthority())
        .factory(factory)
        .responseTimeout(Duration.ofSeconds(30))
        .build()
        .blocking();
  }

  public static void main(String[] args) throws Exception {
    Options options = Options.parse(args);
    if (options.sizes) {
      printSizes(options);
      return;
    }
    ClientFactory factory = ClientFactory.builder().build();
    try {
      ZipkinLoad load = new ZipkinLoad(options, factory);
      long elapsed = load.run();
      double seconds = elapsed / 1e9;
      long sentSpans = load.sent.sum();
      System.out.printf(Locale.ROOT, "sent=%d failed=%d requests=%d duration=%.3f rate=%.1f json_bytes_per_span=%.1f%n",
          sentSpans, load.failed.sum(), load.requests.sum(), seconds, sentSpans / seconds,
          sentSpans == 0 ? 0.0 : (double) load.bodyBytes.sum() / sentSpans);
      if (load.lastFailure != null) {
        System.err.println("last failure: " + load.lastFailure);
      }
      if (options.sampleIds != null) {
        List<String> ids = new ArrayList<>(load.sampledTraceIds);
        Collections.shuffle(ids, new java.util.Random(1));
        java.nio.file.Files.write(java.nio.file.Path.of(options.sampleIds), ids);
      }
    } finally {
      factory.closeAsync();
    }
  }

  private long run() throws InterruptedException {
    long start = System.nanoTime();
    long deadline = start + options.duration.toNanos();
    long epochOffset = System.currentTimeMillis() * 1_000_000L - start;
    // As loadgen does: worker seeds drawn from one generator seeded with --seed.
    SplittableRandom seeds = new SplittableRandom(options.seed);
    List<Thread> threads = new ArrayList<>();
    for (int w = 0; w < options.workers; w++) {
      long seed = seeds.nextLong();
      Thread t = new Thread(() -> work(seed, deadline, epochOffset), "zipkin-load-" + w);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    return System.nanoTime() - start;
  }

  private void work(long seed, long deadline, long epochOffset) {
    TraceGenerator generator = new TraceGenerator(options.spansPerTrace, options.attributes, seed);
    ZipkinJson json = new ZipkinJson(generator);
    List<String> samples = new ArrayList<>();
    int[] inBatch = {0};
    while (System.nanoTime() - deadline < 0) {
      long index = nextTrace.getAndIncrement();
      generator.generate(selected(index, options.errorRatio, 0), selected(index, options.slowRatio, 0.5),
          epochOffset + System.nanoTime(), (service, span) -> {
            json.add(service, span);
            inBatch[0]++;
          });
      if (index % SAMPLE_EVERY == 0 && samples.size() < MAX_SAMPLES_PER_WORKER) {
        samples.add(json.lastTraceId());
      }
      if (inBatch[0] >= options.batchSize) {
        send(json.drain(), inBatch[0]);
        inBatch[0] = 0;
      }
    }
    if (inBatch[0] > 0) {
      send(json.drain(), inBatch[0]);
    }
    sampledTraceIds.addAll(samples);
  }

  private void send(byte[] body, int spans) {
    RequestHeaders headers = RequestHeaders.builder(HttpMethod.POST, path).contentType(MediaType.JSON).build();
    long backoffMillis = 50;
    for (int attempt = 0; ; attempt++) {
      requests.increment();
      String failure;
      try {
        AggregatedHttpResponse response = client.execute(headers, body);
        int code = response.status().code();
        if (response.status().isSuccess()) {
          sent.add(spans);
          bodyBytes.add(body.length);
          return;
        }
        failure = "HTTP " + code + " " + abbreviate(response.contentUtf8());
        if (code != 429 && code != 502 && code != 503 && code != 504) {
          fail(spans, failure);
          return;
        }
      } catch (RuntimeException e) {
        failure = e.toString();
      }
      if (attempt >= MAX_RETRIES) {
        fail(spans, failure + " (after " + (attempt + 1) + " attempts)");
        return;
      }
      LockSupport.parkNanos(Duration.ofMillis(backoffMillis).toNanos());
      backoffMillis = Math.min(backoffMillis * 2, 2_000);
    }
  }

  private void fail(int spans, String why) {
    failed.add(spans);
    lastFailure = why;
  }

  /** OTLP protobuf vs Zipkin JSON bytes per span of the traffic these options describe. */
  private static void printSizes(Options options) {
    TraceGenerator generator = new TraceGenerator(options.spansPerTrace, options.attributes, options.seed);
    ZipkinJson json = new ZipkinJson(generator);
    long protoBytes = 0;
    long jsonBytes = 0;
    long spans = 0;
    long trace = 0;
    long now = System.currentTimeMillis() * 1_000_000L;
    for (int request = 0; request < 200; request++) {
      List<Span>[] byService = newLists();
      int[] inBatch = {0};
      while (inBatch[0] < options.batchSize) {
        generator.generate(selected(trace, options.errorRatio, 0), selected(trace, options.slowRatio, 0.5), now,
            (service, span) -> {
              byService[service].add(span);
              json.add(service, span);
              inBatch[0]++;
            });
        trace++;
      }
      ExportTraceServiceRequest.Builder otlp = ExportTraceServiceRequest.newBuilder();
      for (int s = 0; s < byService.length; s++) {
        if (!byService[s].isEmpty()) {
          otlp.addResourceSpans(ResourceSpans.newBuilder().setResource(generator.resource(s))
              .addScopeSpans(ScopeSpans.newBuilder().setScope(generator.scope()).addAllSpans(byService[s])));
        }
      }
      protoBytes += otlp.build().getSerializedSize();
      jsonBytes += json.drain().length;
      spans += inBatch[0];
    }
    System.out.printf(Locale.ROOT, "spans=%d otlp_protobuf_bytes_per_span=%.1f zipkin_json_bytes_per_span=%.1f%n",
        spans, (double) protoBytes / spans, (double) jsonBytes / spans);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static List<Span>[] newLists() {
    List<Span>[] lists = new List[TraceGenerator.serviceCount()];
    for (int i = 0; i < lists.length; i++) {
      lists[i] = new ArrayList<>();
    }
    return lists;
  }

  /** loadgen's exact-share selection (its Ratios class is package-private). */
  static boolean selected(long index, double ratio, double phase) {
    if (ratio <= 0) {
      return false;
    }
    if (ratio >= 1) {
      return true;
    }
    return Math.floor((index + 1) * ratio + phase) > Math.floor(index * ratio + phase);
  }

  private static String abbreviate(String s) {
    return s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }

  /** Builds one Zipkin v2 JSON array of spans; not thread-safe. */
  static final class ZipkinJson {
    private final StringBuilder out = new StringBuilder(1 << 20);
    /** Per service: the resource tags (all but service.name) and scope tags, pre-encoded. */
    private final String[] commonTags;
    private final String[] serviceNames;
    private String lastTraceId;

    ZipkinJson(TraceGenerator generator) {
      commonTags = new String[TraceGenerator.serviceCount()];
      serviceNames = new String[commonTags.length];
      StringBuilder b = new StringBuilder();
      for (int s = 0; s < commonTags.length; s++) {
        Resource resource = generator.resource(s);
        b.setLength(0);
        for (KeyValue kv : resource.getAttributesList()) {
          if (kv.getKey().equals("service.name")) {
            serviceNames[s] = kv.getValue().getStringValue();
          } else {
            tag(b, kv.getKey(), value(kv.getValue()));
          }
        }
        tag(b, "otel.scope.name", generator.scope().getName());
        tag(b, "otel.scope.version", generator.scope().getVersion());
        commonTags[s] = b.toString();
      }
      out.append('[');
    }

    void add(int service, Span span) {
      if (out.length() > 1) {
        out.append(',');
      }
      lastTraceId = hex(span.getTraceId());
      out.append("{\"traceId\":\"").append(lastTraceId).append('"');
      if (!span.getParentSpanId().isEmpty()) {
        out.append(",\"parentId\":\"").append(hex(span.getParentSpanId())).append('"');
      }
      out.append(",\"id\":\"").append(hex(span.getSpanId())).append('"');
      switch (span.getKind()) {
        case SPAN_KIND_SERVER: out.append(",\"kind\":\"SERVER\""); break;
        case SPAN_KIND_CLIENT: out.append(",\"kind\":\"CLIENT\""); break;
        case SPAN_KIND_PRODUCER: out.append(",\"kind\":\"PRODUCER\""); break;
        case SPAN_KIND_CONSUMER: out.append(",\"kind\":\"CONSUMER\""); break;
        default: break; // internal: no kind in Zipkin
      }
      out.append(",\"name\":");
      string(out, span.getName());
      long startMicros = span.getStartTimeUnixNano() / 1000;
      long durationMicros = Math.max(1, (span.getEndTimeUnixNano() - span.getStartTimeUnixNano()) / 1000);
      out.append(",\"timestamp\":").append(startMicros).append(",\"duration\":").append(durationMicros);
      out.append(",\"localEndpoint\":{\"serviceName\":");
      string(out, serviceNames[service]);
      out.append('}');
      if (span.getEventsCount() > 0) {
        out.append(",\"annotations\":[");
        for (int i = 0; i < span.getEventsCount(); i++) {
          Span.Event e = span.getEvents(i);
          if (i > 0) {
            out.append(',');
          }
          StringBuilder value = new StringBuilder(e.getName()).append("|{");
          for (int a = 0; a < e.getAttributesCount(); a++) {
            KeyValue kv = e.getAttributes(a);
            if (a > 0) {
              value.append(',');
            }
            string(value, kv.getKey());
            value.append(':');
            string(value, value(kv.getValue()));
          }
          value.append("}|").append(e.getDroppedAttributesCount());
          out.append("{\"timestamp\":").append(e.getTimeUnixNano() / 1000).append(",\"value\":");
          string(out, value.toString());
          out.append('}');
        }
        out.append(']');
      }
      out.append(",\"tags\":{");
      int tagsStart = out.length();
      for (KeyValue kv : span.getAttributesList()) {
        tag(out, kv.getKey(), value(kv.getValue()));
      }
      if (span.getStatus().getCodeValue() == 2) {
        tag(out, "otel.status_code", "ERROR");
        tag(out, "error", span.getStatus().getMessage());
      }
      out.append(commonTags[service]);
      if (out.charAt(out.length() - 1) == ',' && out.length() > tagsStart) {
        out.setLength(out.length() - 1);
      }
      out.append("}}");
    }

    String lastTraceId() {
      return lastTraceId;
    }

    byte[] drain() {
      out.append(']');
      byte[] body = out.toString().getBytes(StandardCharsets.UTF_8);
      out.setLength(0);
      out.append('[');
      return body;
    }

    /** Appends {@code "key":"value",} (the trailing comma is trimmed by the caller). */
    private static void tag(StringBuilder b, String key, String value) {
      string(b, key);
      b.append(':');
      string(b, value);
      b.append(',');
    }

    private static String value(AnyValue v) {
      switch (v.getValueCase()) {
        case STRING_VALUE: return v.getStringValue();
        case INT_VALUE: return Long.toString(v.getIntValue());
        case DOUBLE_VALUE: return Double.toString(v.getDoubleValue());
        case BOOL_VALUE: return Boolean.toString(v.getBoolValue());
        default: return v.toString();
      }
    }

    private static void string(StringBuilder b, String s) {
      b.append('"');
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        switch (c) {
          case '"': b.append("\\\""); break;
          case '\\': b.append("\\\\"); break;
          case '\n': b.append("\\n"); break;
          case '\t': b.append("\\t"); break;
          case '\r': b.append("\\r"); break;
          default:
            if (c < 0x20) {
              b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
              b.append(c);
            }
        }
      }
      b.append('"');
    }

    private static String hex(ByteString bytes) {
      char[] chars = new char[bytes.size() * 2];
      for (int i = 0; i < bytes.size(); i++) {
        int v = bytes.byteAt(i) & 0xff;
        chars[2 * i] = HEX[v >>> 4];
        chars[2 * i + 1] = HEX[v & 0xf];
      }
      return new String(chars);
    }
  }

  /** Command-line options, loadgen's names where they mean the same. */
  private static final class Options {
    String url = "http://localhost:9411/api/v2/spans";
    Duration duration = Duration.ofSeconds(10);
    int workers = 1;
    int batchSize = 512;
    int spansPerTrace = 10;
    int attributes;
    double errorRatio;
    double slowRatio;
    long seed = System.nanoTime();
    String sampleIds;
    boolean sizes;

    static Options parse(String[] args) {
      Options o = new Options();
      for (int i = 0; i < args.length; i++) {
        String arg = args[i];
        if (arg.equals("--sizes")) {
          o.sizes = true;
          continue;
        }
        if (i + 1 >= args.length) {
          throw usage("missing value after " + arg);
        }
        String v = args[++i];
        switch (arg) {
          case "--url": o.url = v; break;
          case "--duration": o.duration = dev.traceyard.collector.config.Durations.parse(v); break;
          case "--workers": o.workers = Integer.parseInt(v); break;
          case "--batch-size": o.batchSize = Integer.parseInt(v); break;
          case "--spans-per-trace": o.spansPerTrace = Integer.parseInt(v); break;
          case "--attributes": o.attributes = Integer.parseInt(v); break;
          case "--error-ratio": o.errorRatio = Double.parseDouble(v); break;
          case "--slow-ratio": o.slowRatio = Double.parseDouble(v); break;
          case "--seed": o.seed = Long.parseLong(v); break;
          case "--sample-ids": o.sampleIds = v; break;
          default: throw usage("unknown option " + arg);
        }
      }
      if (o.workers < 1 || o.batchSize < 1 || o.spansPerTrace < 1 || o.attributes < 0) {
        throw usage("--workers, --batch-size and --spans-per-trace must be >= 1, --attributes >= 0");
      }
      return o;
    }

    private static IllegalArgumentException usage(String message) {
      return new IllegalArgumentException(message + "; options: --url URL --duration 60s --workers N --batch-size N "
          + "--spans-per-trace N --attributes N --error-ratio R --slow-ratio R --seed N --sample-ids FILE | --sizes");
    }
  }
}
