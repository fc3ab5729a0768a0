package dev.traceyard.collector.exporter.otlphttp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.exporter.exporterhelper.CompressionSetting;
import dev.traceyard.collector.exporter.exporterhelper.ExporterHelperConfig;
import dev.traceyard.collector.config.tls.TlsClientSettings;
import dev.traceyard.collector.extension.auth.AuthSettings;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * Config of the {@code otlphttp} exporter, with otelcol's keys: {@code endpoint} (base URL to which
 * {@code /v1/traces}, {@code /v1/metrics}, {@code /v1/logs} are appended), the per-signal
 * {@code traces_endpoint} / {@code metrics_endpoint} / {@code logs_endpoint} (full URLs that win over
 * the base), {@code encoding}, {@code compression}, {@code headers}, {@code tls}, {@code timeout}
 * (30s), {@code sending_queue} and {@code retry_on_failure}.
 *
 * {@code auth.authenticator} names a {@code bearertokenauth} or {@code basicauth} extension that adds
 * credentials to every request.
 *
 * @param urls the URL per signal; a signal without one is refused permanently when it arrives
 * @param auth null when requests carry no credentials from an extension
 */
public record OtlpHttpExporterConfig(Map<Signal, URI> urls, boolean json, boolean gzip, Map<String, String> headers,
    TlsClientSettings tls, AuthSettings auth, ExporterHelperConfig helper) {

  @Override
  public String toString() {
    // Header values often are credentials: only their names.
    return "OtlpHttpExporterConfig{urls=" + urls + ", headers=" + headers.keySet() + ", auth="
        + (auth == null ? "none" : auth.authenticator()) + "}";
  }

  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  static OtlpHttpExporterConfig parse(ConfigNode node) {
    boolean anyGiven = given(node, "endpoint");
    URI base = url(node, "endpoint");
    Map<Signal, URI> urls = new EnumMap<>(Signal.class);
    for (Signal s : Signal.values()) {
      anyGiven |= given(node, s.configName() + "_endpoint");
      URI explicit = url(node, s.configName() + "_endpoint");
      if (explicit != null) {
        urls.put(s, explicit);
      } else if (base != null) {
        urls.put(s, withSignalPath(base, s));
      }
    }
    if (!anyGiven) {
      node.error("endpoint", "is required (or set traces_endpoint, metrics_endpoint or logs_endpoint)");
    }
    boolean json = "json".equals(node.oneOf("encoding", "proto", "proto", "json"));
    boolean gzip = CompressionSetting.parseGzip(node);
    Map<String, String> headers = node.stringMap("headers");
    TlsClientSettings tls = TlsClientSettings.parse(node.child("tls"));
    AuthSettings auth = node.isSet("auth") ? AuthSettings.parse(node.child("auth")) : null;
    ExporterHelperConfig helper = ExporterHelperConfig.parse(node, DEFAULT_TIMEOUT);
    return new OtlpHttpExporterConfig(Collections.unmodifiableMap(urls), json, gzip, headers, tls, auth, helper);
  }

  private static boolean given(ConfigNode node, String key) {
    // raw(), not string(): a wrongly typed value is reported once, by url().
    JsonNode v = node.raw(key);
    return v != null && !(v.isTextual() && v.asText().isEmpty());
  }

  private static URI url(ConfigNode node, String key) {
    String raw = node.string(key, null);
    if (raw == null || raw.isEmpty()) {
      return null;
    }
    try {
      URI u = new URI(raw.trim());
      if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https"))) {
        node.error(key, "'" + raw + "' must be an http:// or https:// URL, e.g. https://collector:4318");
        return null;
      }
      if (u.getHost() == null || u.getHost().isEmpty()) {
        node.error(key, "'" + raw + "' has no host");
        return null;
      }
      return u;
    } catch (URISyntaxException e) {
      node.error(key, "invalid URL '" + raw + "': " + e.getReason());
      return null;
    }
  }

  /** The base URL with {@code /v1/<signal>} appended to its path, keeping query and credentials out. */
  static URI withSignalPath(URI base, Signal s) {
    String path = base.getRawPath() == null ? "" : base.getRawPath();
    if (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    String url = base.getScheme() + "://" + base.getRawAuthority() + path + "/v1/" + s.configName()
        + (base.getRawQuery() == null ? "" : "?" + base.getRawQuery());
    return URI.create(url);
  }
}
