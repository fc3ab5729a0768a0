package dev.traceyard.server.loadgen;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Builds realistic traces straight into OTLP protobuf messages, without the OpenTelemetry SDK, so
 * generating load costs little next to the pipeline under test.
 *
 * <p>Each trace is a tree: a root SERVER span in {@code frontend}, then CLIENT/SERVER pairs that call
 * into 2-4 more services (3-5 services in all when the trace is large enough), plus one INTERNAL span
 * when the span count is even. Child intervals nest inside their parent's. Everything that does not
 * vary per span (resources, names, attribute key/values) is built once and shared, since protobuf
 * messages are immutable.
 *
 * <p>Not thread-safe: use one generator per thread.
 */
public final class TraceGenerator {
  static final String[] SERVICES = {
      "frontend", "checkout", "cart", "payment", "inventory", "shipping", "currency", "recommendation"};
  static final int FRONTEND = 0;
  private static final String[] METHODS = {"GET", "GET", "POST"};
  private static final String[] OPERATIONS = {"list", "get", "update"};
  private static final int EXTRA_VALUE_VARIANTS = 8;
  private static final long MIN_ROOT_NANOS = 5_000_000L;
  private static final long MAX_ROOT_NANOS = 50_000_000L;
  /** How much longer a slow trace's root is than a normal one. */
  static final int SLOW_FACTOR = 10;

  private final int spansPerTrace;
  private final SplittableRandom random;

  private final Resource[] resources = new Resource[SERVICES.length];
  private final InstrumentationScope scope = InstrumentationScope.newBuilder()
      .setName("dev.traceyard.loadgen").setVersion("1.0.0").build();
  private final String[][] spanNames = new String[SERVICES.length][OPERATIONS.length];
  private final KeyValue[][] routes = new KeyValue[SERVICES.length][OPERATIONS.length];
  private final KeyValue[] methods = new KeyValue[OPERATIONS.length];
  private final KeyValue[] serverAddresses = new KeyValue[SERVICES.length];
  private final List<List<KeyValue>> exceptionAttributes = new ArrayList<>();
  private final Status[] errorStatuses = new Status[SERVICES.length];
  private final KeyValue status200 = intAttribute("http.response.status_code", 200);
  private final KeyValue status500 = intAttribute("http.response.status_code", 500);
  private final KeyValue[][] extraAttributes;

  // Per-trace scratch space, reused so a trace costs only the spans it emits.
  private final int[] parent;
  private final int[] service;
  private final int[] operation;
  private final Span.SpanKind[] kind;
  private final long[] start;
  private final long[] end;
  private final boolean[] failed;
  private final ByteString[] spanIds;
  private final int[] servers;
  private final int[] servicePool = new int[SERVICES.length - 1];
  private final int[] traceServices = new int[5];

