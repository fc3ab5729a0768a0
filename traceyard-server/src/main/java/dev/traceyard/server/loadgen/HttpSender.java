package dev.traceyard.server.loadgen;

import com.linecorp.armeria.client.BlockingWebClient;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.WebClientBuilder;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import dev.traceyard.collector.otlp.OtlpJson;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import java.net.URI;
import java.time.Duration;
import java.util.Map;

/** OTLP/HTTP with a protobuf or OTLP/JSON body. */
final class HttpSender implements OtlpSender {
  private static final int MAX_BODY_IN_MESSAGE = 200;

  private final BlockingWebClient client;
  private final String path;
  private final boolean json;

  /**
   * @param endpoint full URL including the path, e.g. {@code http://localhost:4318/v1/traces}
   */
  HttpSender(URI endpoint, boolean json, Map<String, String> headers, Duration timeout, ClientFactory factory) {
    this.json = json;
    this.path = endpoint.getRawPath() + (endpoint.getRawQuery() == null ? "" : "?" + endpoint.getRawQuery());
    WebClientBuilder builder = WebClient.builder(endpoint.getScheme() + "://" + endpoint.getRawAuthority())
        .factory(factory)
        .responseTimeout(timeout)
        .maxResponseLength(16 * 1024 * 1024);
    headers.forEach(builder::addHeader);
    this.client = builder.build().blocking();
  }

  @Override
  public SendOutcome send(ExportTraceServiceRequest request) {
    byte[] body = json ? OtlpJson.encodeToBytes(request) : request.toByteArray();
    RequestHeaders headers = RequestHeaders.builder(HttpMethod.POST, path)
        .contentType(json ? MediaType.JSON : MediaType.X_PROTOBUF)
        .build();
    AggregatedHttpResponse response;
    try {
      response = client.execute(headers, body);
    } catch (RuntimeException e) {
      // Connection refused, reset or timed out: the receiver may come back.
      return SendOutcome.retryable(e.toString(), Duration.ZERO);
    }
    HttpStatus status = response.status();
    if (status.isSuccess()) {
      return SendOutcome.accepted(rejectedSpans(response));
    }
    String message = "HTTP " + status.code() + abbreviatedBody(response);
    switch (status.code()) {
      case 429:
      case 502:
      case 503:
      case 504:
        return SendOutcome.retryable(message, retryAfter(response));
      default:
        return SendOutcome.permanent(message);
    }
  }

  private long rejectedSpans(AggregatedHttpResponse response) {
    byte[] content = response.content().array();
    if (content.length == 0) {
      return 0;
    }
    try {
      ExportTraceServiceResponse.Builder parsed = ExportTraceServiceResponse.newBuilder();
      if (json) {
        OtlpJson.decode(content, parsed);
      } else {
        parsed.mergeFrom(content);
      }
      return parsed.getPartialSuccess().getRejectedSpans();
    } catch (Exception e) {
      // The request was accepted; an unreadable body only hides a partial success, which we cannot count.
      return 0;
    }
  }

  /** Honours {@code Retry-After} in seconds; the HTTP-date form is rare for OTLP and falls back to backoff. */
  private static Duration retryAfter(AggregatedHttpResponse response) {
    String value = response.headers().get(HttpHeaderNames.RETRY_AFTER);
    if (value != null) {
      try {
        return Duration.ofSeconds(Math.max(0, Long.parseLong(value.trim())));
      } catch (NumberFormatException e) {
        // fall through
      }
    }
    return Duration.ZERO;
  }

  private static String abbreviatedBody(AggregatedHttpResponse response) {
    MediaType type = response.contentType();
    // OTLP/HTTP protobuf errors carry a binary google.rpc.Status: only quote bodies meant to be read.
    if (type == null || !(type.is(MediaType.ANY_TEXT_TYPE) || type.isJson())) {
      return "";
    }
    String text = response.contentUtf8().strip();
    if (text.isEmpty()) {
      return "";
    }
    return ": " + (text.length() > MAX_BODY_IN_MESSAGE ? text.substring(0, MAX_BODY_IN_MESSAGE) + "..." : text);
  }
}
