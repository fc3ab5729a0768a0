package dev.traceyard.collector.exporter.loadbalancing;

import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.config.HostPort;
import dev.traceyard.collector.exporter.otlp.OtlpExporterConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Config of the {@code loadbalancing} exporter, with otelcol's keys: {@code routing_key}
 * ({@code traceID}, the default, or {@code service}), {@code protocol.otlp} (every key of the
 * {@code otlp} exporter but {@code endpoint}: TLS, auth, headers, compression, {@code timeout},
 * {@code sending_queue}, {@code retry_on_failure}, applied to each backend), and exactly one resolver:
 * {@code resolver.static.hostnames} or {@code resolver.dns} ({@code hostname}, {@code port} 4317,
 * {@code interval} 5s, {@code timeout} 1s).
 *
 * @param staticHostnames the static members, or null with a DNS resolver
 * @param dns the DNS resolver's settings, or null with a static list
 */
record LoadBalancingConfig(RoutingKey routingKey, OtlpExporterConfig otlp, List<HostPort> staticHostnames,
    DnsSettings dns) {
  static final int DEFAULT_PORT = 4317;

  LoadBalancingConfig {
    Objects.requireNonNull(routingKey, "routingKey");
    Objects.requireNonNull(otlp, "otlp");
    if ((staticHostnames == null) == (dns == null)) {
      throw new IllegalArgumentException("exactly one resolver");
    }
  }

  /** {@code resolver.dns}. */
  record DnsSettings(String hostname, int port, Duration interval, Duration timeout) {}

  static LoadBalancingConfig parse(ConfigNode node) {
    RoutingKey key = parseRoutingKey(node);
    OtlpExporterConfig otlp = parseProtocol(node);
    ConfigNode resolver = node.child("resolver");
    List<HostPort> hostnames = null;
    DnsSettings dns = null;
    boolean hasStatic = resolver.isSet("static");
    boolean hasDns = resolver.isSet("dns");
    for (String unsupported : List.of("k8s", "aws_cloud_map")) {
      if (resolver.isSet(unsupported)) {
        resolver.error(unsupported, "is not supported by Traceyard; use resolver.dns with a headless service "
            + "(one A record per gateway) or resolver.static");
      }
    }
    if (hasStatic && hasDns) {
      resolver.error(null, "set only one of static and dns, not both");
    } else if (!hasStatic && !hasDns && !resolver.isSet("k8s") && !resolver.isSet("aws_cloud_map")) {
      resolver.error(null, "is required: set static.hostnames or dns.hostname");
    }
    if (hasStatic) {
      hostnames = parseStatic(resolver.child("static"));
    }
    if (hasDns) {
      dns = parseDns(resolver.child("dns"));
    }
    if ((hostnames == null) == (dns == null)) {
      // Only after an error was recorded: keep a placeholder so parsing can go on reporting.
      hostnames = List.of();
      dns = null;
    }
    return new LoadBalancingConfig(key, otlp, hostnames, dns);
  }

  private static RoutingKey parseRoutingKey(ConfigNode node) {
    String value = node.string("routing_key", "traceID");
    for (RoutingKey k : RoutingKey.values()) {
      if (k.configName().equals(value)) {
        return k;
      }
    }
    switch (value) {
      case "resource":
      case "metric":
      case "streamID":
        node.error("routing_key", "'" + value + "' routes metrics or logs, and this exporter takes traces only "
            + "(expected one of: traceID, service)");
        break;
      case "attributes":
        node.error("routing_key", "'attributes' is not supported yet (expected one of: traceID, service)");
        break;
      default:
        node.error("routing_key", "unknown value '" + value + "' (expected one of: traceID, service)");
    }
    return RoutingKey.TRACE_ID;
  }

  private static OtlpExporterConfig parseProtocol(ConfigNode node) {
    ConfigNode protocol = node.child("protocol");
    if (!protocol.isSet("otlp")) {
      // otelcol also requires the protocol; without it TLS settings would be guessed.
      protocol.error("otlp", "is required: the settings of the otlp exporter used for every backend "
          + "(e.g. otlp: {tls: {insecure: true}})");
    }
    return OtlpExporterConfig.parseWithoutEndpoint(protocol.child("otlp"));
  }

  private static List<HostPort> parseStatic(ConfigNode node) {
    List<String> raw = node.stringList("hostnames");
    if (raw.isEmpty()) {
      node.error("hostnames", node.isSet("hostnames") ? "must list at least one backend" : "is required");
    }
    Set<HostPort> out = new LinkedHashSet<>();
    for (int i = 0; i < raw.size(); i++) {
      String path = "hostnames[" + i + "]";
      String s = raw.get(i).trim();
      try {
        boolean hasPort = s.startsWith("[") ? s.contains("]:") : s.indexOf(':') >= 0 && s.indexOf(':') == s.lastIndexOf(':');
        HostPort hp = hasPort ? HostPort.parse(s) : HostPort.of(stripBrackets(s), DEFAULT_PORT);
        if (hp.host().isEmpty() || s.startsWith(":") || hp.port() == 0) {
          node.error(path, "'" + s + "' needs a host and a non-zero port, e.g. gateway-1:4317");
        } else if (!out.add(hp)) {
          node.error(path, "'" + s + "' is listed twice");
        }
      } catch (IllegalArgumentException e) {
        node.error(path, e.getMessage());
      }
    }
    return List.copyOf(new ArrayList<>(out));
  }

  private static String stripBrackets(String s) {
    return s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1) : s;
  }

  private static DnsSettings parseDns(ConfigNode node) {
    String hostname = node.requiredString("hostname");
    long port = node.longInRange("port", DEFAULT_PORT, 1, 65535);
    Duration interval = positive(node, "interval", Duration.ofSeconds(5));
    Duration timeout = positive(node, "timeout", Duration.ofSeconds(1));
    return new DnsSettings(hostname == null ? "localhost" : hostname, (int) port, interval, timeout);
  }

  private static Duration positive(ConfigNode node, String key, Duration defaultValue) {
    Duration d = node.duration(key, defaultValue);
    if (d.isZero() || d.isNegative()) {
      node.error(key, "must be positive");
      return defaultValue;
    }
    return d;
  }
}
