package dev.traceyard.collector.receiver.otlp;

import com.google.protobuf.Message;
import com.google.rpc.Code;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.ResponseHeadersBuilder;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.otlp.OtlpJson;
import dev.traceyard.collector.receiver.admission.AdmissionDecorator;
import dev.traceyard.collector.receiver.admission.AdmissionRefusedException;
import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;

/**
 * OTLP/HTTP for one signal: {@code POST} of protobuf or OTLP/JSON, optionally gzipped, answered in the
 * request's content type. The body is collected on the event loop (bounded by
 * {@code max_request_body_size}); decompression, decoding and the possibly blocking {@code consume()}
 * run on the blocking task executor so that event loops never wait on the pipeline.
 */
final class OtlpHttpService implements HttpService {
  static final MediaType PROTOBUF = MediaType.create("application", "x-protobuf");
  static final MediaType JSON = MediaType.create("application", "json");
  private static final MediaType TEXT = MediaType.PLAIN_TEXT_UTF_8;
  private static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);

  private final SignalCodec<?, ?> codec;
  private final long maxBodySize;
  private final TransportTelemetry telemetry;
  private final Logger logger;

  OtlpHttpService(SignalCodec<?, ?> codec, long maxBodySize, TransportTelemetry telemetry, Logger logger) {
    this.codec = codec;
    this.maxBodySize = maxBodySize;
    this.telemetry = telemetry;
    this.logger = logger;
  }

  @Override
  public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
    if (req.method() != HttpMethod.POST) {
      telemetry.refused(RefusalReason.METHOD_NOT_ALLOWED, codec.signal(), 0, req.method() + " " + ctx.path());
      return HttpResponse.of(ResponseHeaders.builder(HttpStatus.METHOD_NOT_ALLOWED)
          .add(HttpHeaderNames.ALLOW, "POST").contentType(TEXT).build(),
          HttpData.ofUtf8("405 method not allowed, supported: [POST]"));
    }
    MediaType format = format(req.contentType());
    if (format == null) {
      telemetry.refused(RefusalReason.UNSUPPORTED_MEDIA_TYPE, codec.signal(), 0,
          "content type " + req.contentType());
      return HttpResponse.of(HttpStatus.UNSUPPORTED_MEDIA_TYPE, TEXT,
          "415 unsupported media type, supported: [application/json, application/x-protobuf]");
    }
    String encoding = req.headers().get(HttpHeaderNames.CONTENT_ENCODING, "").trim().toLowerCase(Locale.ROOT);
    boolean gzip = encoding.equals("gzip") || encoding.equals("x-gzip");
    if (!gzip && !encoding.isEmpty() && !encoding.equals("identity")) {
      telemetry.refused(RefusalReason.UNSUPPORTED_MEDIA_TYPE, codec.signal(), 0, "content encoding " + encoding);
      return HttpResponse.of(HttpStatus.UNSUPPORTED_MEDIA_TYPE, TEXT,
          "415 unsupported content encoding '" + encoding + "', supported: [gzip, identity]");
    }
    long declared = req.headers().contentLength();
    if (declared > maxBodySize) {
      return tooLarge(format, "the request body of " + declared + " bytes exceeds max_request_body_size of "
          + maxBodySize + " bytes");
    }
    // Also bounds chunked bodies, which declare no length: the aggregation fails once over the limit.
    ctx.setMaxRequestLength(maxBodySize);
    return HttpResponse.of(req.aggregate()
        .thenApplyAsync(body -> process(codec, format, gzip, body), ctx.blockingTaskExecutor())
        .exceptionally(e -> failed(format, e)));
  }

  private <Q extends Message, R extends Message> HttpResponse process(SignalCodec<Q, R> codec, MediaType format,
      boolean gzip, AggregatedHttpRequest req) {
    byte[] body = req.content().array();
    if (gzip) {
      try {
        body = Gzip.decompress(body, maxBodySize);
      } catch (Gzip.TooLargeException e) {
        return tooLarge(format, e.getMessage() + " (max_request_body_size)");
      } catch (IOException e) {
        return malformed(format, "invalid gzip body: " + e.getMessage(), 0);
      }
    }
    Q request;
    try {
      request = codec.decode(body, format == JSON);
    } catch (InvalidRequestException e) {
      return malformed(format, e.getMessage(), e.itemCount());
    } catch (RuntimeException e) {
      // A decoder bug (the fuzz tests hunt for these): still a clear answer rather than a 500.
      return malformed(format, "cannot decode the request: " + e, 0);
    }
    ConsumeResult result = telemetry.consume(codec.batch(request));
    switch (result.status()) {
      case SUCCESS:
        return encode(HttpStatus.OK, format, codec.response(result.rejectedItems(), result.message()), null);
      case RETRYABLE:
        return encode(result.isThrottled() ? HttpStatus.TOO_MANY_REQUESTS : HttpStatus.SERVICE_UNAVAILABLE, format,
            status(result.isThrottled() ? Code.RESOURCE_EXHAUSTED : Code.UNAVAILABLE, result.message()),
            result.retryAfter() == null ? DEFAULT_RETRY_AFTER : result.retryAfter());
      default:
        return encode(HttpStatus.BAD_REQUEST, format, status(Code.INVALID_ARGUMENT, result.message()), null);
    }
  }

  /** The aggregation failed (body over the limit, client gone) or, by a bug, the processing threw. */
  private HttpResponse failed(MediaType format, Throwable e) {
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    AdmissionRefusedException overAdmission = AdmissionRefusedException.find(cause);
    if (overAdmission != null) {
      // Counted by the admission decorator when it cut the body short.
      return throttled(format, overAdmission.getMessage(), AdmissionDecorator.RETRY_AFTER);
    }
    if (cause instanceof ContentTooLargeException) {
      return tooLarge(format, "the request body exceeds max_request_body_size of " + maxBodySize + " bytes");
    }
    logger.debug("OTLP/HTTP request failed", cause);
    return encode(HttpStatus.INTERNAL_SERVER_ERROR, format, status(Code.INTERNAL, "internal error: " + cause), null);
  }

  /**
   * 429 with Retry-After and an OTLP status body (RESOURCE_EXHAUSTED) in the request's format, plain
   * text when the content type is not OTLP's.
   */
  static HttpResponse throttled(MediaType contentType, String message, Duration retryAfter) {
    MediaType format = contentType == PROTOBUF || contentType == JSON ? contentType : format(contentType);
    if (format == null) {
      return HttpResponse.of(ResponseHeaders.builder(HttpStatus.TOO_MANY_REQUESTS)
          .add(HttpHeaderNames.RETRY_AFTER, Long.toString(retryAfterSeconds(retryAfter))).contentType(TEXT).build(),
          HttpData.ofUtf8(message));
    }
    return encode(HttpStatus.TOO_MANY_REQUESTS, format, status(Code.RESOURCE_EXHAUSTED, message), retryAfter);
  }

  private HttpResponse malformed(MediaType format, String message, long items) {
    telemetry.refused(RefusalReason.MALFORMED, codec.signal(), items, message);
    return encode(HttpStatus.BAD_REQUEST, format, status(Code.INVALID_ARGUMENT, message), null);
  }

  private HttpResponse tooLarge(MediaType format, String message) {
    telemetry.refused(RefusalReason.TOO_LARGE, codec.signal(), 0, message);
    return encode(HttpStatus.REQUEST_ENTITY_TOO_LARGE, format, status(Code.RESOURCE_EXHAUSTED, message), null);
  }

  private static com.google.rpc.Status status(Code code, String message) {
    return com.google.rpc.Status.newBuilder().setCode(code.getNumber()).setMessage(message).build();
  }

  private static HttpResponse encode(HttpStatus status, MediaType format, Message body, Duration retryAfter) {
    ResponseHeadersBuilder headers = ResponseHeaders.builder(status).contentType(format);
    if (retryAfter != null) {
      headers.add(HttpHeaderNames.RETRY_AFTER, Long.toString(retryAfterSeconds(retryAfter)));
    }
    byte[] bytes = format == JSON ? OtlpJson.encodeToBytes(body) : body.toByteArray();
    return HttpResponse.of(headers.build(), HttpData.wrap(bytes));
  }

  /** Retry-After takes whole seconds: round up, and never say 0 (which would invite an immediate retry storm). */
  static long retryAfterSeconds(Duration d) {
    long s = d.getSeconds() + (d.getNano() > 0 ? 1 : 0);
    return Math.max(1, s);
  }

  /** Our canonical media type for a request's content type, or null when unsupported. */
  private static MediaType format(MediaType contentType) {
    if (contentType == null || !contentType.type().equals("application")) {
      return null;
    }
    switch (contentType.subtype()) {
      case "x-protobuf":
        return PROTOBUF;
      case "json":
        return JSON;
      default:
        return null;
    }
  }
}
