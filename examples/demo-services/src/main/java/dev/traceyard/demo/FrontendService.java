package dev.traceyard.demo;

import com.google.protobuf.Struct;
import com.linecorp.armeria.client.grpc.GrpcClientBuilder;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.traceyard.sdk.ArmeriaTracing;
import dev.traceyard.sdk.ContextExecutors;
import dev.traceyard.sdk.ContextFutures;
import dev.traceyard.sdk.GrpcTracing;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code frontend}: the HTTP entry point ({@code GET /checkout?user=..&item=..&quantity=..}). Calls checkout
 * over gRPC while it computes recommendations on a thread pool, and answers with both.
 */
final class FrontendService implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(DemoOptions.Service.FRONTEND.loggerName());
  private static final List<String> RELATED = List.of("sku-cable", "sku-case", "sku-charger", "sku-stand");

  private final ServiceTelemetry telemetry;
  private final Dice dice;
  private final Channel checkout;
  private final ExecutorService workers;
  private final Server server;

  FrontendService(ServiceTelemetry telemetry, Dice dice, URI checkoutUri, int port) {
    this.telemetry = telemetry;
    this.dice = dice;
    AtomicInteger threads = new AtomicInteger();
    this.workers = ContextExecutors.wrap(Executors.newFixedThreadPool(2, task -> {
      Thread t = new Thread(task, "frontend-worker-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    }));
    GrpcClientBuilder client = GrpcClients.builder(checkoutUri).clientStubFactory(CheckoutApi.CHANNEL_FACTORY);
    if (telemetry.instrumentLibraries()) {
      client.intercept(GrpcTracing.create(telemetry.openTelemetry()).clientInterceptor());
    }
    this.checkout = client.build(Channel.class);

    ServerBuilder sb = Server.builder().http(new InetSocketAddress("127.0.0.1", port));
    HttpService handler = (ctx, req) -> checkout(ctx);
    sb.route().get("/checkout").build(
        telemetry.instrumentLibraries()
            ? handler.decorate(ArmeriaTracing.create(telemetry.openTelemetry()).serverDecorator())
            : handler);
    server = sb.build();
    server.start().join();
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + server.activeLocalPort());
  }

  private HttpResponse checkout(ServiceRequestContext ctx) {
    String user = param(ctx, "user", "guest");
    String item = param(ctx, "item", "sku-headphones");
    String quantity = param(ctx, "quantity", "1");
    if (!quantity.matches("[1-9][0-9]{0,2}")) {
      return HttpResponse.of(HttpStatus.BAD_REQUEST, MediaType.PLAIN_TEXT_UTF_8, "quantity must be 1-999");
    }
    log.info("checkout requested by {} for {} x {}", user, quantity, item);
    Struct order = CheckoutApi.struct()
        .putFields("user", CheckoutApi.text(user))
        .putFields("item", CheckoutApi.text(item))
        .putFields("quantity", CheckoutApi.number(Integer.parseInt(quantity)))
        .build();
    // both start in the SERVER span's context; ContextFutures keeps it for the stages added below
    CompletableFuture<List<String>> recommendations = ContextFutures.supplyAsync(() -> recommend(item), workers);
    CompletableFuture<Struct> placed = ContextFutures.propagating(placeOrder(order));
    CompletableFuture<HttpResponse> response =
        placed.thenCombine(recommendations, (result, related) -> {
          String orderId = CheckoutApi.text(result, "orderId", "?");
          log.info("order {} confirmed for {}", orderId, user);
          return respond(HttpStatus.OK, MediaType.JSON_UTF_8,
              "{\"orderId\":\"" + orderId + "\",\"amountCents\":" + (long) CheckoutApi.number(result, "amountCents", 0)
                  + ",\"recommendations\":[\"" + String.join("\",\"", related) + "\"]}");
        }).exceptionally(error -> {
          Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
          Span.current().recordException(cause);
          log.error("checkout for {} failed", user, cause);
          HttpStatus status = cause instanceof StatusRuntimeException sre
              && sre.getStatus().getCode() == io.grpc.Status.Code.UNAVAILABLE
              ? HttpStatus.SERVICE_UNAVAILABLE : HttpStatus.INTERNAL_SERVER_ERROR;
          return respond(status, MediaType.PLAIN_TEXT_UTF_8, "checkout failed: " + cause.getMessage());
        });
    return HttpResponse.of(response);
  }

  private CompletableFuture<Struct> placeOrder(Struct order) {
    CompletableFuture<Struct> result = new CompletableFuture<>();
    ClientCalls.asyncUnaryCall(
        checkout.newCall(CheckoutApi.PLACE_ORDER, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS)),
        order,
        new StreamObserver<>() {
          @Override
          public void onNext(Struct value) {
            result.complete(value);
          }

          @Override
          public void onError(Throwable t) {
            result.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            result.complete(Struct.getDefaultInstance()); // no-op when onNext completed it
          }
        });
    return result;
  }

  private List<String> recommend(String item) {
    Span span = telemetry.tracer().spanBuilder("recommendations").setAttribute("demo.item", item).startSpan();
    try (Scope ignored = span.makeCurrent()) {
      Dice.work(dice.millis(2, 20));
      List<String> related = RELATED.stream().filter(s -> !s.equals(item)).limit(2).toList();
      log.info("recommending {} with {}", related, item);
      return related;
    } finally {
      span.end();
    }
  }

  /** Tells the caller its trace id ({@code x-trace-id}), so a support ticket can name the trace. */
  private static HttpResponse respond(HttpStatus status, MediaType type, String body) {
    ResponseHeaders headers = ResponseHeaders.builder(status)
        .contentType(type)
        .add(DemoServices.TRACE_ID_HEADER, Span.current().getSpanContext().getTraceId())
        .build();
    return HttpResponse.of(headers, HttpData.ofUtf8(body));
  }

  private static String param(ServiceRequestContext ctx, String name, String fallback) {
    String value = ctx.queryParam(name);
    return value == null || value.isBlank() ? fallback : value;
  }

  @Override
  public void close() {
    server.stop().join();
    workers.shutdownNow();
  }
}
