package dev.traceyard.collector.receiver.zipkin;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.ClosedSessionException;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.ResponseCompleteException;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.stream.AbortedStreamException;
import com.linecorp.armeria.common.stream.ClosedStreamException;
import com.linecorp.armeria.server.HttpStatusException;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServerErrorHandler;
import com.linecorp.armeria.server.ServiceConfig;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Host;
import dev.traceyard.collector.component.Receiver;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.consumer.Consumer;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.receiver.admission.AdmissionDecorator;
import dev.traceyard.collector.receiver.admission.AdmissionLimiter;
import dev.traceyard.collector.receiver.admission.AdmissionRefusedException;
import dev.traceyard.collector.otlp.OtlpLimits;
import dev.traceyard.collector.telemetry.RateLimitedLogger;
import dev.traceyard.collector.telemetry.ReceiverMetrics;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.zip.GZIPInputStream;
import java.util.zip.InflaterInputStream;

/**
 * Receives Zipkin v2 spans on {@code POST /api/v2/spans} (JSON or proto3, optionally gzip- or
 * deflate-compressed), translates them to OTLP and hands them to the pipelines, answering as a
 * Zipkin server does: 202 once the pipeline accepted the spans. Backpressure reaches the client as
 * 503 (retryable) or 429 (over a resource limit), both with Retry-After.
 */
