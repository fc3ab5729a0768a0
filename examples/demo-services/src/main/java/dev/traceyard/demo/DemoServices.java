package dev.traceyard.demo;

import dev.traceyard.demo.DemoOptions.Service;
import io.opentelemetry.api.OpenTelemetry;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo services running in this process, each with its own traceyard-sdk instance and
 * {@code service.name}: {@code frontend} (HTTP) -> {@code checkout} (gRPC) -> {@code inventory} (HTTP, with
 * database CLIENT spans) and, through an in-process queue, -> {@code payments}. Optionally a
 * {@link LoadDriver} calls frontend at a fixed rate. {@link #close()} stops everything and flushes telemetry.
 */
public final class DemoServices implements AutoCloseable {

  /** frontend's response header carrying the request's trace id. */
  public static final String TRACE_ID_HEADER = "x-trace-id";
  /** Parent logger of every service's logger ({@code dev.traceyard.demo.<service>}). */
  public static final String LOGGER = "dev.traceyard.demo";
  /**
   * The OpenTelemetry MDC appender on {@link #LOGGER}: appenders attached to it see each demo log event
   * with {@code trace_id}/{@code span_id} in its MDC.
   */
  public static final String MDC_APPENDER = "traceyard-demo-mdc";

  private static final Logger log = LoggerFactory.getLogger(DemoServices.class);

  private final Map<Service, ServiceTelemetry> telemetry;
  private final Deque<AutoCloseable> toClose = new ArrayDeque<>();
  private URI frontend;
  private URI checkout;
  private URI inventory;
  private PaymentsService payments;
  private LoadDriver loadDriver;

  private DemoServices(Map<Service, ServiceTelemetry> telemetry) {
    this.telemetry = telemetry;
  }

  /** Starts the services {@code options} name (leaves first), then the load driver if a rate is set. */
  public static DemoServices start(DemoOptions options) {
    Map<Service, ServiceTelemetry> telemetry = new EnumMap<>(Service.class);
    DemoServices demo = new DemoServices(telemetry);
    try {
      for (Service service : options.services) {
        ServiceTelemetry t = ServiceTelemetry.create(service, options);
        telemetry.put(service, t);
        demo.toClose.push(t); // SDKs close last, after the services whose spans they flush
      }
      Map<Service, OpenTelemetry> bridges = new EnumMap<>(Service.class);
      if (!options.useGlobalOpenTelemetry) {
        telemetry.forEach((service, t) -> bridges.put(service, t.openTelemetry()));
      }
      demo.toClose.push(DemoLogging.install(bridges, options.consoleLogs));

      long seed = options.seed;
      demo.inventory = options.inventoryUri;
      if (options.services.contains(Service.INVENTORY)) {
        InventoryService inventory = new InventoryService(telemetry.get(Service.INVENTORY),
            new Dice(seed + 1, options.errorRate, options.slowRate), options.inventoryPort);
        demo.toClose.push(inventory);
        demo.inventory = inventory.uri();
      }
      demo.checkout = options.checkoutUri;
      if (options.services.contains(Service.CHECKOUT)) {
        PaymentQueue queue = new PaymentQueue(10_000);
        demo.payments = new PaymentsService(telemetry.get(Service.PAYMENTS),
            new Dice(seed + 2, options.errorRate, options.slowRate), queue);
        demo.toClose.push(demo.payments);
        CheckoutService checkout = new CheckoutService(telemetry.get(Service.CHECKOUT),
            new Dice(seed + 3, options.errorRate, options.slowRate), queue, demo.inventory);
        demo.toClose.push(checkout);
        demo.checkout = checkout.uri();
      }
      if (options.services.contains(Service.FRONTEND)) {
        FrontendService frontend = new FrontendService(telemetry.get(Service.FRONTEND),
            new Dice(seed + 4, options.errorRate, options.slowRate), demo.checkout, options.frontendPort);
        demo.toClose.push(frontend);
        demo.frontend = frontend.uri();
      }
      if (options.requestsPerSecond > 0) {
        demo.loadDriver = new LoadDriver(demo.frontend, options.requestsPerSecond, seed + 5);
        demo.toClose.push(demo.loadDriver);
      }
      return demo;
    } catch (RuntimeException | Error e) {
      demo.close();
      throw e;
    }
  }

  /** frontend's base URI ({@code /checkout} lives under it); empty when frontend runs elsewhere. */
  public Optional<URI> frontendUri() {
    return Optional.ofNullable(frontend);
  }

  /** checkout's gRPC server; empty when checkout runs elsewhere. */
  public Optional<URI> checkoutUri() {
    return Optional.ofNullable(checkout);
  }

  /** inventory's base URI, whether it runs here or was given. */
  public Optional<URI> inventoryUri() {
    return Optional.ofNullable(inventory);
  }

  public Optional<LoadDriver> loadDriver() {
    return Optional.ofNullable(loadDriver);
  }

  /** Payment messages payments has handled since start (0 when payments runs elsewhere). */
  public long paymentsProcessed() {
    return payments == null ? 0 : payments.processed();
  }

  /** Exports every service's buffered spans, metrics and logs; true when all finished within {@code timeout}. */
  public boolean flush(Duration timeout) {
    boolean ok = true;
    for (ServiceTelemetry t : telemetry.values()) {
      ok &= t.flush(timeout);
    }
    return ok;
  }

  /** Stops the load driver and the services, then flushes and shuts down their SDKs. */
  @Override
  public void close() {
    List<Exception> failures = new ArrayList<>();
    while (!toClose.isEmpty()) {
      try {
        toClose.pop().close();
      } catch (Exception e) {
        failures.add(e);
      }
    }
    failures.forEach(e -> log.warn("stopping a demo service failed", e));
  }
}
