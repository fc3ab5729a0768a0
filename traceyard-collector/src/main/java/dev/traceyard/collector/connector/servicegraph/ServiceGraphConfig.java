package dev.traceyard.collector.connector.servicegraph;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Settings of the {@code servicegraph} connector, with otelcol-contrib's keys and defaults (see
 * {@link ServiceGraphConnectorFactory}).
 *
 * @param latencyBuckets histogram bounds; null for exponential histograms
 * @param exponentialMaxSize buckets of exponential histograms; 0 for explicit ones
 * @param dimensions span or resource attributes added to edges as {@code client_<name>} and {@code server_<name>}
 * @param storeTtl how long a half of an edge waits for its other half
 * @param storeMaxItems edges waiting at once; spans that would start another are dropped and counted
 * @param cacheLoop how often series not updated for {@link #STALE_SERIES_AGE} are removed
 * @param storeExpirationLoop how often waiting edges are checked for expiry
 * @param virtualNodePeerAttributes client span attributes naming an uninstrumented server, in order of
 *     preference; empty disables virtual nodes
 * @param virtualNodeExtraLabel add a {@code virtual_node} label saying which side is virtual
 * @param metricsFlushInterval time between emissions; zero emits after every batch
 * @param metricsTimestampOffset subtracted from emitted timestamps
 * @param databaseNameAttributes client span attributes that make it a database call, naming the database node
 */
public record ServiceGraphConfig(
    List<Duration> latencyBuckets,
    int exponentialMaxSize,
    List<String> dimensions,
    Duration storeTtl,
    int storeMaxItems,
    Duration cacheLoop,
    Duration storeExpirationLoop,
    List<String> virtualNodePeerAttributes,
    boolean virtualNodeExtraLabel,
    Duration metricsFlushInterval,
    Duration metricsTimestampOffset,
    List<String> databaseNameAttributes) {

  /** otelcol's default bounds: 2ms to 15s, recorded in seconds. */
  public static final List<Duration> DEFAULT_BUCKETS = List.of(ms(2), ms(4), ms(6), ms(8), ms(10), ms(50), ms(100),
      ms(200), ms(400), ms(800), ms(1000), ms(1400), ms(2000), ms(5000), ms(10_000), ms(15_000));
  public static final Duration DEFAULT_TTL = Duration.ofSeconds(2);
  public static final int DEFAULT_MAX_ITEMS = 1000;
  public static final Duration DEFAULT_CACHE_LOOP = Duration.ofMinutes(1);
  public static final Duration DEFAULT_STORE_EXPIRATION_LOOP = Duration.ofSeconds(2);
  public static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofSeconds(60);
  public static final List<String> DEFAULT_PEER_ATTRIBUTES = List.of("peer.service", "db.name", "db.system");
  /**
   * otelcol looks for {@code db.name} only; current semantic conventions name the database
   * {@code db.namespace} and the system {@code db.system.name}, and a call that names only its system
   * is still a database call, so those follow, in that order.
   */
  public static final List<String> DEFAULT_DATABASE_NAME_ATTRIBUTES =
      List.of("db.name", "db.namespace", "db.system.name", "db.system");
  /** Series not updated for this long are removed, as in otelcol. */
  public static final Duration STALE_SERIES_AGE = Duration.ofMinutes(15);

  public ServiceGraphConfig {
    latencyBuckets = latencyBuckets == null ? null : List.copyOf(latencyBuckets);
    dimensions = List.copyOf(dimensions);
    virtualNodePeerAttributes = List.copyOf(virtualNodePeerAttributes);
    databaseNameAttributes = List.copyOf(databaseNameAttributes);
    Objects.requireNonNull(storeTtl, "storeTtl");
    Objects.requireNonNull(cacheLoop, "cacheLoop");
    Objects.requireNonNull(storeExpirationLoop, "storeExpirationLoop");
    Objects.requireNonNull(metricsFlushInterval, "metricsFlushInterval");
    Objects.requireNonNull(metricsTimestampOffset, "metricsTimestampOffset");
    if ((latencyBuckets == null) == (exponentialMaxSize == 0)) {
      throw new IllegalArgumentException("exactly one of latency buckets and exponential max size");
    }
    if (storeMaxItems < 1 || !positive(storeTtl) || !positive(cacheLoop) || !positive(storeExpirationLoop)) {
      throw new IllegalArgumentException("store limits and loops must be positive");
    }
  }

  public static ServiceGraphConfig defaults() {
    return new ServiceGraphConfig(DEFAULT_BUCKETS, 0, List.of(), DEFAULT_TTL, DEFAULT_MAX_ITEMS, DEFAULT_CACHE_LOOP,
        DEFAULT_STORE_EXPIRATION_LOOP, DEFAULT_PEER_ATTRIBUTES, false, DEFAULT_FLUSH_INTERVAL, Duration.ZERO,
        DEFAULT_DATABASE_NAME_ATTRIBUTES);
  }

  private static boolean positive(Duration d) {
    return !d.isZero() && !d.isNegative();
  }

  private static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }
}
