package dev.traceyard.demo;

import com.google.protobuf.Struct;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.grpc.GrpcService;
import dev.traceyard.sdk.ContextExecutors;
import dev.traceyard.sdk.ContextFutures;
import dev.traceyard.sdk.GrpcTracing;
import dev.traceyard.sdk.HttpClientTracing;
import dev.traceyard.sdk.Messaging;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code checkout}: the gRPC {@code PlaceOrder} method. Checks fraud on a CompletableFuture and prices the
 * order on a thread pool while it reserves stock in {@code inventory} over HTTP, then puts a payment
 * request on the queue {@code payments} consumes (a PRODUCER span whose context travels in the headers).
 */
final class CheckoutService implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(DemoOptions.Service.CHECKOUT.loggerName());

  /** Inventory answered with an error or not at all. */
  static final class InventoryUnavailableException extends Exception {
    InventoryUnavailableException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final ServiceTelemetry telemetry;
  private final Dice dice;
  private final PaymentQueue queue;
  private final URI inventory;
  private final ExecutorService workers;
  private final HttpClient http;
  private final HttpClientTracing httpTracing;
  private final Messaging messaging;
  private final Server server;

  CheckoutService(ServiceTelemetry telemetry, Dice dice, PaymentQueue queue, URI inventory) {
    this.telemetry = telemetry;
    this.dice = dice;
    this.queue = queue;
    this.inventory = inventory;
    AtomicInteger threads = new AtomicInteger();
    // wrapped: every task runs in the context of the code that submitted it
    this.workers = ContextExecutors.wrap(Executors.newFixedThreadPool(4, task -> {
      Thread t = new Thread(task, "checkout-worker-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    }));
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    this.httpTracing = telemetry.instrumentLibraries() ? HttpClientTracing.create(telemetry.openTelemetry()) : null;
    this.messaging = Messaging.create(telemetry.openTelemetry(), PaymentQueue.SYSTEM);

    ServerServiceDefinition definition =
        ServerServiceDefinition.builder(CheckoutApi.SERVICE)
            .addMethod(CheckoutApi.PLACE_ORDER, ServerCalls.asyncUnaryCall(this::placeOrder))
            .build();
    if (telemetry.instrumentLibraries()) {
      definition = ServerInterceptors.intercept(
          definition, GrpcTracing.create(telemetry.openTelemetry()).serverInterceptor());
    }
    server =
        Server.builder()
            .http(new InetSocketAddress("127.0.0.1", 0))
            .service(GrpcService.builder().addService(definition).useBlockingTaskExecutor(true).build())
            .build();
    server.start().join();
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + server.activeLocalPort());
  }

  private void placeOrder(Struct request, StreamObserver<Struct> response) {
    String user = CheckoutApi.text(request, "user", "anonymous");
    String item = CheckoutApi.text(request, "item", "sku-unknown");
    int quantity = (int) CheckoutApi.number(request, "quantity", 1);
    log.info("placing order for {} x {} (user {})", quantity, item, user);

    // parent first, then submit: both tasks capture the SERVER span that is current here
    CompletableFuture<Boolean> fraudChecked =
        ContextFutures.supplyAsync(() -> fraudScore(user), workers)
            .thenApply(score -> {
              log.info("fraud score for {} is {}", user, String.format("%.2f", score));
              return score < 0.97;
            });
    Future<Long> price = workers.submit(() -> priceInCents(item, quantity));
    try {
      reserve(item, quantity);
      long cents = price.get();
      if (!fraudChecked.join()) {
        log.warn("order of {} flagged for manual review", user);
      }
      String orderId = "ord-" + UUID.randomUUID().toString().substring(0, 8);
      publishPayment(orderId, user, cents);
      log.info("order {} placed: {} x {} for {} cents", orderId, quantity, item, cents);
      response.onNext(CheckoutApi.struct()
          .putFields("orderId", CheckoutApi.text(orderId))
          .putFields("amountCents", CheckoutApi.number(cents))
          .build());
      response.onCompleted();
    } catch (InventoryUnavailableException e) {
      Span.current().recordException(e);
      log.error("order for {} x {} failed", quantity, item, e);
      response.onError(Status.UNAVAILABLE.withDescription(e.getMessage()).withCause(e).asRuntimeException());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      response.onError(Status.CANCELLED.withDescription("interrupted").asRuntimeException());
    } catch (ExecutionException e) {
      Span.current().recordException(e.getCause());
      log.error("pricing {} failed", item, e.getCause());
      response.onError(Status.INTERNAL.withDescription("pricing failed").asRuntimeException());
    }
  }

  private double fraudScore(String user) {
    Span span = telemetry.tracer().spanBuilder("fraud check").setAttribute("enduser.id", user).startSpan();
    try (Scope ignored = span.makeCurrent()) {
      Dice.work(dice.millis(3, 25));
      double score = dice.nextInt(1000) / 1000.0;
      span.setAttribute("fraud.score", score);
      return score;
    } finally {
      span.end();
    }
  }

  private long priceInCents(String item, int quantity) {
    Span span = telemetry.tracer().spanBuilder("price quote").setAttribute("demo.item", item).startSpan();
    try (Scope ignored = span.makeCurrent()) {
      Dice.work(dice.slow() ? dice.millis(200, 600) : dice.millis(2, 15));
      long cents = (long) quantity * (499 + Math.abs(item.hashCode() % 5000));
      log.info("priced {} x {} at {} cents", quantity, item, cents);
      return cents;
    } finally {
      span.end();
    }
  }

  private void reserve(String item, int quantity) throws InventoryUnavailableException {
    HttpRequest request =
        HttpRequest.newBuilder(inventory.resolve("/reserve?sku=" + URLEncoder.encode(item, StandardCharsets.UTF_8)
                + "&quantity=" + quantity))
            .timeout(Duration.ofSeconds(5))
            .POST(HttpRequest.BodyPublishers.noBody())
            .build();
    HttpResponse<String> answer;
    try {
      answer = httpTracing != null
          ? httpTracing.send(http, request, HttpResponse.BodyHandlers.ofString())
          : http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new InventoryUnavailableException("inventory unreachable: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InventoryUnavailableException("interrupted while reserving stock", e);
    }
    if (answer.statusCode() != 200) {
      throw new InventoryUnavailableException(
          "inventory answered " + answer.statusCode() + ": " + answer.body(), null);
    }
  }

  private void publishPayment(String orderId, String user, long cents) {
    Map<String, String> headers = new HashMap<>();
    headers.put("content-type", "application/json");
    Span send = messaging.startSend(PaymentQueue.DESTINATION, headers);
    try (Scope ignored = send.makeCurrent()) {
      send.setAttribute("messaging.message.id", orderId);
      String body = "{\"orderId\":\"" + orderId + "\",\"user\":\"" + user + "\",\"amountCents\":" + cents + "}";
      if (queue.offer(new PaymentQueue.Message(body, headers))) {
        log.info("payment request for order {} queued", orderId);
      } else {
        send.setStatus(StatusCode.ERROR, "payment queue full");
        log.warn("payment queue full: order {} will be charged on retry", orderId);
      }
    } finally {
      send.end();
    }
  }

  @Override
  public void close() {
    server.stop().join();
    workers.shutdownNow();
  }
}
