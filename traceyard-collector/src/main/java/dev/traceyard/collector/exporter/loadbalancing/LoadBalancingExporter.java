package dev.traceyard.collector.exporter.loadbalancing;

import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.ComponentKind;
import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Exporter;
import dev.traceyard.collector.component.Host;
import dev.traceyard.collector.config.HostPort;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.exporter.exporterhelper.ExporterHelper;
import dev.traceyard.collector.exporter.exporterhelper.Sender;
import dev.traceyard.collector.exporter.otlp.OtlpExporterFactory;
import dev.traceyard.collector.telemetry.RateLimitedLogger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.WeakHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;

/**
 * The {@code loadbalancing} exporter: splits each batch by routing key over a consistent-hashing
 * ring of backends ({@link HashRing}) and hands each part to that backend's own {@code otlp} exporter
 * (its queue, retries, TLS and auth as configured under {@code protocol.otlp}).
 *
 * <p>Unlike otelcol's, data whose backend cannot take it is not left to die in that backend's queue:
 * <ul>
 *   <li>A send that fails because the backend is unreachable (connection refused or reset,
 *       UNAVAILABLE, DEADLINE_EXCEEDED) marks the backend down for a while (1 s, doubling per
 *       consecutive failure up to 30 s) and re-routes the batch to the ring's next owner of each key,
 *       as if the backend had left the ring; batches already queued for it follow. New batches skip it
 *       until the period ends, then one send probes it again.
 *   <li>A backend that leaves the ring (the resolver stopped listing it) drains its queue into the
 *       new owners instead of to itself.
 *   <li>A batch is re-routed at most {@link #MAX_HOPS} times; after that, or when no other backend is
 *       up, it stays with its backend's retry policy, and what is finally given up is counted there
 *       ({@code traceyard_exporter_send_failed_spans} of {@code loadbalancing/<endpoint>}). With the
 *       sending queue disabled, that refusal travels upstream as a retryable error.
 * </ul>
 * Throttling (RESOURCE_EXHAUSTED with a retry delay) and permanent errors are not re-routed: the
 * backend is alive, and moving its keys would split traces for nothing. Delivery is at least once:
 * a send that timed out may have arrived before it was re-routed.
 */
final class LoadBalancingExporter implements Exporter {
  static final int MAX_HOPS = 3;
  private static final Duration LOG_INTERVAL = Duration.ofSeconds(10);

