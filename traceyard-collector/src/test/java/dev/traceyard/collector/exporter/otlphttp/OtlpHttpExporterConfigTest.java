package dev.traceyard.collector.exporter.otlphttp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.exporter.ExporterTesting;
import dev.traceyard.collector.exporter.ExporterTesting.Parsed;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OtlpHttpExporterConfigTest {

  private static Parsed<OtlpHttpExporterConfig> parse(String yaml) {
    return ExporterTesting.parse(new OtlpHttpExporterFactory(), "otlphttp", yaml);
  }

  @Test
  void baseEndpoint_getsSignalPathsAndDefaults() {
    Parsed<OtlpHttpExporterConfig> p = parse("endpoint: https://collector:4318");

    assertThat(p.errors()).isEmpty();
    OtlpHttpExporterConfig c = p.config();
    assertThat(c.urls()).isEqualTo(Map.of(
        Signal.TRACES, URI.create("https://collector:4318/v1/traces"),
        Signal.METRICS, URI.create("https://collector:4318/v1/metrics"),
        Signal.LOGS, URI.create("https://collector:4318/v1/logs")));
    assertThat(c.json()).isFalse();
    assertThat(c.gzip()).isTrue();
    assertThat(c.helper().timeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.helper().queue().enabled()).isTrue();
    assertThat(c.helper().retry().enabled()).isTrue();
  }

  @Test
  void baseWithPath_keepsItAndAvoidsDoubleSlash() {
    assertThat(parse("endpoint: http://gw:4318/otlp/").config().urls().get(Signal.LOGS))
        .isEqualTo(URI.create("http://gw:4318/otlp/v1/logs"));
  }

  @Test
  void signalEndpoint_winsOverTheBase_andStandsAlone() {
    Parsed<OtlpHttpExporterConfig> p = parse(String.join("\n",
        "endpoint: http://gw:4318",
        "traces_endpoint: http://traces:9000/ingest"));
    assertThat(p.config().urls().get(Signal.TRACES)).isEqualTo(URI.create("http://traces:9000/ingest"));
    assertThat(p.config().urls().get(Signal.METRICS)).isEqualTo(URI.create("http://gw:4318/v1/metrics"));

    Parsed<OtlpHttpExporterConfig> only = parse("logs_endpoint: http://logs:9000/v1/logs");
    assertThat(only.errors()).isEmpty();
    assertThat(only.config().urls()).containsOnlyKeys(Signal.LOGS);
  }

  @Test
  void everyKey_isRead() {
    Parsed<OtlpHttpExporterConfig> p = parse(String.join("\n",
        "endpoint: http://gw:4318",
        "metrics_endpoint: http://m:1/x",
        "encoding: json",
        "compression: none",
        "headers:",
        "  authorization: Bearer abc",
        "tls:",
        "  insecure_skip_verify: true",
        "timeout: 3s",
        "sending_queue:",
        "  num_consumers: 2",
        "retry_on_failure:",
        "  max_interval: 5s"));

    assertThat(p.errors()).isEmpty();
    OtlpHttpExporterConfig c = p.config();
    assertThat(c.json()).isTrue();
    assertThat(c.gzip()).isFalse();
    assertThat(c.headers()).containsEntry("authorization", "Bearer abc");
    assertThat(c.tls().insecureSkipVerify()).isTrue();
    assertThat(c.helper().timeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(c.helper().queue().numConsumers()).isEqualTo(2);
    assertThat(c.helper().retry().maxInterval()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void noEndpointAtAll_isRequired() {
    assertThat(parse("encoding: proto").errors()).containsExactly(
        "exporters.otlphttp.endpoint: is required (or set traces_endpoint, metrics_endpoint or logs_endpoint)");
  }

  @Test
  void badValues_areReportedWithTheirPaths() {
    Parsed<OtlpHttpExporterConfig> p = parse(String.join("\n",
        "endpoint: gw:4318",
        "traces_endpoint: ftp://gw/v1/traces",
        "logs_endpoint: 'http://gw:4318/a b'",
        "encoding: yaml",
        "compression: zstd"));

    assertThat(p.errors()).containsExactly(
        "exporters.otlphttp.endpoint: 'gw:4318' must be an http:// or https:// URL, e.g. https://collector:4318",
        "exporters.otlphttp.traces_endpoint: 'ftp://gw/v1/traces' must be an http:// or https:// URL, e.g. https://collector:4318",
        "exporters.otlphttp.logs_endpoint: invalid URL 'http://gw:4318/a b': Illegal character in path",
        "exporters.otlphttp.encoding: unknown value 'yaml' (expected one of: proto, json)",
        "exporters.otlphttp.compression: 'zstd' is not supported yet (use gzip or none)");
  }

  @Test
  void retryAfter_readsSecondsAndHttpDates() {
    java.time.Instant now = java.time.Instant.parse("2026-01-01T00:00:00Z");
    assertThat(OtlpHttpSender.parseRetryAfter("7", now)).isEqualTo(Duration.ofSeconds(7));
    assertThat(OtlpHttpSender.parseRetryAfter("Thu, 01 Jan 2026 00:00:30 GMT", now)).isEqualTo(Duration.ofSeconds(30));
    assertThat(OtlpHttpSender.parseRetryAfter("Wed, 31 Dec 2025 23:00:00 GMT", now)).isEqualTo(Duration.ZERO);
    assertThat(OtlpHttpSender.parseRetryAfter("soon", now)).isNull();
    assertThat(OtlpHttpSender.parseRetryAfter(null, now)).isNull();
    assertThat(OtlpHttpSender.parseRetryAfter("-3", now)).isNull();
  }
}
