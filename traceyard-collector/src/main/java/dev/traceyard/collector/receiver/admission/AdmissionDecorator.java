package dev.traceyard.collector.receiver.admission;

import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import java.time.Duration;

/**
 * Admission control in front of a receiver's services: each request's body bytes are counted in an
 * {@link AdmissionLimiter} as they arrive, before anything is decompressed or decoded, and released
 * when the request is answered. A request with a {@code Content-Length} is refused before its body is
 * read; one without (gRPC, chunked HTTP) is aborted with {@link AdmissionRefusedException} at the chunk
 * that would pass the limit, which the service turns into its retryable answer.
 */
public final class AdmissionDecorator implements DecoratingHttpServiceFunction {
  /** How long clients are asked to wait: a few slow consumes, not long enough to pile up data. */
  public static final Duration RETRY_AFTER = Duration.ofSeconds(1);

  /** How a protocol counts, logs and answers a refusal. */
  public interface Refusals {
    /** Counts and logs (rate-limited) one refused request; called once per request. */
    void count(ServiceRequestContext ctx, String detail);

    /** The answer to a request refused before its body was read. */
    HttpResponse respond(ServiceRequestContext ctx, HttpRequest req, String message, Duration retryAfter);
  }

  private final AdmissionLimiter limiter;
  private final long maxRequestBytes;
  private final Refusals refusals;

  /**
   * @param maxRequestBytes a declared body over this size is passed through untouched, for the service
   *     to refuse as too large (permanently) rather than as overload
   */
  public AdmissionDecorator(AdmissionLimiter limiter, long maxRequestBytes, Refusals refusals) {
    this.limiter = limiter;
    this.maxRequestBytes = maxRequestBytes;
    this.refusals = refusals;
  }

  @Override
  public HttpResponse serve(HttpService delegate, ServiceRequestContext ctx, HttpRequest req) throws Exception {
    long declared = req.headers().contentLength();
    if (declared > maxRequestBytes) {
      return delegate.serve(ctx, req);
    }
    AdmissionLimiter.Ticket ticket = limiter.open();
    // Completes once the answer is sent (after consume() returned) or the exchange failed.
    ctx.log().whenComplete().whenComplete((log, e) -> ticket.close());
    if (declared >= 0) {
      if (!ticket.acquire(declared)) {
        String message = message(declared);
        refusals.count(ctx, message);
        HttpResponse refused = refusals.respond(ctx, req, message, RETRY_AFTER);
        // The body may still be arriving: without an abort, Armeria keeps it buffered (in direct memory)
        // until the request ends or times out, which under a flood is exactly the memory this limit guards.
        refused.whenComplete().handle((v, e) -> {
          req.abort();
          return null;
        });
        return refused;
      }
      return delegate.serve(ctx, req);
    }
    HttpRequest counted = req.mapData(data -> {
      if (!ticket.acquire(data.length())) {
        data.close();
        String message = message(ticket.held() + data.length());
        refusals.count(ctx, message);
        throw new AdmissionRefusedException(message);
      }
      return data;
    });
    ctx.updateRequest(counted);
    return delegate.serve(ctx, counted);
  }

  private String message(long requestBytes) {
    return "over the admission limit: " + limiter.inFlightBytes() + " request bytes in flight, limit "
        + limiter.limitBytes() + " (admission.request_limit_mib), this request " + requestBytes
        + "+ bytes; retry later";
  }
}
