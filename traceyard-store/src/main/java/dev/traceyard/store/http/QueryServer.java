package dev.traceyard.store.http;

import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import dev.traceyard.collector.config.HostPort;
import dev.traceyard.collector.telemetry.RateLimitedLogger;
import dev.traceyard.store.query.QueryService;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * The query API's HTTP server: the native API under {@code /api/v1}, Jaeger's under {@code /api} and
 * the web UI at {@code /}.
 */
public final class QueryServer {
  private final Server server;
  private final String host;

  private QueryServer(Server server, String host) {
    this.server = server;
    this.host = host;
  }

  /** Mounts both APIs on {@code sb}, e.g. next to the web UI on one server. */
  public static void addRoutes(ServerBuilder sb, QueryService qs, Logger log) {
    RateLimitedLogger warn = new RateLimitedLogger(log, Duration.ofSeconds(10));
    NativeApi.register(sb, qs, warn);
    JaegerApi.register(sb, qs, warn);
    // Unknown API paths answer in JSON too, naming the documentation.
    sb.serviceUnder("/api/", (ctx, req) -> Json.error(HttpStatus.NOT_FOUND,
        "unknown endpoint " + ctx.path() + " (see docs/query-api.md)"));
  }

  public static QueryServer start(HostPort endpoint, QueryService qs, Logger log) {
    ServerBuilder sb = Server.builder()
        .http(endpoint.toSocketAddress())
        .gracefulShutdownTimeout(Duration.ZERO, Duration.ofSeconds(1));
    addRoutes(sb, qs, log);
    WebUi.register(sb);
    Server server = sb.build();
    server.start().join();
    return new QueryServer(server, endpoint.host());
  }

  /** The bound address (the real port when configured with port 0). */
  public InetSocketAddress address() {
    int port = server.activeLocalPort();
    String h = host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
    return new InetSocketAddress(h, port);
  }

  /**
   * Stops taking requests and returns once the port is released. Armeria then winds down its event
   * loops for about two more seconds (Netty's quiet period) in the background; waiting for that would
   * only delay the collector's shutdown.
   */
  public void stop() {
    CompletableFuture<Void> stopped = server.stop();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!server.activePorts().isEmpty() && !stopped.isDone() && System.nanoTime() < deadline) {
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
