package dev.traceyard.collector.exporter.otlp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.traceyard.collector.config.HostPort;
import dev.traceyard.collector.exporter.ExporterTesting;
import dev.traceyard.collector.exporter.ExporterTesting.Parsed;
import dev.traceyard.collector.exporter.exporterhelper.ExporterHelperConfig;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OtlpExporterConfigTest {

  private static Parsed<OtlpExporterConfig> parse(String yaml) {
    return ExporterTesting.parse(new OtlpExporterFactory(), "otlp", yaml);
  }

  @Test
  void endpointOnly_usesTlsGzipAndHelperDefaults() {
    Parsed<OtlpExporterConfig> p = parse("endpoint: collector:4317");

    assertThat(p.errors()).isEmpty();
    OtlpExporterConfig c = p.config();
    assertThat(c.endpoint()).isEqualTo(HostPort.of("collector", 4317));
    assertThat(c.useTls()).isTrue();
    assertThat(c.gzip()).isTrue();
    assertThat(c.headers()).isEmpty();
    assertThat(c.balancerName()).isEqualTo("round_robin");
    assertThat(c.helper()).isEqualTo(ExporterHelperConfig.defaults());
  }

  @Test
  void everyKey_isRead() {
    Parsed<OtlpExporterConfig> p = parse(String.join("\n",
        "endpoint: http://10.0.0.1:4317",
        "compression: none",
        "headers:",
        "  x-tenant: acme",
        "tls:",
        "  insecure: true",
        "  insecure_skip_verify: false",
        "  ca_file: /etc/ca.pem",
        "  cert_file: /etc/client.pem",
        "  key_file: /etc/client.key",
        "  server_name_override: collector.internal",
        "  min_version: \"1.3\"",
        "auth:",
        "  authenticator: bearertokenauth/out",
        "balancer_name: pick_first",
        "timeout: 10s",
        "sending_queue:",
        "  queue_size: 10",
        "retry_on_failure:",
        "  enabled: false"));

    assertThat(p.errors()).isEmpty();
    OtlpExporterConfig c = p.config();
    assertThat(c.endpoint()).isEqualTo(HostPort.of("10.0.0.1", 4317));
    assertThat(c.useTls()).isFalse();
    assertThat(c.gzip()).isFalse();
    assertThat(c.headers()).isEqualTo(Map.of("x-tenant", "acme"));
    assertThat(c.tls().ca().file()).isEqualTo(java.nio.file.Path.of("/etc/ca.pem"));
    assertThat(c.tls().hasClientCertificate()).isTrue();
    assertThat(c.tls().minVersion()).isEqualTo(dev.traceyard.collector.config.tls.TlsVersion.TLS_1_3);
    assertThat(c.auth().authenticator().toString()).isEqualTo("bearertokenauth/out");
    assertThat(c.tls().serverNameOverride()).isEqualTo("collector.internal");
    assertThat(c.balancerName()).isEqualTo("pick_first");
    assertThat(c.helper().timeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.helper().queue().queueSize()).isEqualTo(10);
    assertThat(c.helper().retry().enabled()).isFalse();
  }

  @Test
  void toString_namesHeadersButNeverTheirValues() {
    Parsed<OtlpExporterConfig> p = parse("endpoint: localhost:4317\nheaders:\n  authorization: Bearer s3cr3t");

    assertThat(p.config().toString()).contains("authorization").doesNotContain("s3cr3t");
  }

  @Test
  void authWithoutAuthenticator_isReportedWithItsPath() {
    Parsed<OtlpExporterConfig> p = parse("endpoint: localhost:4317\nauth: {}");

    assertThat(p.errors()).singleElement().asString().contains("exporters.otlp.auth.authenticator");
  }

  @Test
  void httpsScheme_forcesTlsEvenWhenInsecure_andDefaultsThePort() {
    Parsed<OtlpExporterConfig> p = parse("endpoint: https://api.example.com\ntls:\n  insecure: true");

    assertThat(p.errors()).isEmpty();
    assertThat(p.config().useTls()).isTrue();
    assertThat(p.config().endpoint()).isEqualTo(HostPort.of("api.example.com", 443));
  }

  @Test
  void missingEndpoint_isRequired() {
    assertThat(parse("compression: gzip").errors()).containsExactly("exporters.otlp.endpoint: is required");
  }

  @Test
  void badValues_areReportedWithTheirPaths() {
    Parsed<OtlpExporterConfig> p = parse(String.join("\n",
        "endpoint: collector",
        "compression: snappy",
        "balancer_name: least_request",
        "tls:",
        "  cert_file: /etc/client.pem",
        "headers:",
        "  nested:",
        "    a: b"));

    assertThat(p.errors()).containsExactly(
        "exporters.otlp.endpoint: invalid endpoint 'collector': expected host:port, e.g. localhost:4317",
        "exporters.otlp.compression: 'snappy' is not supported yet (use gzip or none)",
        "exporters.otlp.headers.nested: expected a string, got a mapping",
        "exporters.otlp.tls.key_file: is required when cert_file is set: provide both the certificate and its private key",
        "exporters.otlp.balancer_name: unknown value 'least_request' (expected one of: round_robin, pick_first)");
  }

  @Test
  void otherSchemesAndPaths_areRefused() {
    assertThat(parse("endpoint: dns:///collector:4317").errors()).containsExactly(
        "exporters.otlp.endpoint: unsupported scheme in 'dns:///collector:4317' (use host:port, http://host:port or https://host:port)");
    assertThat(parse("endpoint: http://collector:4317/v1/traces").errors()).containsExactly(
        "exporters.otlp.endpoint: 'http://collector:4317/v1/traces' must not have a path (gRPC uses fixed service paths)");
    assertThat(parse("endpoint: zstd\ncompression: zstd").errors()).contains(
        "exporters.otlp.compression: 'zstd' is not supported yet (use gzip or none)");
  }

  @Test
  void unknownTlsKey_isReported() {
    assertThat(parse("endpoint: c:4317\ntls:\n  insecure_skip: true").errors()).singleElement().asString()
        .startsWith("exporters.otlp.tls.insecure_skip: unknown key 'insecure_skip'");
  }
}