  private final ComponentSettings settings;
  private final LoadBalancingConfig config;
  private final Resolver resolver;
  private final LoadBalancerMetrics metrics;
  private final Logger logger;
  private final RateLimitedLogger refusalLog;
  private final RateLimitedLogger downLog;
  private final Duration baseDownPeriod;
  private final Duration maxDownPeriod;
  private final Object membership = new Object();
  // How often each re-routed batch moved already. Weak keys: a batch dropped anywhere frees its entry.
  private final Map<TraceBatch, Integer> hops = Collections.synchronizedMap(new WeakHashMap<>());
  private final ExecutorService retirements = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "traceyard-lb-retire");
    t.setDaemon(true);
    return t;
  });
  private final List<CompletableFuture<Void>> retiring = Collections.synchronizedList(new ArrayList<>());

  private volatile Members members = new Members(HashRing.of(List.of()), new Backend[0]);
  private volatile boolean running;
  private volatile boolean stopped;
  private Host host;
  private boolean starting;

  private record Members(HashRing ring, Backend[] backends) {}

  LoadBalancingExporter(ComponentSettings settings, LoadBalancingConfig config,
      Function<LoadBalancerMetrics, Resolver> resolver, Duration baseDownPeriod, Duration maxDownPeriod) {
    this.settings = settings;
    this.config = config;
    this.logger = settings.logger();
    this.metrics = new LoadBalancerMetrics(settings.telemetry(), settings.id().toString());
    this.resolver = resolver.apply(metrics);
    this.refusalLog = new RateLimitedLogger(logger, LOG_INTERVAL);
    this.downLog = new RateLimitedLogger(logger, LOG_INTERVAL);
    this.baseDownPeriod = baseDownPeriod;
    this.maxDownPeriod = maxDownPeriod;
  }

  @Override
  public void start(Host host) {
    synchronized (membership) {
      this.host = host;
      starting = true;
    }
    metrics.ringSize(() -> members.ring().size());
    try {
      resolver.start(this::onMembers);
    } finally {
      synchronized (membership) {
        starting = false;
      }
    }
    running = true;
  }

  /** The current members, sorted (for tests and logs). */
  List<String> endpoints() {
    return members.ring().endpoints();
  }

  @Override
  public ConsumeResult consume(Batch batch) {
    if (!(batch instanceof TraceBatch)) {
      return ConsumeResult.permanent("the loadbalancing exporter takes traces only, got " + batch.signal());
    }
    if (!running || stopped) {
      metrics.refused(batch.itemCount());
      return ConsumeResult.retryable("exporter '" + settings.id() + "' is not running", null);
    }
    ConsumeResult r = route((TraceBatch) batch, null, 0);
    if (!r.isSuccess()) {
      refusalLog.warn("refusing {} spans (the sender should retry): {}", batch.itemCount(), r.message());
    }
    return r;
  }

  /**
   * Hands each part of the batch to its owner's exporter. {@code from} (when re-routing) is left
   * out of the ring; {@code hopCount} is the number of moves the parts will have made.
   */
  private ConsumeResult route(TraceBatch batch, Backend from, int hopCount) {
    Members m = members;
    if (m.ring().isEmpty()) {
      metrics.refused(batch.itemCount());
      return ConsumeResult.retryable("no backend resolved yet for exporter '" + settings.id() + "'", null);
    }
    long now = System.nanoTime();
    Backend[] backends = m.backends();
    HashRing.Eligibility eligible = i -> backends[i] != from && backends[i].isUp(now);
    TraceBatch[] parts = BatchSplitter.split(batch, config.routingKey(), backends.length,
        h -> m.ring().owner(h, eligible));
    ConsumeResult result = ConsumeResult.success();
    for (int i = 0; i < parts.length; i++) {
      TraceBatch part = parts[i];
      if (part == null) {
        continue;
      }
      Backend b = backends[i];
      if (b == from) {
        result = result.combine(ConsumeResult.retryable("no other backend can take the spans of " + b.endpoint, null));
        continue;
      }
      if (hopCount > 0) {
        hops.put(part, hopCount);
      }
      ConsumeResult r = b.exporter.consume(part);
      if (!r.isSuccess() && !b.member && !stopped && hopCount == 0) {
        // The backend left the ring while this batch was being split: one more try on the new ring.
        r = route(part, null, 1);
      }
      result = result.combine(r);
    }
    return result;
  }

  /** Applies a resolution: starts the exporters of new backends, publishes the ring, retires the old. */
  private void onMembers(Set<String> endpoints) {
    synchronized (membership) {
      if (stopped) {
        return;
      }
      Members old = members;
      if (old.ring().endpoints().equals(new ArrayList<>(new TreeSet<>(endpoints)))) {
        return;
      }
      Map<String, Backend> current = new HashMap<>();
      for (Backend b : old.backends()) {
        current.put(b.endpoint, b);
      }
      List<String> added = new ArrayList<>();
      List<String> kept = new ArrayList<>();
      for (String ep : new TreeSet<>(endpoints)) {
        if (current.containsKey(ep)) {
          kept.add(ep);
          continue;
        }
        try {
          Backend b = new Backend(ep);
          b.exporter.start(host);
          current.put(ep, b);
          added.add(ep);
        } catch (Exception e) {
          if (starting) {
            throw new IllegalStateException("cannot start the exporter for backend " + ep + ": " + e.getMessage(), e);
          }
          logger.error("cannot start the exporter for backend {}; leaving it out of the ring: {}", ep, e.toString());
        }
      }
      List<String> ringMembers = new ArrayList<>(kept);
      ringMembers.addAll(added);
      HashRing ring = HashRing.of(ringMembers);
      Backend[] backends = new Backend[ring.size()];
      for (int i = 0; i < backends.length; i++) {
        backends[i] = current.remove(ring.endpoints().get(i));
      }
      members = new Members(ring, backends);
      // What is left in `current` has left the ring.
      List<String> removed = new ArrayList<>(current.keySet());
      Collections.sort(removed);
      metrics.membershipChanged(added.size() + removed.size());
      if (old.ring().isEmpty()) {
        logger.info("backends: {}", ring.endpoints());
      } else {
        logger.info("backends changed: {} joined, {} left; the ring now has {}", added, removed, ring.size());
      }
      for (Backend b : current.values()) {
        b.member = false;
        retiring.add(CompletableFuture.runAsync(b.exporter::shutdown, retirements));
      }
    }
  }

  @Override
  public void shutdown() {
    Members m;
    synchronized (membership) {
      stopped = true;
      m = members;
    }
    resolver.shutdown();
    // Backends that are down stop first: their queues drain into the ones still running, which
    // stop after them, instead of retrying against a dead address until the drain bound.
    long now = System.nanoTime();
    List<CompletableFuture<Void>> down = new ArrayList<>();
    List<Backend> up = new ArrayList<>();
    for (Backend b : m.backends()) {
      if (b.isUp(now)) {
        up.add(b);
      } else {
        down.add(CompletableFuture.runAsync(b.exporter::shutdown, retirements));
      }
    }
    synchronized (retiring) {
      down.addAll(retiring);
    }
    awaitAll(down);
    List<CompletableFuture<Void>> rest = new ArrayList<>();
    for (Backend b : up) {
      rest.add(CompletableFuture.runAsync(b.exporter::shutdown, retirements));
    }
    awaitAll(rest);
    retirements.shutdown();
    running = false;
  }

  private void awaitAll(List<CompletableFuture<Void>> futures) {
    try {
      CompletableFuture.allOf(futures.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      logger.warn("backends did not all stop in time: {}", e.toString());
    }
  }

  /** One backend: its exporter (queue and retries around an OTLP sender) and its health. */
  private final class Backend {
    final String endpoint;
    final ExporterHelper exporter;
    final LoadBalancerMetrics.Endpoint counters;
    volatile boolean member = true;
    private volatile long upAt = System.nanoTime();
    private int failures; // guarded by this

    Backend(String endpoint) {
      this.endpoint = endpoint;
      this.counters = metrics.endpoint(endpoint);
      ComponentId id = settings.id();
      ComponentSettings own = new ComponentSettings(
          ComponentId.parse(id.type() + "/" + (id.name().isEmpty() ? "" : id.name() + "@") + endpoint),
          ComponentKind.EXPORTER, settings.telemetry());
      Sender otlp = OtlpExporterFactory.sender(config.otlp().withEndpoint(HostPort.parse(endpoint)), own.logger());
      this.exporter = ExporterHelper.create(own, config.otlp().helper(), new ReroutingSender(otlp));
    }

    boolean isUp(long now) {
      return now - upAt >= 0;
    }

    synchronized void markDown(String why) {
      if (!isUp(System.nanoTime())) {
        // Already down: the other sends that were in flight when it went down say nothing new.
        return;
      }
      failures = Math.min(failures + 1, 30);
      long period = Math.min(maxDownPeriod.toNanos(), baseDownPeriod.toNanos() << Math.min(failures - 1, 20));
      upAt = System.nanoTime() + period;
      downLog.warn("backend {} is down ({}); re-routing its spans to the next owners for {} ms", endpoint, why,
          period / 1_000_000);
    }

    synchronized void markUp() {
      failures = 0;
    }

    /** What the backend's queue consumers call: send, or hand the batch on when this backend cannot take it. */
    private final class ReroutingSender implements Sender {
      private final Sender delegate;

      ReroutingSender(Sender delegate) {
        this.delegate = delegate;
      }

      @Override
      public void start(Host h) throws Exception {
        delegate.start(h);
      }

      @Override
      public void shutdown() {
        delegate.shutdown();
      }

      @Override
      public ConsumeResult send(Batch batch) {
        TraceBatch traces = (TraceBatch) batch;
        // Checked first so the common case never hashes the batch (the map is empty in steady state).
        Integer moved = hops.isEmpty() ? null : hops.get(traces);
        int hopCount = moved == null ? 0 : moved;
        if (hopCount < MAX_HOPS) {
          if (!member) {
            ConsumeResult r = reroute(traces, hopCount, LoadBalancerMetrics.REASON_LEFT_RING);
            if (r != null) {
              return r;
            }
          } else if (!isUp(System.nanoTime()) && anotherIsUp()) {
            ConsumeResult r = reroute(traces, hopCount, LoadBalancerMetrics.REASON_ENDPOINT_DOWN);
            if (r != null) {
              return r;
            }
          }
        }
        ConsumeResult r = delegate.send(batch);
        if (r.isSuccess()) {
          markUp();
          long rejected = Math.min(r.rejectedItems(), batch.itemCount());
          counters.sent().inc(batch.itemCount() - rejected);
          if (rejected > 0) {
            counters.failed().inc(rejected);
          }
          forget(traces);
          return r;
        }
        counters.failed().inc(batch.itemCount());
        if (r.isPermanent()) {
          forget(traces);
          return r;
        }
        if (!r.isThrottled()) {
          markDown(r.message());
          if (hopCount < MAX_HOPS && (anotherIsUp() || !member)) {
            ConsumeResult rr = reroute(traces, hopCount, LoadBalancerMetrics.REASON_ENDPOINT_DOWN);
            if (rr != null) {
              return rr;
            }
          }
        }
        return r;
      }

      /** Hands the batch to the ring's next owners; null when they refused it too (retry here). */
      private ConsumeResult reroute(TraceBatch batch, int hopCount, String reason) {
        // Forgotten first: when the whole batch goes to one new owner, route() records the same
        // object again with the new count.
        forget(batch);
        ConsumeResult r = route(batch, Backend.this, hopCount + 1);
        if (r.isSuccess()) {
          metrics.rerouted(reason, batch.itemCount());
          return r;
        }
        // It stays here for a retry (parts taken by others may arrive twice: at least once).
        if (hopCount > 0) {
          hops.put(batch, hopCount);
        } else {
          forget(batch);
        }
        return null;
      }

      private void forget(TraceBatch batch) {
        if (!hops.isEmpty()) {
          hops.remove(batch);
        }
      }

      private boolean anotherIsUp() {
        long now = System.nanoTime();
        for (Backend b : members.backends()) {
          if (b != Backend.this && b.isUp(now)) {
            return true;
          }
        }
        return false;
      }
    }
  }
}
