package dev.traceyard.collector.receiver.otlp;

import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.config.HostPort;
import dev.traceyard.collector.config.tls.TlsServerSettings;
import dev.traceyard.collector.extension.auth.AuthSettings;
import dev.traceyard.collector.receiver.admission.AdmissionConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Settings of the {@code otlp} receiver, with otelcol's keys and defaults. A protocol that is absent
 * from {@code protocols} is null here and is not started.
 */
public record OtlpReceiverConfig(Grpc grpc, Http http) {
  static final HostPort DEFAULT_GRPC_ENDPOINT = HostPort.of("localhost", 4317);
  static final HostPort DEFAULT_HTTP_ENDPOINT = HostPort.of("localhost", 4318);
  static final int DEFAULT_MAX_RECV_MSG_SIZE_MIB = 4;
  static final long DEFAULT_MAX_REQUEST_BODY_SIZE = 20L * 1024 * 1024;
  /** Keeps message sizes within what a Java array (and gRPC's int-sized limits) can hold. */
  private static final int MAX_RECV_MSG_SIZE_MIB = 2047;
  private static final Pattern URL_PATH = Pattern.compile("/[A-Za-z0-9\\-._~!$&'()*+,;=:@/%]*");

  /**
   * gRPC settings; {@code keepalive} values are null when not configured, {@code tls} is null for plain
   * text and {@code auth} null when requests are not authenticated.
   */
  public record Grpc(HostPort endpoint, int maxRecvMsgSizeMib, long maxConcurrentStreams,
      Duration maxConnectionIdle, Duration maxConnectionAge, Duration keepaliveTime, TlsServerSettings tls,
      AuthSettings auth, AdmissionConfig admission) {

    int maxRecvMsgSizeBytes() {
      return maxRecvMsgSizeMib * 1024 * 1024;
    }
  }

  /** HTTP settings; {@code tls} is null for plain text and {@code auth} null when requests are not authenticated. */
  public record Http(HostPort endpoint, long maxRequestBodySize, String tracesUrlPath, String metricsUrlPath,
      String logsUrlPath, Cors cors, TlsServerSettings tls, AuthSettings auth, AdmissionConfig admission) {}

  /** CORS is enabled only when {@code allowedOrigins} is not empty, as in otelcol. */
  public record Cors(List<String> allowedOrigins, List<String> allowedHeaders, long maxAgeSeconds) {
    static final Cors DISABLED = new Cors(List.of(), List.of(), 0);

    boolean enabled() {
      return !allowedOrigins.isEmpty();
    }
  }

  static OtlpReceiverConfig parse(ConfigNode node) {
    boolean hasProtocols = node.isSet("protocols");
    ConfigNode protocols = node.child("protocols");
    Grpc grpc = protocols.isSet("grpc") ? parseGrpc(protocols.child("grpc")) : null;
    Http http = protocols.isSet("http") ? parseHttp(protocols.child("http")) : null;
    if (grpc == null && http == null) {
      if (hasProtocols) {
        protocols.error(null, "must enable at least one protocol: grpc and/or http");
      } else {
        node.error("protocols", "is required: enable at least one protocol, e.g. protocols: {grpc: , http: }");
      }
    }
    if (grpc != null && http != null && grpc.endpoint().port() != 0
        && grpc.endpoint().port() == http.endpoint().port() && sameHost(grpc.endpoint(), http.endpoint())) {
      protocols.errors().add(protocols.pathOf("http") + ".endpoint", "port " + http.endpoint().port()
          + " is already used by protocols.grpc.endpoint; each protocol needs its own port");
    }
    return new OtlpReceiverConfig(grpc, http);
  }

  private static boolean sameHost(HostPort a, HostPort b) {
    return a.host().equals(b.host()) || a.host().equals("0.0.0.0") || b.host().equals("0.0.0.0")
        || a.host().equals("::") || b.host().equals("::");
  }

