package dev.traceyard.collector.exporter.otlphttp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.linecorp.armeria.client.BlockingWebClient;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.ClientFactoryBuilder;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.WebClientBuilder;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import dev.traceyard.collector.component.Host;
import dev.traceyard.collector.config.tls.ClientTls;
import dev.traceyard.collector.exporter.exporterhelper.AuthHeaders;
import dev.traceyard.collector.extension.auth.ClientAuthenticator;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.exporter.exporterhelper.Sender;
import dev.traceyard.collector.otlp.OtlpJson;
import dev.traceyard.collector.otlp.OtlpJsonException;
import dev.traceyard.collector.telemetry.RateLimitedLogger;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.EnumMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;

/** One OTLP/HTTP POST per batch, protobuf or JSON, through Armeria's web client. */
final class OtlpHttpSender implements Sender {
  private static final MediaType PROTOBUF = MediaType.parse("application/x-protobuf");
  private static final long MAX_RESPONSE_BYTES = 4L * 1024 * 1024;
  private static final int MAX_MESSAGE_CHARS = 256;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final OtlpHttpExporterConfig config;
  private final Logger logger;
  private final RateLimitedLogger partialLog;
  private final Map<Signal, Target> targets = new EnumMap<>(Signal.class);
  private ClientFactory factory;

  private record Target(URI url, String pathAndQuery, BlockingWebClient client) {}

  OtlpHttpSender(OtlpHttpExporterConfig config, Logger logger) {
    this.config = config;
    this.logger = logger;
    this.partialLog = new RateLimitedLogger(logger, Duration.ofSeconds(10));
  }

  @Override
  public void start(Host host) {
    // An own event loop: with the sending queue disabled this client is called on the receiver's
    // thread, which must never wait for a connection served by its own event loop.
    boolean anyHttps = config.urls().values().stream().anyMatch(u -> u.getScheme().equals("https"));
    // Files and extensions are checked before anything is built, with errors naming the config path.
    ClientTls tls = anyHttps ? ClientTls.load(config.tls(), logger) : null;
    ClientAuthenticator auth = config.auth() == null ? null : config.auth().client(host);
    ClientFactoryBuilder fb = ClientFactory.builder().workerGroup(2);
    if (tls != null) {
      tls.applyTo(fb);
    }
    factory = fb.build();
    config.urls().forEach((signal, url) -> {
      WebClientBuilder b = WebClient.builder(url.getScheme() + "://" + url.getRawAuthority())
          .factory(factory)
          .responseTimeout(config.helper().timeout())
          .maxResponseLength(MAX_RESPONSE_BYTES);
      config.headers().forEach(b::setHeader);
      if (auth != null) {
        b.decorator(AuthHeaders.decorator(auth));
      }
      if (url.getScheme().equals("https") && config.tls().serverNameOverride() != null) {
        // Armeria derives the TLS server name (SNI and certificate check) from the authority.
        b.setHeader(HttpHeaderNames.AUTHORITY, config.tls().serverNameOverride());
      }
      String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
      String pathAndQuery = url.getRawQuery() == null ? path : path + "?" + url.getRawQuery();
      targets.put(signal, new Target(url, pathAndQuery, b.build().blocking()));
    });
  }

  @Override
  public ConsumeResult send(Batch batch) {
    Target target = targets.get(batch.signal());
    if (target == null) {
      return ConsumeResult.permanent("no URL for " + batch.signal().configName() + ": set endpoint or "
          + batch.signal().configName() + "_endpoint");
    }
    byte[] body = config.json() ? OtlpJson.encodeToBytes(batch.request()) : batch.request().toByteArray();
    RequestHeadersBuilder headers = RequestHeaders.builder(HttpMethod.POST, target.pathAndQuery())
        .contentType(config.json() ? MediaType.JSON : PROTOBUF);
    if (config.gzip()) {
      body = gzip(body);
      headers.set(HttpHeaderNames.CONTENT_ENCODING, "gzip");
    }
    AggregatedHttpResponse res;
    try {
      res = target.client().execute(HttpRequest.of(headers.build(), HttpData.wrap(body)));
    } catch (RuntimeException e) {
      // Connection refused, reset, response timeout: transient from our side.
      return ConsumeResult.retryable("cannot reach " + target.url() + ": " + e, null);
    }
    int code = res.status().code();
    if (code >= 200 && code < 300) {
      return partialSuccess(batch.signal(), res);
    }
    String message = "HTTP " + code + " from " + target.url() + errorDetail(res);
    Duration retryAfter = parseRetryAfter(res.headers().get(HttpHeaderNames.RETRY_AFTER), Instant.now());
    switch (code) {
      case 429:
        return ConsumeResult.throttled(message, retryAfter);
      case 502:
      case 503:
      case 504:
        return ConsumeResult.retryable(message, retryAfter);
      default:
        return ConsumeResult.permanent(message);
    }
  }

