package dev.traceyard.collector.exporter.otlp;

import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.exporter.exporterhelper.CompressionSetting;
import dev.traceyard.collector.config.HostPort;
import dev.traceyard.collector.exporter.exporterhelper.ExporterHelperConfig;
import dev.traceyard.collector.config.tls.TlsClientSettings;
import dev.traceyard.collector.extension.auth.AuthSettings;
import java.util.Map;

/**
 * Config of the {@code otlp} (gRPC) exporter, with otelcol's keys: {@code endpoint} ({@code host:port},
 * or with an {@code http://} / {@code https://} scheme; https always uses TLS, otherwise
 * {@code tls.insecure} decides, as in otelcol), {@code compression}, {@code headers}, {@code tls}
 * (otelcol's configtls client keys, see {@link TlsClientSettings}), {@code auth.authenticator} (a
 * {@code bearertokenauth} or {@code basicauth} extension that adds credentials to every call),
 * {@code balancer_name}, plus {@code timeout}, {@code sending_queue} and {@code retry_on_failure}.
 *
 * @param auth null when calls carry no credentials from an extension
 */
public record OtlpExporterConfig(HostPort endpoint, boolean useTls, boolean gzip, Map<String, String> headers,
    TlsClientSettings tls, AuthSettings auth, String balancerName, ExporterHelperConfig helper) {

  @Override
  public String toString() {
    // Header values often are credentials: only their names.
    return "OtlpExporterConfig{endpoint=" + endpoint + ", tls=" + useTls + ", headers=" + headers.keySet()
        + ", auth=" + (auth == null ? "none" : auth.authenticator()) + "}";
  }


  static OtlpExporterConfig parse(ConfigNode node) {
    return parse(node, parseEndpoint(node));
  }

  /**
   * The settings of {@code loadbalancing}'s {@code protocol.otlp}: every key of this exporter except
   * {@code endpoint}, which the resolver supplies per backend ({@link #withEndpoint}). TLS is on unless
   * {@code tls.insecure} is true, as for an endpoint without a scheme.
   */
  public static OtlpExporterConfig parseWithoutEndpoint(ConfigNode node) {
    if (node.isSet("endpoint")) {
      node.error("endpoint", "must not be set here: the resolver supplies each endpoint");
    }
    return parse(node, new Endpoint(HostPort.of("localhost", 4317), false));
  }

  /** The same settings for another backend. */
  public OtlpExporterConfig withEndpoint(HostPort other) {
    return new OtlpExporterConfig(other, useTls, gzip, headers, tls, auth, balancerName, helper);
  }

  private static OtlpExporterConfig parse(ConfigNode node, Endpoint ep) {
    boolean gzip = CompressionSetting.parseGzip(node);
    Map<String, String> headers = node.stringMap("headers");
    TlsClientSettings tls = TlsClientSettings.parse(node.child("tls"));
    // Accepted for config compatibility; Armeria keeps its own connection to the endpoint.
    String balancer = node.string("balancer_name", "round_robin");
    if (!balancer.isEmpty() && !balancer.equals("round_robin") && !balancer.equals("pick_first")) {
      node.error("balancer_name", "unknown value '" + balancer + "' (expected one of: round_robin, pick_first)");
      balancer = "round_robin";
    }
    AuthSettings auth = node.isSet("auth") ? AuthSettings.parse(node.child("auth")) : null;
    ExporterHelperConfig helper = ExporterHelperConfig.parse(node);
    return new OtlpExporterConfig(ep.hostPort, ep.forceTls || !tls.insecure(), gzip, headers, tls, auth, balancer,
        helper);
  }

  private record Endpoint(HostPort hostPort, boolean forceTls) {}

  private static Endpoint parseEndpoint(ConfigNode node) {
    String raw = node.requiredString("endpoint");
    if (raw == null) {
      return new Endpoint(HostPort.of("localhost", 4317), false);
    }
    String rest = raw.trim();
    boolean https = false;
    int defaultPort = -1;
    if (rest.startsWith("https://")) {
      https = true;
      defaultPort = 443;
      rest = rest.substring("https://".length());
    } else if (rest.startsWith("http://")) {
      defaultPort = 80;
      rest = rest.substring("http://".length());
    } else if (rest.contains("://")) {
      node.error("endpoint", "unsupported scheme in '" + raw + "' (use host:port, http://host:port or https://host:port)");
      return new Endpoint(HostPort.of("localhost", 4317), false);
    }
    if (rest.endsWith("/")) {
      rest = rest.substring(0, rest.length() - 1);
    }
    if (rest.contains("/")) {
      node.error("endpoint", "'" + raw + "' must not have a path (gRPC uses fixed service paths)");
      return new Endpoint(HostPort.of("localhost", 4317), https);
    }
    boolean hasPort = rest.startsWith("[") ? rest.contains("]:") : rest.contains(":");
    if (!hasPort && defaultPort > 0) {
      rest = rest + ":" + defaultPort;
    }
    try {
      HostPort hp = HostPort.parse(rest);
      if (rest.startsWith(":") || hp.port() == 0) {
        node.error("endpoint", "'" + raw + "' needs a host and a non-zero port, e.g. collector:4317");
      }
      return new Endpoint(hp, https);
    } catch (IllegalArgumentException e) {
      node.error("endpoint", e.getMessage());
      return new Endpoint(HostPort.of("localhost", 4317), https);
    }
  }
}