  private static Grpc parseGrpc(ConfigNode n) {
    HostPort endpoint = HostPort.read(n, "endpoint", DEFAULT_GRPC_ENDPOINT);
    n.oneOf("transport", "tcp", "tcp");
    int maxMib = (int) n.longInRange("max_recv_msg_size_mib", DEFAULT_MAX_RECV_MSG_SIZE_MIB, 1, MAX_RECV_MSG_SIZE_MIB);
    long maxStreams = n.longInRange("max_concurrent_streams", 0, 0, 0xFFFF_FFFFL);
    ConfigNode keepalive = n.child("keepalive");
    ConfigNode server = keepalive.child("server_parameters");
    Duration idle = positiveOrNull(server, "max_connection_idle");
    Duration age = positiveOrNull(server, "max_connection_age");
    Duration time = positiveOrNull(server, "time");
    // Accepted so otelcol configs load, validated, but not applied: Armeria has no equivalent
    // (documented in package-info).
    server.nonNegativeDuration("max_connection_age_grace", null);
    server.nonNegativeDuration("timeout", null);
    ConfigNode enforcement = keepalive.child("enforcement_policy");
    enforcement.nonNegativeDuration("min_time", null);
    enforcement.bool("permit_without_stream", false);
    return new Grpc(endpoint, maxMib, maxStreams, idle, age, time, tls(n), auth(n), AdmissionConfig.parse(n));
  }

  private static Duration positiveOrNull(ConfigNode n, String key) {
    Duration d = n.nonNegativeDuration(key, null);
    return d == null || d.isZero() ? null : d;
  }

  private static Http parseHttp(ConfigNode n) {
    HostPort endpoint = HostPort.read(n, "endpoint", DEFAULT_HTTP_ENDPOINT);
    long maxBody = n.longInRange("max_request_body_size", DEFAULT_MAX_REQUEST_BODY_SIZE, 1, Integer.MAX_VALUE - 8);
    Map<String, String> seen = new HashMap<>();
    String traces = urlPath(n, "traces_url_path", "/v1/traces", seen);
    String metrics = urlPath(n, "metrics_url_path", "/v1/metrics", seen);
    String logs = urlPath(n, "logs_url_path", "/v1/logs", seen);
    Cors cors = Cors.DISABLED;
    if (n.isSet("cors")) {
      ConfigNode c = n.child("cors");
      List<String> origins = new ArrayList<>();
      List<String> listed = c.stringList("allowed_origins");
      for (int i = 0; i < listed.size(); i++) {
        String o = listed.get(i).trim();
        if (o.isEmpty()) {
          c.errors().add(c.pathOf("allowed_origins") + "[" + i + "]", "must not be empty");
        } else {
          origins.add(o);
        }
      }
      List<String> headers = c.stringList("allowed_headers");
      long maxAge = c.longInRange("max_age", 0, 0, Integer.MAX_VALUE);
      cors = new Cors(List.copyOf(origins), List.copyOf(headers), maxAge);
    }
    return new Http(endpoint, maxBody, traces, metrics, logs, cors, tls(n), auth(n), AdmissionConfig.parse(n));
  }

  /** otelcol's configtls server settings; files are read when the receiver starts. */
  private static TlsServerSettings tls(ConfigNode protocol) {
    return protocol.isSet("tls") ? TlsServerSettings.parse(protocol.child("tls")) : null;
  }

  /** otelcol's configauth: {@code auth.authenticator} names an extension, looked up at start. */
  private static AuthSettings auth(ConfigNode protocol) {
    return protocol.isSet("auth") ? AuthSettings.parse(protocol.child("auth")) : null;
  }

  /** As otelcol, a path without a leading slash gets one; the three paths must differ. */
  private static String urlPath(ConfigNode n, String key, String defaultValue, Map<String, String> seen) {
    String p = n.string(key, defaultValue);
    if (p == null || p.isBlank()) {
      n.error(key, "must not be empty");
      return defaultValue;
    }
    if (!p.startsWith("/")) {
      p = "/" + p;
    }
    if (!URL_PATH.matcher(p).matches()) {
      n.error(key, "invalid URL path '" + p + "': use only URL path characters (no spaces, '?' or '#')");
      return defaultValue;
    }
    String other = seen.putIfAbsent(p, key);
    if (other != null) {
      n.error(key, "path '" + p + "' is already used by " + other);
    }
    return p;
  }
}
