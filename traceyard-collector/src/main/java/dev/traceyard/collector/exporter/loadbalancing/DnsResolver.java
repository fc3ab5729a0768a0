package dev.traceyard.collector.exporter.loadbalancing;

import dev.traceyard.collector.config.HostPort;
import dev.traceyard.collector.telemetry.RateLimitedLogger;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;

/**
 * {@code resolver.dns}: every address the hostname resolves to (a headless service: one A/AAAA record
 * per gateway) is a member, at the configured port. Re-resolves every {@code interval}; a lookup that
 * fails, times out or returns nothing keeps the last good member set (a DNS hiccup must not empty
 * the ring and reshuffle every trace), and is counted and logged.
 *
 * <p>The JVM caches successful lookups for 30 s by default ({@code networkaddress.cache.ttl}); set it
 * to the interval or less for changes to show up within one interval.
 */
final class DnsResolver implements Resolver {

  /** The lookup, replaceable in tests; the default asks the system resolver. */
  @FunctionalInterface
  interface AddressLookup {
    List<InetAddress> lookup(String hostname) throws UnknownHostException;
  }

  static final AddressLookup SYSTEM = host -> List.of(InetAddress.getAllByName(host));

  private final String hostname;
  private final int port;
  private final Duration interval;
  private final Duration timeout;
  private final AddressLookup lookup;
  private final LoadBalancerMetrics metrics;
  private final RateLimitedLogger failureLog;
  private final Logger logger;
  private ScheduledExecutorService scheduler;
  private ExecutorService lookups;
  private Set<String> lastGood;

  DnsResolver(LoadBalancingConfig.DnsSettings settings, AddressLookup lookup, LoadBalancerMetrics metrics, Logger logger) {
    this.hostname = settings.hostname();
    this.port = settings.port();
    this.interval = settings.interval();
    this.timeout = settings.timeout();
    this.lookup = lookup;
    this.metrics = metrics;
    this.logger = logger;
    this.failureLog = new RateLimitedLogger(logger, Duration.ofSeconds(30));
  }

  @Override
  public void start(Consumer<Set<String>> onMembers) {
    scheduler = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "traceyard-lb-dns-" + hostname));
    lookups = Executors.newCachedThreadPool(r -> daemon(r, "traceyard-lb-dns-lookup-" + hostname));
    resolveOnce(onMembers);
    scheduler.scheduleWithFixedDelay(() -> resolveOnce(onMembers), interval.toNanos(), interval.toNanos(),
        TimeUnit.NANOSECONDS);
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** One resolution; runs on the scheduler thread only (and once in start, before it is scheduled). */
  void resolveOnce(Consumer<Set<String>> onMembers) {
    Set<String> members;
    try {
      members = resolve();
    } catch (Exception e) {
      metrics.resolutionFailed();
      failureLog.warn("cannot resolve {}: {}; keeping the last known {} members", hostname, e.toString(),
          lastGood == null ? 0 : lastGood.size());
      return;
    }
    if (members.isEmpty()) {
      metrics.resolutionFailed();
      failureLog.warn("{} resolved to no address; keeping the last known {} members", hostname,
          lastGood == null ? 0 : lastGood.size());
      return;
    }
    if (!members.equals(lastGood)) {
      if (logger.isDebugEnabled()) {
        logger.debug("{} resolved to {}", hostname, members);
      }
      lastGood = members;
    }
    try {
      onMembers.accept(members);
    } catch (RuntimeException e) {
      // Never let a bug end the periodic task: the next round tries again.
      failureLog.warn("applying the members of {} failed: {}", hostname, e.toString());
    }
  }

  private Set<String> resolve() throws Exception {
    // InetAddress has no timeout of its own: bound the wait here (the lookup thread may linger).
    Future<List<InetAddress>> f = lookups.submit(() -> lookup.lookup(hostname));
    List<InetAddress> addresses;
    try {
      addresses = f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      throw new TimeoutException("lookup took longer than " + timeout.toMillis() + " ms");
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception ? (Exception) e.getCause() : e;
    }
    Set<String> out = new TreeSet<>();
    for (InetAddress a : addresses) {
      String ip = a.getHostAddress();
      if (a instanceof Inet6Address && ip.indexOf('%') >= 0) {
        ip = ip.substring(0, ip.indexOf('%'));
      }
      out.add(HostPort.of(ip, port).toString());
    }
    return out;
  }

  @Override
  public void shutdown() {
    if (scheduler != null) {
      scheduler.shutdownNow();
      lookups.shutdownNow();
      try {
        scheduler.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