  private ConsumeResult partialSuccess(Signal signal, AggregatedHttpResponse res) {
    if (res.content().isEmpty()) {
      return ConsumeResult.success();
    }
    boolean json = isJson(res.contentType());
    long rejected;
    String message;
    try {
      switch (signal) {
        case TRACES: {
          ExportTraceServiceResponse r = (ExportTraceServiceResponse) decode(res, json, ExportTraceServiceResponse.newBuilder());
          rejected = r.getPartialSuccess().getRejectedSpans();
          message = r.getPartialSuccess().getErrorMessage();
          break;
        }
        case METRICS: {
          ExportMetricsServiceResponse r =
              (ExportMetricsServiceResponse) decode(res, json, ExportMetricsServiceResponse.newBuilder());
          rejected = r.getPartialSuccess().getRejectedDataPoints();
          message = r.getPartialSuccess().getErrorMessage();
          break;
        }
        default: {
          ExportLogsServiceResponse r = (ExportLogsServiceResponse) decode(res, json, ExportLogsServiceResponse.newBuilder());
          rejected = r.getPartialSuccess().getRejectedLogRecords();
          message = r.getPartialSuccess().getErrorMessage();
        }
      }
    } catch (InvalidProtocolBufferException | OtlpJsonException e) {
      // The status says the data was accepted; an unreadable body does not change that.
      partialLog.warn("destination answered {} with a body that is not an OTLP response: {}", res.status(), e.getMessage());
      return ConsumeResult.success();
    }
    if (rejected > 0) {
      return ConsumeResult.partialSuccess(rejected, "destination rejected " + rejected + " "
          + signal.itemName().replace('_', ' ') + (message.isEmpty() ? "" : ": " + abbreviate(message)));
    }
    if (!message.isEmpty()) {
      partialLog.warn("destination accepted every item with a warning: {}", abbreviate(message));
    }
    return ConsumeResult.success();
  }

  private static Message decode(AggregatedHttpResponse res, boolean json, Message.Builder builder)
      throws InvalidProtocolBufferException, OtlpJsonException {
    if (json) {
      OtlpJson.decode(res.content().array(), builder);
      return builder.build();
    }
    return builder.mergeFrom(res.content().array()).build();
  }

  private static boolean isJson(MediaType type) {
    return type != null && type.subtype().endsWith("json");
  }

  /** A short, single-line reason from the error body: google.rpc.Status (proto or JSON), or text. */
  private String errorDetail(AggregatedHttpResponse res) {
    if (res.content().isEmpty()) {
      return "";
    }
    MediaType type = res.contentType();
    String text = null;
    try {
      if (type != null && type.subtype().contains("protobuf")) {
        text = com.google.rpc.Status.parseFrom(res.content().array()).getMessage();
      } else if (isJson(type)) {
        JsonNode n = JSON.readTree(res.content().array());
        text = n != null && n.hasNonNull("message") ? n.get("message").asText() : n == null ? null : n.toString();
      }
    } catch (IOException | RuntimeException e) {
      logger.debug("unreadable error body", e);
    }
    if (text == null) {
      text = res.contentUtf8();
    }
    text = abbreviate(text);
    return text.isEmpty() ? "" : ": " + text;
  }

  private static String abbreviate(String s) {
    String oneLine = s.replaceAll("\\p{Cntrl}+", " ").trim();
    return oneLine.length() <= MAX_MESSAGE_CHARS ? oneLine : oneLine.substring(0, MAX_MESSAGE_CHARS) + "...";
  }

  /** {@code Retry-After} as delay-seconds or an HTTP-date; null when absent or unreadable. */
  static Duration parseRetryAfter(String value, Instant now) {
    if (value == null || value.isBlank()) {
      return null;
    }
    String v = value.trim();
    try {
      long seconds = Long.parseLong(v);
      return seconds < 0 ? null : Duration.ofSeconds(seconds);
    } catch (NumberFormatException notSeconds) {
      try {
        Duration d = Duration.between(now, ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
        return d.isNegative() ? Duration.ZERO : d;
      } catch (DateTimeParseException notDate) {
        return null;
      }
    }
  }

  private static byte[] gzip(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, data.length / 4));
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException("gzip to memory failed", e);
    }
    return out.toByteArray();
  }

  @Override
  public void shutdown() {
    if (factory != null) {
      factory.closeAsync();
    }
  }
}