  /**
   * @param spansPerTrace at least 1
   * @param attributesPerSpan extra {@code loadgen.attr.N} string attributes on every span
   * @param seed makes the ids, durations and tree shapes reproducible
   */
  public TraceGenerator(int spansPerTrace, int attributesPerSpan, long seed) {
    if (spansPerTrace < 1) {
      throw new IllegalArgumentException("spansPerTrace must be at least 1");
    }
    if (attributesPerSpan < 0) {
      throw new IllegalArgumentException("attributesPerSpan must not be negative");
    }
    this.spansPerTrace = spansPerTrace;
    this.random = new SplittableRandom(seed);
    for (int s = 0; s < SERVICES.length; s++) {
      resources[s] = Resource.newBuilder()
          .addAttributes(stringAttribute("service.name", SERVICES[s]))
          .addAttributes(stringAttribute("service.instance.id", SERVICES[s] + "-1"))
          .addAttributes(stringAttribute("telemetry.sdk.name", "traceyard-loadgen"))
          .build();
      for (int o = 0; o < OPERATIONS.length; o++) {
        String route = "/api/" + SERVICES[s] + "/" + OPERATIONS[o];
        spanNames[s][o] = METHODS[o] + " " + route;
        routes[s][o] = stringAttribute("http.route", route);
      }
      serverAddresses[s] = stringAttribute("server.address", SERVICES[s]);
      String message = "simulated failure in " + SERVICES[s];
      exceptionAttributes.add(List.of(
          stringAttribute("exception.type", "dev.traceyard.loadgen.SimulatedException"),
          stringAttribute("exception.message", message),
          stringAttribute("exception.stacktrace", "dev.traceyard.loadgen.SimulatedException: " + message
              + "\n\tat " + SERVICES[s] + ".Handler.handle(Handler.java:42)")));
      errorStatuses[s] = Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR).setMessage(message).build();
    }
    for (int o = 0; o < OPERATIONS.length; o++) {
      methods[o] = stringAttribute("http.request.method", METHODS[o]);
    }
    extraAttributes = new KeyValue[attributesPerSpan][EXTRA_VALUE_VARIANTS];
    for (int a = 0; a < attributesPerSpan; a++) {
      for (int v = 0; v < EXTRA_VALUE_VARIANTS; v++) {
        extraAttributes[a][v] = stringAttribute("loadgen.attr." + a, "value-" + a + "-" + v);
      }
    }
    parent = new int[spansPerTrace];
    service = new int[spansPerTrace];
    operation = new int[spansPerTrace];
    kind = new Span.SpanKind[spansPerTrace];
    start = new long[spansPerTrace];
    end = new long[spansPerTrace];
    failed = new boolean[spansPerTrace];
    spanIds = new ByteString[spansPerTrace];
    servers = new int[spansPerTrace];
  }

  /** Receives the spans of a generated trace, parents before children. */
  @FunctionalInterface
  public interface SpanSink {
    /** @param service index of the span's service, see {@link #resource(int)} */
    void accept(int service, Span span);
  }

  public int spansPerTrace() {
    return spansPerTrace;
  }

  /** Number of distinct services spans may come from. */
  public static int serviceCount() {
    return SERVICES.length;
  }

  /** The resource (with {@code service.name}) of service {@code index}. */
  public Resource resource(int index) {
    return resources[index];
  }

  public InstrumentationScope scope() {
    return scope;
  }

  /**
   * Generates one trace.
   *
   * @param error one span (a callee's SERVER span when there is one, else the root) gets status ERROR
   *     and an exception event; the CLIENT span that called it gets status ERROR too
   * @param slow the whole trace lasts {@value #SLOW_FACTOR} times longer
   * @param endEpochNanos when the root span ends
   */
  public void generate(boolean error, boolean slow, long endEpochNanos, SpanSink sink) {
    int n = spansPerTrace;
    int pairs = (n - 1) / 2;
    int serviceCount = Math.min(3 + random.nextInt(3), 1 + pairs);
    chooseServices(serviceCount);

    long rootNanos = MIN_ROOT_NANOS + random.nextLong(MAX_ROOT_NANOS - MIN_ROOT_NANOS);
    if (slow) {
      rootNanos *= SLOW_FACTOR;
    }
    set(0, -1, FRONTEND, random.nextInt(OPERATIONS.length), Span.SpanKind.SPAN_KIND_SERVER, 0, rootNanos);
    servers[0] = 0;
    int serverCount = 1;
    int next = 1;
    for (int p = 0; p < pairs; p++) {
      // The first calls visit every chosen service once; later ones pick among them again.
      int callee = p < serviceCount - 1 ? traceServices[p + 1] : traceServices[1 + random.nextInt(serviceCount - 1)];
      int caller = servers[random.nextInt(serverCount)];
      if (service[caller] == callee) {
        caller = 0; // the root is in frontend, which is never a callee
      }
      int op = random.nextInt(OPERATIONS.length);
      long parentDuration = end[caller] - start[caller];
      long clientStart = start[caller] + (long) (parentDuration * 0.5 * random.nextDouble());
      long clientEnd = Math.min(end[caller],
          clientStart + Math.max(1_000L, (long) (parentDuration * (0.1 + 0.4 * random.nextDouble()))));
      long margin = (clientEnd - clientStart) / 20;
      int client = next++;
      set(client, caller, service[caller], op, Span.SpanKind.SPAN_KIND_CLIENT, clientStart, clientEnd);
      int server = next++;
      set(server, client, callee, op, Span.SpanKind.SPAN_KIND_SERVER, clientStart + margin, clientEnd - margin);
      servers[serverCount++] = server;
    }
    if (next < n) {
      int owner = servers[random.nextInt(serverCount)];
      long duration = end[owner] - start[owner];
      long internalStart = start[owner] + duration / 10;
      set(next, owner, service[owner], -1, Span.SpanKind.SPAN_KIND_INTERNAL, internalStart, internalStart + duration / 4);
      next++;
    }
    int exceptionAt = -1;
    if (error) {
      int target = serverCount > 1 ? servers[1 + random.nextInt(serverCount - 1)] : 0;
      exceptionAt = target;
      failed[target] = true;
      if (parent[target] >= 0) {
        failed[parent[target]] = true;
      }
    }

    ByteString traceId = randomId(16);
    for (int i = 0; i < n; i++) {
      spanIds[i] = randomId(8);
    }
    long base = endEpochNanos - rootNanos;
    for (int i = 0; i < n; i++) {
      sink.accept(service[i], span(i, traceId, base, i == exceptionAt));
    }
  }

  /**
   * A request of exactly {@code spans} spans from whole and split traces, as the generator sends
   * them; for benchmarks and tests.
   *
   * @param errorRatio share of traces with an error span
   */
  public ExportTraceServiceRequest request(int spans, double errorRatio, long endEpochNanos) {
    RequestBatcher batcher = new RequestBatcher(this);
    long trace = 0;
    while (batcher.size() < spans) {
      generate(Ratios.selected(trace, errorRatio, 0), false, endEpochNanos, (s, span) -> {
        if (batcher.size() < spans) {
          batcher.add(s, span);
        }
      });
      trace++;
    }
    return batcher.drain();
  }

  private void chooseServices(int count) {
    traceServices[0] = FRONTEND;
    for (int i = 0; i < servicePool.length; i++) {
      servicePool[i] = i + 1;
    }
    // Partial Fisher-Yates: the first count-1 slots end up a uniform random choice.
    for (int i = 0; i < count - 1; i++) {
      int j = i + random.nextInt(servicePool.length - i);
      int t = servicePool[i];
      servicePool[i] = servicePool[j];
      servicePool[j] = t;
      traceServices[i + 1] = servicePool[i];
    }
  }

  private void set(int i, int parentIndex, int serviceIndex, int op, Span.SpanKind spanKind, long startNanos, long endNanos) {
    parent[i] = parentIndex;
    service[i] = serviceIndex;
    operation[i] = op;
    kind[i] = spanKind;
    start[i] = startNanos;
    end[i] = endNanos;
    failed[i] = false;
  }

  private Span span(int i, ByteString traceId, long base, boolean withException) {
    int s = service[i];
    int op = operation[i];
    Span.Builder b = Span.newBuilder()
        .setTraceId(traceId)
        .setSpanId(spanIds[i])
        .setKind(kind[i])
        .setStartTimeUnixNano(base + start[i])
        .setEndTimeUnixNano(base + end[i]);
    if (parent[i] >= 0) {
      b.setParentSpanId(spanIds[parent[i]]);
    }
    if (kind[i] == Span.SpanKind.SPAN_KIND_INTERNAL) {
      b.setName("process " + SERVICES[s]);
    } else {
      b.setName(spanNames[s][op]).addAttributes(methods[op]);
      if (kind[i] == Span.SpanKind.SPAN_KIND_SERVER) {
        b.addAttributes(routes[s][op]);
      } else {
        b.addAttributes(serverAddresses[service[i + 1]]);
      }
      b.addAttributes(failed[i] ? status500 : status200);
    }
    for (KeyValue[] variants : extraAttributes) {
      b.addAttributes(variants[random.nextInt(EXTRA_VALUE_VARIANTS)]);
    }
    if (failed[i]) {
      b.setStatus(errorStatuses[s]);
      if (withException) {
        b.addEvents(Span.Event.newBuilder()
            .setName("exception")
            .setTimeUnixNano(base + end[i] - (end[i] - start[i]) / 10)
            .addAllAttributes(exceptionAttributes.get(s)));
      }
    }
    return b.build();
  }

  private ByteString randomId(int bytes) {
    byte[] id = new byte[bytes];
    for (int off = 0; off < bytes; off += 8) {
      long v = random.nextLong();
      if (v == 0) {
        v = 1; // all-zero ids are invalid in OTLP
      }
      for (int k = 0; k < 8; k++) {
        id[off + k] = (byte) (v >>> (56 - 8 * k));
      }
    }
    return UnsafeByteOperations.unsafeWrap(id);
  }

  private static KeyValue stringAttribute(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }

  private static KeyValue intAttribute(String key, long value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setIntValue(value)).build();
  }
}
