package dev.traceyard.store.http;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.traceyard.collector.telemetry.RateLimitedLogger;
import dev.traceyard.store.query.BadQueryException;
import java.util.concurrent.CompletableFuture;

/** Runs query handlers off the event loop (they hit the database) and maps failures to HTTP statuses. */
final class Handlers {
  private Handlers() {}

  @FunctionalInterface
  interface Handler {
    HttpResponse handle(ServiceRequestContext ctx);
  }

  @FunctionalInterface
  interface ErrorBody {
    HttpResponse error(HttpStatus status, String message);
  }

  static HttpService blocking(RateLimitedLogger log, ErrorBody errors, Handler h) {
    return (ctx, req) -> HttpResponse.of(CompletableFuture.supplyAsync(() -> {
      try {
        return h.handle(ctx);
      } catch (BadQueryException e) {
        return errors.error(HttpStatus.BAD_REQUEST, e.getMessage());
      } catch (NotFoundException e) {
        return errors.error(HttpStatus.NOT_FOUND, e.getMessage());
      } catch (RuntimeException e) {
        log.warn("query {} failed: {}", ctx.path(), e.toString());
        return errors.error(HttpStatus.INTERNAL_SERVER_ERROR, "internal error: " + e.getMessage());
      }
    }, ctx.blockingTaskExecutor()));
  }
}
