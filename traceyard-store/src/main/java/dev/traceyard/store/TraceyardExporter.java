package dev.traceyard.store;

import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Exporter;
import dev.traceyard.collector.component.Host;
import dev.traceyard.collector.config.Durations;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.telemetry.RateLimitedLogger;
import dev.traceyard.store.db.Store;
import dev.traceyard.store.db.StoreOptions;
import dev.traceyard.store.http.QueryServer;
import dev.traceyard.store.http.QueryWarmUp;
import dev.traceyard.store.query.QueryService;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * Writes traces, logs and metrics into the embedded store and serves the query API. Accepting a
 * batch means it is in the store's bounded write queue (as with otelcol's in-memory sending queue);
 * a full queue refuses with a throttled result, so backpressure reaches the receiver.
 */
public final class TraceyardExporter implements Exporter {
  private static final Duration RETRY_AFTER = Duration.ofSeconds(1);
  private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);

  private final ComponentSettings settings;
  private final TraceyardExporterConfig config;
  private final StoreOptions options;
  private final RateLimitedLogger refusals;
  private volatile Store store;
  private volatile QueryService queryService;
  private volatile QueryServer server;
  private volatile QueryWarmUp warmUp;

  TraceyardExporter(ComponentSettings settings, TraceyardExporterConfig config, StoreOptions options) {
    this.settings = settings;
    this.config = config;
    this.options = options;
    this.refusals = new RateLimitedLogger(settings.logger(), Duration.ofSeconds(10));
  }

  /** For tests and embedders that need their own clock or intervals. */
  public static TraceyardExporter create(ComponentSettings settings, TraceyardExporterConfig config,
      StoreOptions options) {
    return new TraceyardExporter(settings, config, options);
  }

  @Override
  public void start(Host host) throws Exception {
    Store s = Store.open(options, settings.telemetry(), settings.id(), settings.logger());
    s.registerQueueGauges();
    QueryService qs = new QueryService(s);
    if (config.queryEnabled()) {
      try {
        server = QueryServer.start(config.queryEndpoint(), qs, settings.logger());
      } catch (RuntimeException e) {
        s.close(SHUTDOWN_TIMEOUT);
        throw new IllegalStateException("query.endpoint: cannot listen on " + config.queryEndpoint() + ": "
            + rootMessage(e), e);
      }
      settings.logger().info("query API listening on {} (native /api/v1, Jaeger-compatible /api)", server.address());
    }
    settings.logger().info("storing telemetry in {} (retention {})", options.dataDir().toAbsolutePath().normalize(),
        Durations.format(options.retention()));
    queryService = qs;
    store = s;
  }

  /** Once the receivers listen: the query warm-up would otherwise compete with the rest of the start-up. */
  @Override
  public void ready() {
    QueryServer srv = server;
    QueryService qs = queryService;
    if (srv != null && qs != null) {
      warmUp = QueryWarmUp.start(qs, srv.address(), config.queryWarmUp(), settings.logger());
    }
  }

  @Override
  public ConsumeResult consume(Batch batch) {
    Store s = store;
    if (s == null) {
      return ConsumeResult.retryable("the traceyard store is not started", RETRY_AFTER);
    }
    Store.OfferResult r = s.offer(batch);
    switch (r.offer()) {
      case ACCEPTED:
        if (r.rejected() > 0) {
          refusals.warn("refused {} of {} items: {}", r.rejected(), batch.itemCount(), r.reason());
          return ConsumeResult.partialSuccess(r.rejected(), r.reason());
        }
        return ConsumeResult.success();
      case FULL:
        refusals.warn("the store's write queue is full ({} items): refusing {} {}", s.queueCapacity(),
            batch.itemCount(), batch.signal().itemName());
        return ConsumeResult.throttled("the traceyard store's write queue is full (" + s.queueCapacity() + " items)",
            RETRY_AFTER);
      default:
        return ConsumeResult.retryable("the traceyard store is shutting down", RETRY_AFTER);
    }
  }

  @Override
  public void shutdown() {
    QueryWarmUp w = warmUp;
    if (w != null) {
      w.stop(SHUTDOWN_TIMEOUT); // before the store closes under it
    }
    QueryServer srv = server;
    if (srv != null) {
      srv.stop();
    }
    Store s = store;
    if (s != null) {
      s.close(SHUTDOWN_TIMEOUT);
    }
  }

  /** The query service, once started. */
  public QueryService queryService() {
    return queryService;
  }

  /** The store, once started. */
  public Store store() {
    return store;
  }

  /** Where the query API listens (with the real port when configured with port 0), or null when disabled. */
  public InetSocketAddress queryAddress() {
    QueryServer srv = server;
    return srv == null ? null : srv.address();
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }
}
