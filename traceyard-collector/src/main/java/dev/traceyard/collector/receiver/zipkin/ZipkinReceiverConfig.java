package dev.traceyard.collector.receiver.zipkin;

import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.config.HostPort;
import dev.traceyard.collector.receiver.admission.AdmissionConfig;
import java.util.Objects;

/**
 * Config of the {@code zipkin} receiver, with otelcol's zipkinreceiver keys and defaults.
 *
 * @param endpoint where the HTTP server listens ({@code endpoint}, default {@code localhost:9411})
 * @param parseStringTags whether tag values that look like integers, decimals or booleans become
 *     typed attributes ({@code parse_string_tags}, default false)
 * @param maxRequestBodySize the largest request body accepted, in bytes, before and after
 *     decompression ({@code max_request_body_size}, default 20 MiB as otelcol's HTTP servers)
 * @param admission the in-flight request byte limit ({@code admission.request_limit_mib}, default off)
 */
public record ZipkinReceiverConfig(HostPort endpoint, boolean parseStringTags, long maxRequestBodySize,
    AdmissionConfig admission) {
  public static final HostPort DEFAULT_ENDPOINT = HostPort.of("localhost", 9411);
  public static final long DEFAULT_MAX_REQUEST_BODY_SIZE = 20L * 1024 * 1024;

  public ZipkinReceiverConfig {
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(admission, "admission");
    if (maxRequestBodySize <= 0) {
      throw new IllegalArgumentException("maxRequestBodySize must be positive, got " + maxRequestBodySize);
    }
  }

  public ZipkinReceiverConfig(HostPort endpoint, boolean parseStringTags, long maxRequestBodySize) {
    this(endpoint, parseStringTags, maxRequestBodySize, AdmissionConfig.DISABLED);
  }

  public static ZipkinReceiverConfig defaults() {
    return new ZipkinReceiverConfig(DEFAULT_ENDPOINT, false, DEFAULT_MAX_REQUEST_BODY_SIZE);
  }

  static ZipkinReceiverConfig parse(ConfigNode node) {
    HostPort endpoint = HostPort.read(node, "endpoint", DEFAULT_ENDPOINT);
    boolean parseStringTags = node.bool("parse_string_tags", false);
    // As in otelcol, 0 (or leaving it out) means the default.
    long max = node.longInRange("max_request_body_size", 0, 0, Long.MAX_VALUE);
    return new ZipkinReceiverConfig(endpoint, parseStringTags, max == 0 ? DEFAULT_MAX_REQUEST_BODY_SIZE : max,
        AdmissionConfig.parse(node));
  }
}