final class ZipkinReceiver implements Receiver {
  static final String SPANS_PATH = "/api/v2/spans";
  private static final String TRANSPORT = "http";
  private static final MediaType PROTOBUF = MediaType.create("application", "x-protobuf");
  private static final Duration LOG_INTERVAL = Duration.ofSeconds(10);
  private static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);
  // Long enough for a pipeline applying backpressure, short enough that a trickling client is cut.
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

  private enum Format { JSON, PROTO3 }

  private final ComponentSettings settings;
  private final ZipkinReceiverConfig config;
  private final Consumer next;
  private final ZipkinTranslator translator;
  private final ReceiverMetrics metrics;
  private final io.prometheus.metrics.core.metrics.Counter refusedRequests;
  private final RateLimitedLogger badRequestLog;
  private final RateLimitedLogger refusalLog;
  private volatile Server server;

  ZipkinReceiver(ComponentSettings settings, ZipkinReceiverConfig config, Consumer next) {
    this.settings = settings;
    this.config = config;
    this.next = next;
    this.translator = new ZipkinTranslator(config.parseStringTags());
    this.metrics = settings.telemetry().receiver(settings.id(), TRANSPORT);
    // Same name and labels as the otlp receiver's counter: one metric, told apart by receiver and reason.
    this.refusedRequests = settings.telemetry().counter("traceyard_receiver_refused_requests",
        "Requests refused by a receiver, before decoding (malformed, too large, unsupported media type, "
            + "unknown path or method) or after it (refused by the pipeline).",
        "receiver", "transport", "reason");
    this.badRequestLog = new RateLimitedLogger(settings.logger(), LOG_INTERVAL);
    this.refusalLog = new RateLimitedLogger(settings.logger(), LOG_INTERVAL);
  }

  @Override
  public void start(Host host) {
    ServerBuilder sb = Server.builder()
        .http(config.endpoint().toSocketAddress())
        .maxRequestLength(config.maxRequestBodySize())
        .requestTimeout(REQUEST_TIMEOUT)
        .gracefulShutdownTimeout(Duration.ZERO, Duration.ofSeconds(5))
        .errorHandler(new TooLargeHandler())
        .service(SPANS_PATH, (ctx, req) -> serveSpans(ctx, req))
        .serviceUnder("/api/v1/", (ctx, req) -> refuse(ctx, HttpStatus.NOT_FOUND,
            "the Zipkin v1 API is not supported: send Zipkin v2 spans to POST " + SPANS_PATH))
        .serviceUnder("/", (ctx, req) -> refuse(ctx, HttpStatus.NOT_FOUND,
            "unknown path " + ctx.path() + ": Zipkin v2 spans are accepted at POST " + SPANS_PATH));
    if (config.admission().enabled()) {
      sb.decorator(admission());
    }
    Server s = sb.build();
    try {
      s.start().join();
    } catch (RuntimeException e) {
      // Release what did start (e.g. event loops) before reporting, typically "address in use".
      s.stop();
      throw e;
    }
    server = s;
  }

  @Override
  public Map<String, InetSocketAddress> boundAddresses() {
    Server s = server;
    return s == null || s.activePort() == null ? Map.of() : Map.of(TRANSPORT, s.activePort().localAddress());
  }

  @Override
  public void shutdown() {
    Server s = server;
    if (s == null) {
      return;
    }
    try {
      s.stop().join();
    } catch (RuntimeException e) {
      settings.logger().warn("zipkin receiver did not stop cleanly: {}", e.toString());
    }
  }

  /** Refuses request bodies past {@code admission.request_limit_mib} in flight with 429 + Retry-After. */
  private AdmissionDecorator admission() {
    AdmissionLimiter limiter = new AdmissionLimiter(config.admission().requestLimitBytes());
    settings.telemetry().gaugeCallback("traceyard_receiver_admission_in_flight_bytes",
        "Request bytes a receiver holds (read, decoding or being consumed), bounded by admission.request_limit_mib.",
        new String[] {"receiver", "transport"}, new String[] {settings.id().toString(), TRANSPORT},
        limiter::inFlightBytes);
    return new AdmissionDecorator(limiter, config.maxRequestBodySize(), new AdmissionDecorator.Refusals() {
      @Override
      public void count(ServiceRequestContext ctx, String detail) {
        refusedRequests("admission_limit");
        refusalLog.warn("refused a request from {}: {}", ctx.clientAddress(), detail);
      }

      @Override
      public HttpResponse respond(ServiceRequestContext ctx, HttpRequest req, String message, Duration retryAfter) {
        return overAdmission(message, retryAfter);
      }
    });
  }

  private static HttpResponse overAdmission(String message, Duration retryAfter) {
    return HttpResponse.of(ResponseHeaders.builder(HttpStatus.TOO_MANY_REQUESTS)
        .add(HttpHeaderNames.RETRY_AFTER, Long.toString(Math.max(1, (retryAfter.toMillis() + 999) / 1000)))
        .contentType(MediaType.PLAIN_TEXT_UTF_8).build(), HttpData.ofUtf8(message));
  }

  private HttpResponse serveSpans(ServiceRequestContext ctx, HttpRequest req) {
    if (req.method() != HttpMethod.POST) {
      refusedRequests("method_not_allowed");
      badRequestLog.warn("refused {} {} from {}: only POST is allowed", req.method(), SPANS_PATH, ctx.clientAddress());
      return HttpResponse.of(ResponseHeaders.builder(HttpStatus.METHOD_NOT_ALLOWED)
          .add(HttpHeaderNames.ALLOW, "POST").contentType(MediaType.PLAIN_TEXT_UTF_8).build(),
          HttpData.ofUtf8("use POST to send Zipkin v2 spans to " + SPANS_PATH));
    }
    MediaType contentType = req.contentType();
    Format format;
    if (contentType == null || contentType.is(MediaType.JSON)) {
      // Zipkin reads a body without a content type as JSON, and so do its clients.
      format = Format.JSON;
    } else if (contentType.is(PROTOBUF) || contentType.is(MediaType.PROTOBUF)) {
      format = Format.PROTO3;
    } else {
      return refuse(ctx, HttpStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported Content-Type '" + contentType
          + "': send application/json (Zipkin v2 JSON) or application/x-protobuf (Zipkin proto3 ListOfSpans)");
    }
    String encoding = req.headers().get(HttpHeaderNames.CONTENT_ENCODING, "identity").trim().toLowerCase(Locale.ROOT);
    if (!encoding.equals("identity") && !encoding.isEmpty() && !encoding.equals("gzip") && !encoding.equals("x-gzip")
        && !encoding.equals("deflate")) {
      return refuse(ctx, HttpStatus.UNSUPPORTED_MEDIA_TYPE,
          "unsupported Content-Encoding '" + encoding + "': send gzip, deflate or no encoding");
    }
    CompletableFuture<HttpResponse> response = req.aggregate()
        // Decoding and the pipeline's consume() may block; keep them off the event loop.
        .thenApplyAsync(agg -> handle(ctx, agg.content().array(), format, encoding), ctx.blockingTaskExecutor())
        .exceptionally(t -> {
          Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
          AdmissionRefusedException overAdmission = AdmissionRefusedException.find(cause);
          if (overAdmission != null) {
            // Counted by the admission decorator when it cut the body short.
            return overAdmission(overAdmission.getMessage(), AdmissionDecorator.RETRY_AFTER);
          }
          if (isTooLarge(cause)) {
            // Armeria has already answered 413 through TooLargeHandler, which counted it.
            return text(HttpStatus.REQUEST_ENTITY_TOO_LARGE, tooLargeMessage());
          }
          if (cause instanceof ResponseCompleteException || cause instanceof ClosedStreamException
              || cause instanceof ClosedSessionException || cause instanceof AbortedStreamException) {
            // Answered already, or the client went away mid-body: nobody is left to tell.
            settings.logger().debug("request from {} ended before its body was read: {}", ctx.clientAddress(), cause.toString());
            return text(HttpStatus.SERVICE_UNAVAILABLE, "request ended early");
          }
          settings.logger().error("zipkin receiver failed on a request from {}", ctx.clientAddress(), cause);
          refusedRequests("refused");
          return text(HttpStatus.INTERNAL_SERVER_ERROR, "internal error: " + cause);
        });
    return HttpResponse.of(response);
  }

  private HttpResponse handle(ServiceRequestContext ctx, byte[] raw, Format format, String encoding) {
    if (raw.length == 0) {
      return refuse(ctx, HttpStatus.BAD_REQUEST, "empty request body: expected a list of Zipkin v2 spans");
    }
    byte[] body;
    try {
      body = decompress(raw, encoding, config.maxRequestBodySize());
    } catch (ContentTooLargeException e) {
      return tooLarge(ctx.clientAddress());
    } catch (IOException e) {
      return refuse(ctx, HttpStatus.BAD_REQUEST, "body is not valid " + encoding + " data: " + e.getMessage());
    }
    ExportTraceServiceRequest request;
    try {
      request = decode(body, format == Format.JSON, translator);
    } catch (ZipkinDecodeException e) {
      metrics.refused(Signal.TRACES, e.spanCount());
      return refuse(ctx, HttpStatus.BAD_REQUEST, "invalid Zipkin v2 " + (format == Format.JSON ? "JSON" : "proto3")
          + " spans: " + e.getMessage());
    }
    TraceBatch batch = TraceBatch.of(request);
    if (batch.itemCount() == 0) {
      return accepted();
    }
    ConsumeResult result;
    try {
      result = next.consume(batch);
    } catch (RuntimeException e) {
      // Consumers must not throw; if one does, the client may retry rather than lose the spans.
      settings.logger().error("pipeline threw while consuming {} spans", batch.itemCount(), e);
      result = ConsumeResult.retryable("internal error: " + e, null);
    }
    return respond(ctx, batch.itemCount(), result);
  }

  /**
   * Decodes a (decompressed) body of Zipkin v2 JSON or proto3 spans and translates it to OTLP within
   * {@link OtlpLimits}. Any other exception than the declared one is a bug (the fuzz tests look for them).
   */
  static ExportTraceServiceRequest decode(byte[] body, boolean json, ZipkinTranslator translator)
      throws ZipkinDecodeException {
    List<ZipkinSpan> spans = json ? ZipkinJsonDecoder.decode(body) : ZipkinProtoDecoder.decode(body);
    ExportTraceServiceRequest request = translator.translate(spans);
    // Spans were checked one by one; this also bounds what the translation adds (e.g. attributes
    // unpacked from an annotation's JSON).
    String violation = OtlpLimits.violation(request);
    if (violation != null) {
      throw new ZipkinDecodeException("after translation to OTLP, " + violation, spans.size());
    }
    return request;
  }

  private HttpResponse respond(ServiceRequestContext ctx, int spans, ConsumeResult result) {
    if (result.isSuccess()) {
      long rejected = Math.min(result.rejectedItems(), spans);
      metrics.accepted(Signal.TRACES, spans - rejected);
      metrics.refused(Signal.TRACES, rejected);
      if (rejected > 0) {
        refusalLog.warn("pipeline dropped {} of {} spans from {}: {}", rejected, spans, ctx.clientAddress(),
            result.message());
      }
      return accepted();
    }
    metrics.refused(Signal.TRACES, spans);
    refusedRequests("refused");
    refusalLog.warn("pipeline refused {} spans from {}: {}", spans, ctx.clientAddress(), result);
    if (result.isPermanent()) {
      return text(HttpStatus.BAD_REQUEST, "spans refused: " + result.message());
    }
    HttpStatus status = result.isThrottled() ? HttpStatus.TOO_MANY_REQUESTS : HttpStatus.SERVICE_UNAVAILABLE;
    Duration after = result.retryAfter() == null || result.retryAfter().isNegative() || result.retryAfter().isZero()
        ? DEFAULT_RETRY_AFTER : result.retryAfter();
    long seconds = Math.max(1, (after.toMillis() + 999) / 1000);
    return HttpResponse.of(ResponseHeaders.builder(status)
        .add(HttpHeaderNames.RETRY_AFTER, Long.toString(seconds))
        .contentType(MediaType.PLAIN_TEXT_UTF_8).build(),
        HttpData.ofUtf8("spans refused, retry later: " + result.message()));
  }

  /**
   * Inflates a gzip or zlib body, refusing one that would inflate beyond the limit (the limit on
   * the wire alone would let a small compressed body expand without bound).
   */
  static byte[] decompress(byte[] raw, String encoding, long limit) throws IOException {
    if (!encoding.equals("gzip") && !encoding.equals("x-gzip") && !encoding.equals("deflate")) {
      return raw;
    }
    int cap = (int) Math.min(limit, Integer.MAX_VALUE - 16);
    try (InputStream in = encoding.equals("deflate")
        ? new InflaterInputStream(new ByteArrayInputStream(raw))
        : new GZIPInputStream(new ByteArrayInputStream(raw))) {
      byte[] out = in.readNBytes(cap + 1);
      if (out.length > cap) {
        throw ContentTooLargeException.builder().maxContentLength(limit).build();
      }
      return out;
    }
  }

  /** Armeria reports an over-long body as a 413 HttpStatusException caused by ContentTooLargeException. */
  private static boolean isTooLarge(Throwable t) {
    if (t instanceof ContentTooLargeException || t.getCause() instanceof ContentTooLargeException) {
      return true;
    }
    return t instanceof HttpStatusException && ((HttpStatusException) t).httpStatus() == HttpStatus.REQUEST_ENTITY_TOO_LARGE;
  }

  private HttpResponse tooLarge(InetAddress client) {
    refusedRequests("too_large");
    badRequestLog.warn("refused a request from {}: body larger than max_request_body_size ({} bytes)", client,
        config.maxRequestBodySize());
    return text(HttpStatus.REQUEST_ENTITY_TOO_LARGE, tooLargeMessage());
  }

  private String tooLargeMessage() {
    return "request body exceeds max_request_body_size (" + config.maxRequestBodySize() + " bytes)";
  }

  private void refusedRequests(String reason) {
    refusedRequests.labelValues(settings.id().toString(), TRANSPORT, reason).inc();
  }

  private static String reasonFor(HttpStatus status) {
    switch (status.code()) {
      case 400:
        return "malformed";
      case 404:
        return "not_found";
      case 405:
        return "method_not_allowed";
      case 413:
        return "too_large";
      case 415:
        return "unsupported_media_type";
      default:
        return "refused";
    }
  }

  private HttpResponse refuse(ServiceRequestContext ctx, HttpStatus status, String message) {
    refusedRequests(reasonFor(status));
    badRequestLog.warn("refused a request from {} ({}): {}", ctx.clientAddress(), status.code(), message);
    return text(status, message);
  }

  private static HttpResponse accepted() {
    return HttpResponse.of(ResponseHeaders.of(HttpStatus.ACCEPTED));
  }

  private static HttpResponse text(HttpStatus status, String message) {
    return HttpResponse.of(status, MediaType.PLAIN_TEXT_UTF_8, message);
  }

  /**
   * Armeria refuses a body over the limit before our service sees it (from Content-Length, or while
   * streaming); count and explain those refusals like every other.
   */
  private final class TooLargeHandler implements ServerErrorHandler {
    @Override
    public HttpResponse onServiceException(ServiceRequestContext ctx, Throwable cause) {
      if (isTooLarge(cause)) {
        return tooLarge(ctx.clientAddress());
      }
      return null;
    }

    @Override
    public AggregatedHttpResponse onProtocolViolation(ServiceConfig config, RequestHeaders headers, HttpStatus status,
        String description, Throwable cause) {
      if (status == HttpStatus.REQUEST_ENTITY_TOO_LARGE) {
        refusedRequests("too_large");
        badRequestLog.warn("refused a request to {}: body larger than max_request_body_size ({} bytes)",
            headers.path(), ZipkinReceiver.this.config.maxRequestBodySize());
        return AggregatedHttpResponse.of(status, MediaType.PLAIN_TEXT_UTF_8, tooLargeMessage());
      }
      return null;
    }
  }
}
