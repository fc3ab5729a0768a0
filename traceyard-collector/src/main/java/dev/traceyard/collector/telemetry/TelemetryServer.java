package dev.traceyard.collector.telemetry;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;
import dev.traceyard.collector.config.HostPort;
import java.net.InetSocketAddress;
import java.time.Duration;

/** Serves {@code GET /metrics} in Prometheus text format. */
public final class TelemetryServer {
  private static final MediaType PROMETHEUS_TEXT = MediaType.parse("text/plain; version=0.0.4; charset=utf-8");

  private final Server server;

  private TelemetryServer(Server server) {
    this.server = server;
  }

  public static TelemetryServer start(HostPort address, SelfTelemetry telemetry) {
    Server server = Server.builder()
        .http(address.toSocketAddress())
        .gracefulShutdownTimeout(Duration.ZERO, Duration.ofSeconds(1))
        .service("/metrics", (ctx, req) -> HttpResponse.of(HttpStatus.OK, PROMETHEUS_TEXT, telemetry.scrape()))
        .build();
    server.start().join();
    return new TelemetryServer(server);
  }

  /** The bound address (with the real port when the config asked for port 0), or null once stopped. */
  public InetSocketAddress address() {
    var port = server.activePort();
    return port == null ? null : port.localAddress();
  }

  public void stop() {
    server.stop().join();
  }
}
