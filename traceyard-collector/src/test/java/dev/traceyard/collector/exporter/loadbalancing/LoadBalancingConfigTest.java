package dev.traceyard.collector.exporter.loadbalancing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.traceyard.collector.config.HostPort;
import dev.traceyard.collector.exporter.ExporterTesting;
import dev.traceyard.collector.exporter.ExporterTesting.Parsed;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LoadBalancingConfigTest {
  private final LoadBalancingExporterFactory factory = new LoadBalancingExporterFactory();

  private Parsed<LoadBalancingConfig> parse(String yaml) {
    return ExporterTesting.parse(factory, "loadbalancing", yaml);
  }

  @Test
  void otelcolStaticConfig_isAccepted_withTraceIdRoutingByDefault() {
    Parsed<LoadBalancingConfig> p = parse(String.join("\n",
        "protocol:",
        "  otlp:",
        "    timeout: 1s",
        "    tls: {insecure: true}",
        "    sending_queue: {queue_size: 50}",
        "resolver:",
        "  static:",
        "    hostnames: [backend-1:4317, backend-2, \"[::1]:4320\"]"));
    assertThat(p.errors()).isEmpty();
    LoadBalancingConfig c = p.config();
    assertThat(c.routingKey()).isEqualTo(RoutingKey.TRACE_ID);
    assertThat(c.staticHostnames()).containsExactly(HostPort.of("backend-1", 4317), HostPort.of("backend-2", 4317),
        HostPort.of("::1", 4320));
    assertThat(c.dns()).isNull();
    assertThat(c.otlp().useTls()).isFalse();
    assertThat(c.otlp().helper().timeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.otlp().helper().queue().queueSize()).isEqualTo(50);
  }

  @Test
  void dnsResolver_hasOtelcolsDefaults() {
    Parsed<LoadBalancingConfig> p = parse(String.join("\n",
        "routing_key: service",
        "protocol: {otlp: {}}",
        "resolver:",
        "  dns:",
        "    hostname: gateways.observability.svc.cluster.local"));
    assertThat(p.errors()).isEmpty();
    assertThat(p.config().routingKey()).isEqualTo(RoutingKey.SERVICE);
    assertThat(p.config().otlp().useTls()).as("TLS unless insecure, as for otlp").isTrue();
    assertThat(p.config().dns()).isEqualTo(new LoadBalancingConfig.DnsSettings("gateways.observability.svc.cluster.local",
        4317, Duration.ofSeconds(5), Duration.ofSeconds(1)));
  }

  @Test
  void bothResolvers_areRefused() {
    assertThat(parse(String.join("\n",
        "protocol: {otlp: {}}",
        "resolver:",
        "  static: {hostnames: [a:4317]}",
        "  dns: {hostname: gw}")).errors())
        .containsExactly("exporters.loadbalancing.resolver: set only one of static and dns, not both");
  }

  @Test
  void noResolver_isRefused() {
    assertThat(parse("protocol: {otlp: {}}").errors())
        .containsExactly("exporters.loadbalancing.resolver: is required: set static.hostnames or dns.hostname");
  }

  @Test
  void unsupportedRoutingKeys_nameThePathAndTheChoices() {
    assertThat(parse("routing_key: metric\nprotocol: {otlp: {}}\nresolver: {static: {hostnames: [a:1]}}").errors())
        .containsExactly("exporters.loadbalancing.routing_key: 'metric' routes metrics or logs, and this exporter takes "
            + "traces only (expected one of: traceID, service)");
    assertThat(parse("routing_key: traceid\nprotocol: {otlp: {}}\nresolver: {static: {hostnames: [a:1]}}").errors())
        .containsExactly("exporters.loadbalancing.routing_key: unknown value 'traceid' (expected one of: traceID, service)");
  }

  @Test
  void badResolverSettings_nameTheirPaths() {
    assertThat(parse(String.join("\n",
        "protocol: {otlp: {endpoint: 'x:4317'}}",
        "resolver:",
        "  dns: {port: 0, interval: 0s, timeout: -1s, ttl: 5s}")).errors())
        .containsExactlyInAnyOrder(
            "exporters.loadbalancing.protocol.otlp.endpoint: must not be set here: the resolver supplies each endpoint",
            "exporters.loadbalancing.resolver.dns.hostname: is required",
            "exporters.loadbalancing.resolver.dns.port: must be between 1 and 65535, got 0",
            "exporters.loadbalancing.resolver.dns.interval: must be positive",
            "exporters.loadbalancing.resolver.dns.timeout: must be positive",
            "exporters.loadbalancing.resolver.dns.ttl: unknown key 'ttl' (known keys: hostname, interval, port, timeout)");
    assertThat(parse("protocol: {otlp: {}}\nresolver: {static: {hostnames: [a:4317, 'a:4317', ':5', 'b:x']}}").errors())
        .containsExactly(
            "exporters.loadbalancing.resolver.static.hostnames[1]: 'a:4317' is listed twice",
            "exporters.loadbalancing.resolver.static.hostnames[2]: ':5' needs a host and a non-zero port, e.g. gateway-1:4317",
            "exporters.loadbalancing.resolver.static.hostnames[3]: invalid endpoint 'b:x': the port must be a number");
    assertThat(parse("protocol: {otlp: {}}\nresolver: {static: {hostnames: []}}").errors())
        .containsExactly("exporters.loadbalancing.resolver.static.hostnames: must list at least one backend");
  }

  @Test
  void kubernetesResolver_pointsToDns() {
    assertThat(parse("protocol: {otlp: {}}\nresolver: {k8s: {service: lb.ns}}").errors())
        .containsExactly("exporters.loadbalancing.resolver.k8s: is not supported by Traceyard; use resolver.dns with a "
            + "headless service (one A record per gateway) or resolver.static");
  }

  @Test
  void missingProtocol_isRefused() {
    assertThat(parse("resolver: {static: {hostnames: [a:4317]}}").errors())
        .containsExactly("exporters.loadbalancing.protocol.otlp: is required: the settings of the otlp exporter used for "
            + "every backend (e.g. otlp: {tls: {insecure: true}})");
  }
}
