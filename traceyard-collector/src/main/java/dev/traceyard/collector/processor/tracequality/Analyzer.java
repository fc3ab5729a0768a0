package dev.traceyard.collector.processor.tracequality;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import dev.traceyard.collector.processor.tracequality.TraceQualityConfig.AttributeAction;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The analysis: single-threaded (owned by the processor's analysis thread, or by a test). Spans are
 * {@link #accept accepted} as they pass; per-span mistakes (identity, kinds, sizes, bodies, negative
 * durations, attribute cardinality) and the cost are counted at once, while each trace's structure
 * (ids, parents, kinds, times: a few dozen bytes a span, not the span) waits for its
 * {@code trace_window} to close and is then checked as a whole (orphans, roots, missing client side,
 * inconsistent sampling, clock skew). {@link #report} turns an interval's counts into the log records
 * of the findings contract (issue #9; layout in README, trace_quality) and starts the next interval.
 */
final class Analyzer {
  static final String OTHER_SPAN_NAME = "<other>";
  /** Span names kept apart per service; the rest are counted under {@link #OTHER_SPAN_NAME}. */
  static final int MAX_SPAN_NAMES_PER_SERVICE = 1000;
  static final int MAX_EDGES = 10_000;
  static final int TOP_ATTRIBUTE_KEYS = 20;
  /** Distinct value hashes kept exactly (in an open-addressing table) before a key gets a HyperLogLog. */
  private static final int SMALL_SET = 32;
  /** Observations without a new value after which a key's values are only sampled. */
  private static final int SETTLED_AFTER = 256;
  /** One value in this many is checked against the id-like patterns. */
  private static final int PATTERN_SAMPLE = 16;
  private static final Set<String> WRONG_KIND_KEYS = Set.of("http.request.method", "http.method", "url.full",
      "http.url", "http.target", "rpc.system", "rpc.service", "messaging.system", "messaging.destination.name");

  /** What the analysis tells the processor's self-telemetry. */
  interface Events {
    void traceAnalysed();

    void traceEvicted();

    /** A memory bound was hit: {@code bound} is the config key that set it. */
    void boundHit(String bound);

    void finding(String service, FindingKind kind, long count);

    Events NONE = new Events() {
      @Override
      public void traceAnalysed() {}

      @Override
      public void traceEvicted() {}

      @Override
      public void boundHit(String bound) {}

      @Override
      public void finding(String service, FindingKind kind, long count) {}
    };
  }

  private final TraceQualityConfig config;
  private final long windowNanos;
  /**
   * Traces whose id hashes below this are analysed (Long.MAX_VALUE: all). Sampling by trace id keeps
   * every span of a chosen trace, so the structural checks still see whole traces.
   */
  private final long sampleBelow;
  private final double scale;
  private final long skewNanos;
  private final Events events;
  private final List<String[]> bodyPatterns = new ArrayList<>();

  private final LinkedHashMap<TraceKey, TraceState> traces = new LinkedHashMap<>();
  private final Map<String, ServiceStats> services = new HashMap<>();
  private final Map<String, KeyInfo> keyInfos = new HashMap<>();
  /** (client service, destination) -> the service that answered such calls, learned from whole traces. */
  private final Map<String, ServiceStats> edges = new HashMap<>();
  /** Services seen calling each service, learned from whole traces. */
  private final Map<ServiceStats, Set<ServiceStats>> upstreams = new HashMap<>();
  private final Map<FindingKey, Tally> tallies = new LinkedHashMap<>();
  private int sketches;
  private int[] parentScratch = new int[64];
  private boolean[] hasChildScratch = new boolean[64];
  private int trackedKeys;
  private ByteString lastTraceId;
  private TraceState lastTrace;
  private long epoch;
  private long intervalStartMillis;

  Analyzer(TraceQualityConfig config, Events events, long nowMillis) {
    this.config = config;
    this.windowNanos = config.traceWindow().toNanos();
    double fraction = config.samplingPercentage() / 100.0;
    this.sampleBelow = fraction >= 1 ? Long.MAX_VALUE : (long) (fraction * Long.MAX_VALUE);
    this.scale = fraction >= 1 ? 1 : 1 / fraction;
    this.skewNanos = config.clockSkewTolerance().toNanos();
    this.events = events;
    this.intervalStartMillis = nowMillis;
    for (String p : config.bodyKeys()) {
      bodyPatterns.add(new String[] {p.startsWith("*") ? "*" : "", p.replace("*", ""), p.endsWith("*") ? "*" : ""});
    }
  }

  int tracesInMemory() {
    return traces.size();
  }

  // ---------------------------------------------------------------- per span, as spans pass

  void accept(ExportTraceServiceRequest request, long nowNanos) {
    // Spans of one trace usually come together: remember the last one's state, for this request only
    // (windows close and traces are evicted only between requests or when a new trace is made).
    lastTraceId = null;
    lastTrace = null;
    for (ResourceSpans rs : request.getResourceSpansList()) {
      ResourceInfo res = resource(rs.getResource());
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span span : ss.getSpansList()) {
          if (sampleBelow == Long.MAX_VALUE || (Hashing.ofBytes(span.getTraceId()) >>> 1) < sampleBelow) {
            acceptSpan(res, span, nowNanos);
          }
        }
      }
    }
    // Keep nothing of the request once it is analysed.
    lastTraceId = null;
    lastTrace = null;
  }

  private void acceptSpan(ResourceInfo res, Span span, long nowNanos) {
    ServiceStats svc = res.service;
    ByteString traceId = span.getTraceId();
    TraceState t;
    if (lastTrace != null && traceId.equals(lastTraceId)) {
      t = lastTrace;
    } else {
      t = trace(traceId, nowNanos);
      lastTraceId = traceId;
      lastTrace = t;
    }
    int spanBytes = CodedOutputStream.computeMessageSize(ScopeSpans.SPANS_FIELD_NUMBER, span);
    SpanNameStats sn = svc.spanName(span.getName());
    t.touch(svc.all, epoch);
    t.touch(sn.cost, epoch);
    svc.all.spans++;
    svc.all.bytes += spanBytes;
    sn.cost.spans++;
    sn.cost.bytes += spanBytes;
    if (res.unknown != null) {
      res.unknown.add(t, epoch, span);
    }
    if (res.noVersion != null) {
      res.noVersion.add(t, epoch, span);
    }
    if (res.noEnvironment != null) {
      res.noEnvironment.add(t, epoch, span);
    }
    if (res.sdk != null) {
      if (svc.firstSdk == null) {
        svc.firstSdk = res.sdk;
      }
      if (!svc.firstSdk.equals(res.sdk)) {
        if (svc.sdks.size() < 8) {
          svc.sdks.add(res.sdk);
        }
        tally(svc, FindingKind.CONFLICTING_SDK, "", "", "").add(t, epoch, span);
      }
    }
    Span.SpanKind kind = span.getKind();
    boolean client = kind == Span.SpanKind.SPAN_KIND_CLIENT;
    String wrongKindKey = null;
    String peerService = null;
    String serverAddress = null;
    long serverPort = -1;
    long attributeBytes = 0;
    int count = span.getAttributesCount();
    for (int i = 0; i < count; i++) {
      KeyValue kv = span.getAttributes(i);
      String keyName = kv.getKey();
      int kvBytes = CodedOutputStream.computeMessageSize(Span.ATTRIBUTES_FIELD_NUMBER, kv);
      attributeBytes += kvBytes;
      KeyStats ks = sn.keys.get(keyName);
      if (ks == null) {
        ks = newKey(svc, sn, keyName);
      }
      String key = ks.key;
      KeyInfo info = ks.info;
      if (info.wrongKind && kind == Span.SpanKind.SPAN_KIND_INTERNAL && wrongKindKey == null) {
        wrongKindKey = key;
      }
      if (info.body) {
        tally(svc, FindingKind.BODY_ON_SPAN, sn.name, key, "").add(t, epoch, span);
      }
      AnyValue value = kv.getValue();
      if (value.getSerializedSize() > config.maxAttributeValueBytes()) {
        tally(svc, FindingKind.OVERSIZED_SPAN, sn.name, key, "").add(t, epoch, span);
      }
      if (client && info.destination != 0) {
        if (info.destination == KeyInfo.PEER_SERVICE) {
          peerService = value.getStringValue();
        } else if (info.destination == KeyInfo.SERVER_ADDRESS) {
          serverAddress = value.getStringValue();
        } else {
          serverPort = value.getIntValue();
        }
      }
      if (ks.weight != null) {
        ks.weight.bytes += kvBytes;
        ks.weight.count++;
      }
      if (ks.tracked) {
        observe(ks, value, traceId);
      }
    }
    svc.all.attributeBytes += attributeBytes;
    sn.cost.attributeBytes += attributeBytes;
    if (count > config.maxAttributes()) {
      tally(svc, FindingKind.OVERSIZED_SPAN, sn.name, "", "").add(t, epoch, span);
    }
    if (wrongKindKey != null) {
      tally(svc, FindingKind.WRONG_SPAN_KIND, sn.name, wrongKindKey, "").add(t, epoch, span);
    }
    if (span.getEndTimeUnixNano() < span.getStartTimeUnixNano()) {
      tally(svc, FindingKind.NEGATIVE_DURATION, sn.name, "", "").add(t, epoch, span);
    }
    if (t.size >= config.maxSpansPerTrace()) {
      if (!t.truncated) {
        t.truncated = true;
        events.boundHit("max_spans_per_trace");
      }
      return;
    }
    String destination = null;
    if (client) {
      destination = peerService != null ? peerService
          : serverAddress != null ? (serverPort >= 0 ? serverAddress + ":" + serverPort : serverAddress) : null;
    }
    t.add(SpanIds.toLong(span.getSpanId()), SpanIds.toLong(span.getParentSpanId()), span.getStartTimeUnixNano(),
        span.getEndTimeUnixNano(), kind, span.getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR, sn,
        destination);
  }

  private TraceState trace(ByteString traceId, long nowNanos) {
    TraceKey key = TraceKey.of(traceId);
    TraceState t = traces.get(key);
    if (t == null) {
      if (traces.size() >= config.maxTraces()) {
        Iterator<TraceState> it = traces.values().iterator();
        it.next();
        it.remove();
        events.traceEvicted();
        events.boundHit("max_traces");
      }
      t = new TraceState(key, traceId, nowNanos + windowNanos);
      traces.put(key, t);
    }
    return t;
  }

  private ResourceInfo resource(Resource resource) {
    String name = null;
    boolean version = false;
    boolean environment = false;
    String language = null;
    String sdkVersion = null;
    for (KeyValue kv : resource.getAttributesList()) {
      switch (kv.getKey()) {
        case "service.name":
          name = kv.getValue().getStringValue();
          break;
        case "service.version":
          version = !kv.getValue().getStringValue().isEmpty();
          break;
        case "deployment.environment.name":
        case "deployment.environment":
          environment = !kv.getValue().getStringValue().isEmpty();
          break;
        case "telemetry.sdk.language":
          language = kv.getValue().getStringValue();
          break;
        case "telemetry.sdk.version":
          sdkVersion = kv.getValue().getStringValue();
          break;
        default:
          break;
      }
    }
    boolean unknown = name == null || name.isEmpty() || name.startsWith("unknown_service");
    ServiceStats svc = service(name == null || name.isEmpty() ? "unknown_service" : name);
    ResourceInfo info = new ResourceInfo(svc);
    if (unknown) {
      info.unknown = tally(svc, FindingKind.UNKNOWN_SERVICE, "", "", "");
    }
    if (!version) {
      info.noVersion = tally(svc, FindingKind.MISSING_SERVICE_VERSION, "", "", "");
    }
    if (!environment) {
      info.noEnvironment = tally(svc, FindingKind.MISSING_DEPLOYMENT_ENVIRONMENT, "", "", "");
    }
    if (language != null || sdkVersion != null) {
      info.sdk = (language == null ? "?" : language) + " " + (sdkVersion == null ? "?" : sdkVersion);
    }
    return info;
  }

  private ServiceStats service(String name) {
    ServiceStats s = services.get(name);
    if (s == null) {
      s = new ServiceStats(name);
      services.put(name, s);
    }
    return s;
  }

  private KeyStats newKey(ServiceStats svc, SpanNameStats sn, String key) {
    KeyInfo info = keyInfos.get(key);
    if (info == null) {
      byte destination = key.equals("peer.service") ? KeyInfo.PEER_SERVICE
          : key.equals("server.address") || key.equals("net.peer.name") ? KeyInfo.SERVER_ADDRESS
          : key.equals("server.port") || key.equals("net.peer.port") ? KeyInfo.SERVER_PORT : 0;
      info = new KeyInfo(WRONG_KIND_KEYS.contains(key), isBodyKey(key), destination);
      if (keyInfos.size() < config.maxTrackedKeys()) {
        keyInfos.put(key, info);
      }
    }
    KeyStats ks = new KeyStats(key, info);
    if (trackedKeys < config.maxTrackedKeys()) {
      trackedKeys++;
      ks.tracked = true;
      sn.keys.put(key, ks);
      KeyWeight w = svc.weights.get(key);
      if (w == null) {
        w = new KeyWeight(key);
        svc.weights.put(key, w);
      }
      ks.weight = w;
    } else {
      events.boundHit("cardinality.max_tracked_keys");
    }
    return ks;
  }

  private boolean isBodyKey(String key) {
    for (String[] p : bodyPatterns) {
      boolean prefix = p[0].isEmpty() ? key.startsWith(p[1]) : key.endsWith(p[1]);
      boolean match = p[0].isEmpty() && p[2].isEmpty() ? key.equals(p[1])
          : !p[0].isEmpty() && !p[2].isEmpty() ? key.contains(p[1]) : prefix;
      if (match) {
        return true;
      }
    }
    return false;
  }

  private void observe(KeyStats ks, AnyValue value, ByteString traceId) {
    ks.spans++;
    long n = ++ks.observed;
    // A key whose few values have not changed for a while is only sampled (1 in 8): most keys are
    // bounded (methods, routes, status codes) and this is the costliest step per attribute. The first
    // new value seen while sampling ends it.
    if (ks.hll == null && ks.sinceNew >= SETTLED_AFTER && (n & 7) != 0) {
      return;
    }
    long hash;
    switch (value.getValueCase()) {
      case STRING_VALUE:
        // The String the parsed value holds, not its bytes (see ServiceStats#spanNames).
        String string = value.getStringValue();
        hash = Hashing.ofString(string);
        if ((n & (PATTERN_SAMPLE - 1)) == 1) {
          ks.patternChecks++;
          if (ValuePatterns.looksLikeId(string)) {
            ks.patternHits++;
          }
        }
        break;
      case INT_VALUE:
        hash = Hashing.ofLong(value.getIntValue());
        if ((n & (PATTERN_SAMPLE - 1)) == 1) {
          ks.patternChecks++;
          if (Math.abs(value.getIntValue()) >= 1000) {
            ks.patternHits++;
          }
        }
        break;
      case DOUBLE_VALUE:
        hash = Hashing.ofLong(Double.doubleToLongBits(value.getDoubleValue()));
        break;
      default:
        return;
    }
    if (ks.example == null) {
      ks.example = traceId;
    }
    if (ks.hll != null) {
      ks.hll.add(hash);
      return;
    }
    if (hash == 0) {
      hash = 1; // 0 marks an empty slot
    }
    long[] table = ks.small;
    if (table == null) {
      ks.small = table = new long[8];
    }
    int mask = table.length - 1;
    int slot = (int) hash & mask;
    while (table[slot] != 0) {
      if (table[slot] == hash) {
        ks.sinceNew++;
        return;
      }
      slot = (slot + 1) & mask;
    }
    ks.sinceNew = 0;
    if (ks.smallSize < SMALL_SET) {
      if ((ks.smallSize + 1) * 2 > table.length) {
        table = grow(table);
        ks.small = table;
        mask = table.length - 1;
        slot = (int) hash & mask;
        while (table[slot] != 0) {
          slot = (slot + 1) & mask;
        }
      }
      table[slot] = hash;
      ks.smallSize++;
      return;
    }
    if (ks.saturated) {
      return;
    }
    if (sketches >= config.maxSketches()) {
      ks.saturated = true;
      events.boundHit("cardinality.max_sketches");
      return;
    }
    sketches++;
    ks.hll = new HyperLogLog(config.precision());
    for (long h : table) {
      if (h != 0) {
        ks.hll.add(h);
      }
    }
    ks.hll.add(hash);
    ks.small = null;
  }

  private static long[] grow(long[] table) {
    long[] bigger = new long[table.length * 2];
    int mask = bigger.length - 1;
    for (long h : table) {
      if (h != 0) {
        int slot = (int) h & mask;
        while (bigger[slot] != 0) {
          slot = (slot + 1) & mask;
        }
        bigger[slot] = h;
      }
    }
    return bigger;
  }

  long estimate(KeyStats ks) {
    return ks.hll != null ? ks.hll.estimate() : ks.smallSize;
  }

  // ---------------------------------------------------------------- per trace, when its window closes

  /** Analyses every trace whose window has closed by {@code nowNanos}. */
  void closeExpired(long nowNanos) {
    Iterator<TraceState> it = traces.values().iterator();
    while (it.hasNext()) {
      TraceState t = it.next();
      if (t.deadlineNanos - nowNanos > 0) {
        break;
      }
      it.remove();
      analyse(t);
    }
  }

  /** Analyses every trace held, window closed or not: at shutdown. */
  void closeAll() {
    for (TraceState t : traces.values()) {
      analyse(t);
    }
    traces.clear();
  }

  private void analyse(TraceState t) {
    events.traceAnalysed();
    if (t.truncated) {
      // Spans past max_spans_per_trace were not kept: parents missing from the structure prove nothing.
      return;
    }
    int n = t.size;
    Map<Long, Integer> byId = null;
    if (n > 16) {
      byId = new HashMap<>(n * 2);
      for (int i = 0; i < n; i++) {
        byId.put(t.id(i), i);
      }
    }
    // Worked out here, for this pass only: parent index per span (-1: root or missing), and who has a
    // child. Scratch arrays reused across traces (the analysis is single-threaded).
    if (parentScratch.length < n) {
      parentScratch = new int[Math.max(n, parentScratch.length * 2)];
      hasChildScratch = new boolean[parentScratch.length];
    }
    int[] parents = parentScratch;
    boolean[] hasChild = hasChildScratch;
    Arrays.fill(hasChild, 0, n, false);
    int firstRoot = -1;
    int roots = 0;
    List<Integer> missing = null;
    for (int i = 0; i < n; i++) {
      parents[i] = -1;
      long parentId = t.parent(i);
      if (parentId == 0) {
        roots++;
        if (firstRoot < 0) {
          firstRoot = i;
        } else if (roots == 2) {
          Tally ty = tally(t.service(i), FindingKind.MULTIPLE_ROOTS, t.name(i), "", "");
          if (ty.addSpan(t, epoch, t.id(i))) {
            ty.detail = "traces with several root spans (" + t.service(firstRoot).name + " '" + t.name(firstRoot)
                + "' and " + t.service(i).name + " '" + t.name(i) + "')";
          }
        }
        continue;
      }
      int p;
      if (byId != null) {
        Integer found = byId.get(parentId);
        p = found == null ? -1 : found;
      } else {
        p = find(t, parentId);
      }
      if (p < 0) {
        if (missing == null) {
          missing = new ArrayList<>(2);
        }
        missing.add(i);
      } else {
        parents[i] = p;
        hasChild[p] = true;
      }
    }
    for (int i = 0; i < n; i++) {
      int p = parents[i];
      if (p < 0) {
        continue;
      }
      Span.SpanKind kind = t.kind(i);
      Span.SpanKind parentKind = t.kind(p);
      ServiceStats service = t.service(i);
      ServiceStats parentService = t.service(p);
      boolean remoteEntry = kind == Span.SpanKind.SPAN_KIND_SERVER || kind == Span.SpanKind.SPAN_KIND_CONSUMER;
      if (remoteEntry && parentService != service) {
        if (parentKind == Span.SpanKind.SPAN_KIND_CLIENT || parentKind == Span.SpanKind.SPAN_KIND_PRODUCER) {
          learnEdge(t, p, service);
        } else {
          Tally ty = tally(service, FindingKind.MISSING_CLIENT_SIDE, t.name(i), "", parentService.name);
          if (ty.addSpan(t, epoch, t.id(i))) {
            ty.detail = "spans whose remote parent in " + parentService.name + " is a " + kindName(parentKind)
                + " span: the calling side is not instrumented as CLIENT/PRODUCER";
          }
        }
      }
      boolean startsEarly = t.start(i) < t.start(p) - skewNanos;
      boolean endsLate = t.end(i) > t.end(p) + skewNanos && kind != Span.SpanKind.SPAN_KIND_CONSUMER
          && parentKind != Span.SpanKind.SPAN_KIND_PRODUCER;
      if (startsEarly || endsLate) {
        Tally ty = tally(service, FindingKind.CLOCK_SKEW, t.name(i), "", parentService == service ? ""
            : parentService.name);
        if (ty.addSpan(t, epoch, t.id(i))) {
          ty.detail = "spans " + (startsEarly ? "starting before" : "ending after") + " their parent by more than "
              + config.clockSkewTolerance().toMillis() + " ms";
        }
      }
    }
    if (missing != null) {
      for (int i : missing) {
        ServiceStats service = t.service(i);
        ServiceStats upstream = missingUpstream(t, i);
        if (upstream != null) {
          Tally ty = tally(service, FindingKind.INCONSISTENT_SAMPLING, t.name(i), "", upstream.name);
          if (ty.addSpan(t, epoch, t.id(i))) {
            ty.detail = "traces where " + service.name + " reported but its caller " + upstream.name
                + " did not (a sampler that ignores the parent's decision)";
          }
        } else {
          Tally ty = tally(service, FindingKind.ORPHAN_SPAN, t.name(i), "", "");
          if (ty.addSpan(t, epoch, t.id(i))) {
            ty.detail = "spans whose parent never arrived within " + config.traceWindow().toSeconds() + " s";
          }
        }
      }
    }
    for (int i = 0; i < n; i++) {
      String destination = t.destination(i);
      if (t.kind(i) != Span.SpanKind.SPAN_KIND_CLIENT || hasChild[i] || t.error(i) || destination == null) {
        continue;
      }
      ServiceStats service = t.service(i);
      ServiceStats downstream = edges.get(service.name + "\u0000" + destination);
      if (downstream != null && downstream != service) {
        Tally ty = tally(downstream, FindingKind.INCONSISTENT_SAMPLING, t.name(i), "", service.name);
        if (ty.addSpan(t, epoch, t.id(i))) {
          ty.detail = "traces where " + service.name + " sampled a call to " + downstream.name + " ("
              + destination + ") but " + downstream.name + " did not report it";
        }
      }
    }
  }

  /** The caller of a span with a remote parent that is missing, when whole traces taught us who calls it. */
  private ServiceStats missingUpstream(TraceState t, int span) {
    Span.SpanKind kind = t.kind(span);
    if (kind != Span.SpanKind.SPAN_KIND_SERVER && kind != Span.SpanKind.SPAN_KIND_CONSUMER) {
      return null;
    }
    Set<ServiceStats> ups = upstreams.get(t.service(span));
    if (ups == null) {
      return null;
    }
    for (ServiceStats up : ups) {
      boolean present = false;
      for (int i = 0, n = t.size; i < n; i++) {
        if (t.service(i) == up) {
          present = true;
          break;
        }
      }
      if (!present) {
        return up;
      }
    }
    return null;
  }

  private void learnEdge(TraceState t, int client, ServiceStats server) {
    String destination = t.destination(client);
    ServiceStats clientService = t.service(client);
    if (destination != null && edges.size() < MAX_EDGES) {
      edges.putIfAbsent(clientService.name + "\u0000" + destination, server);
    }
    Set<ServiceStats> ups = upstreams.get(server);
    if (ups == null) {
      if (upstreams.size() >= MAX_EDGES) {
        return;
      }
      ups = new LinkedHashSet<>(4);
      upstreams.put(server, ups);
    }
    if (ups.size() < 64) {
      ups.add(clientService);
    }
  }

  /** The first span of {@code t} with this id, or -1. */
  private static int find(TraceState t, long id) {
    for (int i = 0, n = t.size; i < n; i++) {
      if (t.id(i) == id) {
        return i;
      }
    }
    return -1;
  }

  private static String kindName(Span.SpanKind k) {
    return k.name().replace("SPAN_KIND_", "");
  }

  // ---------------------------------------------------------------- reporting

  private Tally tally(ServiceStats svc, FindingKind kind, String spanName, String key, String peer) {
    FindingKey k = new FindingKey(svc, kind, spanName, key, peer);
    Tally t = tallies.get(k);
    if (t == null) {
      t = new Tally(k);
      tallies.put(k, t);
    }
    return t;
  }

  /**
   * The interval's records (findings, cost, attribute weights) for the interval ending at
   * {@code nowMillis}; starts the next interval.
   */
  Report report(long nowMillis) {
    long endNanos = nowMillis * 1_000_000L;
    long seconds = Math.max(1, Math.round((nowMillis - intervalStartMillis) / 1000.0));
    Records records = new Records(endNanos, seconds, scale);
    Map<String, Set<String>> flagged = new HashMap<>();
    for (Tally t : tallies.values()) {
      if (t.count == 0) {
        continue;
      }
      FindingKey k = t.key;
      String detail = t.detail != null ? t.count + " " + t.detail : detailOf(k, t);
      records.finding(k.service.name, k.kind.wireName(), k.spanName, k.attributeKey, k.peer, t.count, t.traces,
          k.service.all.traces, t.exampleTrace, t.exampleSpan, detail, -1);
      events.finding(k.service.name, k.kind, t.count);
    }
    for (ServiceStats svc : services.values()) {
      for (SpanNameStats sn : svc.spanNames.values()) {
        for (KeyStats ks : sn.keys.values()) {
          if (ks.spans == 0) {
            continue;
          }
          long estimate = estimate(ks);
          boolean idLike = ks.patternChecks > 0 && ks.patternHits * 2 >= ks.patternChecks;
          if (estimate >= config.cardinalityThreshold() || (idLike && estimate >= config.patternMinDistinct())) {
            flagged.computeIfAbsent(ks.key, x -> new HashSet<>()).add(svc.name + "\u0000" + sn.name);
            records.finding(svc.name, FindingKind.HIGH_CARDINALITY_ATTRIBUTE.wireName(), sn.name, ks.key, "", ks.spans,
                sn.cost.traces, svc.all.traces, ks.example, null, ks.key + " has ~" + String.format("%,d", estimate)
                    + " distinct values (HLL estimate)" + (idLike ? ", values look like ids" : "") + " on span "
                    + sn.name, estimate);
            events.finding(svc.name, FindingKind.HIGH_CARDINALITY_ATTRIBUTE, ks.spans);
          }
        }
      }
    }
    for (ServiceStats svc : services.values()) {
      if (svc.all.spans == 0) {
        continue;
      }
      records.cost(svc.name, "*", svc.all);
      for (SpanNameStats sn : svc.spanNames.values()) {
        if (sn.cost.spans > 0) {
          records.cost(svc.name, sn.name, sn.cost);
        }
      }
      List<KeyWeight> weights = new ArrayList<>();
      for (KeyWeight w : svc.weights.values()) {
        if (w.count > 0) {
          weights.add(w);
        }
      }
      weights.sort(Comparator.comparingLong((KeyWeight w) -> w.bytes).reversed());
      for (KeyWeight w : weights.subList(0, Math.min(TOP_ATTRIBUTE_KEYS, weights.size()))) {
        records.weight(svc.name, w.key, w.bytes, w.count);
      }
    }
    // Next interval.
    tallies.clear();
    for (ServiceStats svc : services.values()) {
      svc.all.reset();
      svc.firstSdk = null;
      svc.sdks.clear();
      for (SpanNameStats sn : svc.spanNames.values()) {
        sn.cost.reset();
        for (KeyStats ks : sn.keys.values()) {
          ks.spans = 0;
          ks.example = null;
        }
      }
      for (KeyWeight w : svc.weights.values()) {
        w.bytes = 0;
        w.count = 0;
      }
    }
    epoch++;
    intervalStartMillis = nowMillis;
    return new Report(records.build(), flagged);
  }

  private String detailOf(FindingKey k, Tally t) {
    switch (k.kind) {
      case UNKNOWN_SERVICE:
        return t.count + " spans from a resource without a service.name (or unknown_service*)";
      case MISSING_SERVICE_VERSION:
        return t.count + " spans from " + k.service.name + " without service.version";
      case MISSING_DEPLOYMENT_ENVIRONMENT:
        return t.count + " spans from " + k.service.name + " without deployment.environment.name";
      case CONFLICTING_SDK:
        Set<String> all = new LinkedHashSet<>();
        if (k.service.firstSdk != null) {
          all.add(k.service.firstSdk);
        }
        all.addAll(k.service.sdks);
        return k.service.name + " is reported by several SDKs: " + String.join(", ", all);
      case WRONG_SPAN_KIND:
        return t.count + " INTERNAL spans '" + k.spanName + "' carry " + k.attributeKey
            + ": they describe a call and should be CLIENT or SERVER";
      case OVERSIZED_SPAN:
        return k.attributeKey.isEmpty()
            ? t.count + " spans '" + k.spanName + "' with more than " + config.maxAttributes() + " attributes"
            : t.count + " spans '" + k.spanName + "' whose " + k.attributeKey + " exceeds "
                + config.maxAttributeValueBytes() + " bytes";
      case BODY_ON_SPAN:
        return t.count + " spans '" + k.spanName + "' carry a request/response body in " + k.attributeKey;
      case NEGATIVE_DURATION:
        return t.count + " spans '" + k.spanName + "' end before they start";
      default:
        return t.count + " occurrences";
    }
  }

  /** An interval's records, and the (key -> service NUL span name) pairs flagged high-cardinality. */
  record Report(List<Records.ServiceRecords> records, Map<String, Set<String>> flaggedKeys) {}

  // ---------------------------------------------------------------- state

  private static final class ResourceInfo {
    final ServiceStats service;
    Tally unknown;
    Tally noVersion;
    Tally noEnvironment;
    String sdk;

    ResourceInfo(ServiceStats service) {
      this.service = service;
    }
  }

  /** Something counted once per distinct trace in an interval. */
  abstract static class TraceCounted {
    long traces;
  }

  static final class CostRow extends TraceCounted {
    long spans;
    long bytes;
    long attributeBytes;

    void reset() {
      spans = 0;
      traces = 0;
      bytes = 0;
      attributeBytes = 0;
    }
  }

  static final class ServiceStats {
    final String name;
    final CostRow all = new CostRow();
    /**
     * By name as the parsed span holds it (a String): the bytes getters would swap each span's decoded
     * strings for encoded bytes, which the exporters and the store would then decode again.
     */
    final Map<String, SpanNameStats> spanNames = new HashMap<>();
    final Map<String, KeyWeight> weights = new HashMap<>();
    String firstSdk;
    final Set<String> sdks = new LinkedHashSet<>();

    ServiceStats(String name) {
      this.name = name;
    }

    SpanNameStats spanName(String spanName) {
      SpanNameStats sn = spanNames.get(spanName);
      if (sn == null) {
        if (spanNames.size() >= MAX_SPAN_NAMES_PER_SERVICE) {
          spanName = OTHER_SPAN_NAME;
          sn = spanNames.get(spanName);
        }
        if (sn == null) {
          sn = new SpanNameStats(this, spanName);
          spanNames.put(spanName, sn);
        }
      }
      return sn;
    }
  }

  static final class SpanNameStats {
    final ServiceStats service;
    final String name;
    final CostRow cost = new CostRow();
    /** By key, as the parsed attribute holds it (a String, see {@link ServiceStats#spanNames}). */
    final Map<String, KeyStats> keys = new HashMap<>();

    SpanNameStats(ServiceStats service, String name) {
      this.service = service;
      this.name = name;
    }
  }

  /** What a key means to the checks, worked out once per key instead of per attribute. */
  record KeyInfo(boolean wrongKind, boolean body, byte destination) {
    static final byte PEER_SERVICE = 1;
    static final byte SERVER_ADDRESS = 2;
    static final byte SERVER_PORT = 3;
  }

  static final class KeyWeight {
    final String key;
    long bytes;
    long count;

    KeyWeight(String key) {
      this.key = key;
    }
  }

  /** One attribute key on one span name of one service: its cardinality sketch and interval counts. */
  static final class KeyStats {
    final String key;
    final KeyInfo info;
    boolean tracked;
    KeyWeight weight;
    long[] small;
    int smallSize;
    HyperLogLog hll;
    boolean saturated;
    long observed;
    long sinceNew;
    long patternChecks;
    long patternHits;
    long spans;
    ByteString example;

    KeyStats(String key, KeyInfo info) {
      this.key = key;
      this.info = info;
    }
  }

  record FindingKey(ServiceStats service, FindingKind kind, String spanName, String attributeKey, String peer) {}

  static final class Tally extends TraceCounted {
    final FindingKey key;
    long count;
    ByteString exampleTrace;
    ByteString exampleSpan;
    String detail;

    Tally(FindingKey key) {
      this.key = key;
    }

    void add(TraceState t, long epoch, Span span) {
      count++;
      t.touch(this, epoch);
      if (exampleTrace == null) {
        exampleTrace = span.getTraceId();
        exampleSpan = span.getSpanId();
      }
    }

    /** Counts one occurrence; true when the tally still needs its detail sentence. */
    boolean addSpan(TraceState t, long epoch, long spanId) {
      count++;
      t.touch(this, epoch);
      if (exampleTrace == null) {
        exampleTrace = t.traceId();
        exampleSpan = SpanIds.toBytes(spanId);
      }
      return detail == null;
    }
  }

  /**
   * One trace while its window is open: the span structure the whole-trace checks need, kept as
   * parallel arrays (a few dozen bytes a span, four objects a trace) rather than an object per span,
   * because it lives for the whole {@code trace_window} and so is what the collector's GC copies and marks.
   */
  static final class TraceState {
    private static final Span.SpanKind[] KINDS = Span.SpanKind.values();
    private static final int ERROR = 0x80;

    final TraceKey key;
    /** The id as received, only when it is not 16 bytes (otherwise rebuilt from {@link #key}). */
    private final ByteString oddTraceId;
    final long deadlineNanos;
    int size;
    /** Per span: id, parent id, start, end. */
    // Room for 8 spans first: fewer copies for the typical trace of a few services than 4 (what an
    // ArrayList of nodes started with), for 144 more bytes in a one-span trace.
    private long[] times = new long[8 * 4];
    private SpanNameStats[] names = new SpanNameStats[8];
    /** Per span: the kind's ordinal, and {@link #ERROR}. */
    private byte[] kinds = new byte[8];
    /** Client spans' call destinations; null until one has a destination. */
    private String[] destinations;
    boolean truncated;
    private long touchedEpoch;
    private final ArrayList<TraceCounted> touched = new ArrayList<>(4);
    private HashSet<TraceCounted> touchedSet;

    TraceState(TraceKey key, ByteString traceId, long deadlineNanos) {
      this.key = key;
      this.oddTraceId = traceId.size() == 16 ? null : traceId;
      this.deadlineNanos = deadlineNanos;
    }

    ByteString traceId() {
      if (oddTraceId != null) {
        return oddTraceId;
      }
      return SpanIds.toBytes(key.high()).concat(SpanIds.toBytes(key.low()));
    }

    void add(long id, long parent, long start, long end, Span.SpanKind kind, boolean error, SpanNameStats name,
        String destination) {
      int i = size;
      if (i == names.length) {
        int grown = i + (i >> 1);
        times = Arrays.copyOf(times, grown * 4);
        names = Arrays.copyOf(names, grown);
        kinds = Arrays.copyOf(kinds, grown);
        if (destinations != null) {
          destinations = Arrays.copyOf(destinations, grown);
        }
      }
      times[i * 4] = id;
      times[i * 4 + 1] = parent;
      times[i * 4 + 2] = start;
      times[i * 4 + 3] = end;
      names[i] = name;
      kinds[i] = (byte) (kind.ordinal() | (error ? ERROR : 0));
      if (destination != null) {
        if (destinations == null) {
          destinations = new String[names.length];
        }
        destinations[i] = destination;
      }
      size = i + 1;
    }

    long id(int i) {
      return times[i * 4];
    }

    long parent(int i) {
      return times[i * 4 + 1];
    }

    long start(int i) {
      return times[i * 4 + 2];
    }

    long end(int i) {
      return times[i * 4 + 3];
    }

    Span.SpanKind kind(int i) {
      return KINDS[kinds[i] & 0x7f];
    }

    boolean error(int i) {
      return (kinds[i] & ERROR) != 0;
    }

    SpanNameStats spanName(int i) {
      return names[i];
    }

    ServiceStats service(int i) {
      return names[i].service;
    }

    String name(int i) {
      return names[i].name;
    }

    String destination(int i) {
      return destinations == null ? null : destinations[i];
    }

    /** Counts this trace once in {@code c} per interval. */
    void touch(TraceCounted c, long epoch) {
      if (epoch != touchedEpoch) {
        touchedEpoch = epoch;
        touched.clear();
        touchedSet = null;
      }
      if (touchedSet != null) {
        if (touchedSet.add(c)) {
          c.traces++;
        }
        return;
      }
      for (int i = touched.size() - 1; i >= 0; i--) {
        if (touched.get(i) == c) {
          return;
        }
      }
      touched.add(c);
      c.traces++;
      if (touched.size() > 16) {
        touchedSet = new HashSet<>(touched);
      }
    }
  }
}
