package dev.traceyard.collector.extension.healthcheck;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerPort;
import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Extension;
import dev.traceyard.collector.component.Host;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;

/**
 * Answers {@code GET path} with 200 and {@code {"status":"Server available",...}} between the
 * service's {@link #ready()} and {@link #notReady()}, and with 503 otherwise (while starting and
 * from the beginning of shutdown), for load balancers and Kubernetes probes.
 */
public final class HealthCheckExtension implements Extension {
  private final HealthCheckConfig config;
  private final Logger logger;
  /** When the service became ready; null while it is not. */
  private volatile Instant readySince;
  private volatile Server server;

  HealthCheckExtension(ComponentSettings settings, HealthCheckConfig config) {
    this.config = config;
    this.logger = settings.logger();
  }

  @Override
  public void start(Host host) {
    if (config.checkCollectorPipeline()) {
      logger.warn("check_collector_pipeline is accepted for otelcol compatibility but not implemented: "
          + "health reflects only whether the service is running");
    }
    Server s = Server.builder()
        .http(config.endpoint().toSocketAddress())
        .gracefulShutdownTimeout(Duration.ZERO, Duration.ofSeconds(1))
        .service(config.path(), (ctx, req) -> respond(req))
        .build();
    try {
      s.start().join();
    } catch (RuntimeException e) {
      throw new IllegalStateException("cannot listen on " + config.endpoint() + ": " + rootMessage(e), e);
    }
    server = s;
    logger.info("health check listening on {} (GET {})", boundAddress(), config.path());
  }

  @Override
  public void ready() {
    readySince = Instant.now();
  }

  @Override
  public void notReady() {
    readySince = null;
  }

  @Override
  public void shutdown() {
    Server s = server;
    if (s != null) {
      s.stop().join();
    }
  }

  /** The address the server listens on (the real port when configured with port 0), or null before start. */
  public InetSocketAddress boundAddress() {
    Server s = server;
    ServerPort port = s == null ? null : s.activePort();
    return port == null ? null : port.localAddress();
  }

  private HttpResponse respond(HttpRequest req) {
    if (req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD) {
      return HttpResponse.of(HttpStatus.METHOD_NOT_ALLOWED, MediaType.PLAIN_TEXT_UTF_8, "use GET");
    }
    Instant since = readySince;
    if (since == null) {
      return config.unhealthyBody() != null
          ? HttpResponse.of(HttpStatus.SERVICE_UNAVAILABLE, MediaType.PLAIN_TEXT_UTF_8, config.unhealthyBody())
          : HttpResponse.of(HttpStatus.SERVICE_UNAVAILABLE, MediaType.JSON_UTF_8, "{\"status\":\"Server not available\"}");
    }
    if (config.healthyBody() != null) {
      return HttpResponse.of(HttpStatus.OK, MediaType.PLAIN_TEXT_UTF_8, config.healthyBody());
    }
    String body = "{\"status\":\"Server available\",\"upSince\":\"" + since + "\",\"uptime\":\""
        + goDuration(Duration.between(since, Instant.now())) + "\"}";
    return HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, body);
  }

  /** Formats like Go's time.Duration (e.g. {@code 1h2m3.004s}), as otelcol's uptime field is. */
  static String goDuration(Duration d) {
    if (d.isNegative() || d.isZero()) {
      return "0s";
    }
    StringBuilder sb = new StringBuilder();
    long hours = d.toHours();
    int minutes = d.toMinutesPart();
    if (hours > 0) {
      sb.append(hours).append('h');
    }
    if (hours > 0 || minutes > 0) {
      sb.append(minutes).append('m');
    }
    sb.append(d.toSecondsPart());
    int millis = d.toMillisPart();
    if (millis > 0) {
      String frac = String.format("%03d", millis).replaceAll("0+$", "");
      sb.append('.').append(frac);
    }
    return sb.append('s').toString();
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}
