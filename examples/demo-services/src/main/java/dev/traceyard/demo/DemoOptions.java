package dev.traceyard.demo;

import dev.traceyard.sdk.TraceyardBuilder;
import java.net.URI;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * How {@link DemoServices} runs: where telemetry goes, which services run here, how often they fail or
 * are slow, and the load driver's rate. Validated when built, so a bad value fails before anything starts.
 */
public final class DemoOptions {

  /** A service of the demo; its name is the {@code service.name} it reports. */
  public enum Service {
    FRONTEND("frontend"),
    CHECKOUT("checkout"),
    PAYMENTS("payments"),
    INVENTORY("inventory");

    private final String serviceName;

    Service(String serviceName) {
      this.serviceName = serviceName;
    }

    public String serviceName() {
      return serviceName;
    }

    /** The logger name prefix of this service's code, e.g. {@code dev.traceyard.demo.checkout}. */
    public String loggerName() {
      return "dev.traceyard.demo." + serviceName;
    }

    public static Service parse(String name) {
      for (Service s : values()) {
        if (s.serviceName.equalsIgnoreCase(name)) {
          return s;
        }
      }
      throw new IllegalArgumentException(
          "unknown service '" + name + "': expected one of frontend, checkout, payments, inventory");
    }
  }

  final String otlpEndpoint;
  final Set<Service> services;
  final URI inventoryUri;
  final URI checkoutUri;
  final double requestsPerSecond;
  final double errorRate;
  final double slowRate;
  final long seed;
  final int frontendPort;
  final int inventoryPort;
  final boolean consoleLogs;
  final boolean useGlobalOpenTelemetry;
  final BiConsumer<Service, TraceyardBuilder> sdkCustomizer;

  private DemoOptions(Builder b) {
    this.otlpEndpoint = b.otlpEndpoint;
    this.services = Set.copyOf(b.services);
    this.inventoryUri = b.inventoryUri;
    this.checkoutUri = b.checkoutUri;
    this.requestsPerSecond = b.requestsPerSecond;
    this.errorRate = b.errorRate;
    this.slowRate = b.slowRate;
    this.seed = b.seed;
    this.frontendPort = b.frontendPort;
    this.inventoryPort = b.inventoryPort;
    this.consoleLogs = b.consoleLogs;
    this.useGlobalOpenTelemetry = b.useGlobalOpenTelemetry;
    this.sdkCustomizer = b.sdkCustomizer;
  }

  public static Builder builder() {
    return new Builder();
  }

  public static final class Builder {
    private String otlpEndpoint;
    private Set<Service> services = EnumSet.allOf(Service.class);
    private URI inventoryUri;
    private URI checkoutUri;
    private double requestsPerSecond;
    private double errorRate = 0.03;
    private double slowRate = 0.05;
    private long seed = System.nanoTime();
    private int frontendPort;
    private int inventoryPort;
    private boolean consoleLogs;
    private boolean useGlobalOpenTelemetry;
    private BiConsumer<Service, TraceyardBuilder> sdkCustomizer = (service, builder) -> {};

    private Builder() {}

    /**
     * OTLP/gRPC endpoint ({@code http://host:4317}) the services export traces, metrics and logs to.
     * Without one the SDK's own defaults (and the {@code OTEL_*} environment) apply.
     */
    public Builder otlpEndpoint(String endpoint) {
      this.otlpEndpoint = endpoint;
      return this;
    }

    /** The services started in this process (default all four). */
    public Builder services(Set<Service> services) {
      if (services == null || services.isEmpty()) {
        throw new IllegalArgumentException("services: at least one service must run");
      }
      this.services = EnumSet.copyOf(services);
      return this;
    }

    /** Where checkout finds inventory when inventory does not run in this process. */
    public Builder inventoryUri(URI uri) {
      this.inventoryUri = Objects.requireNonNull(uri, "inventoryUri");
      return this;
    }

    /** Where frontend finds checkout's gRPC server when checkout does not run in this process. */
    public Builder checkoutUri(URI uri) {
      this.checkoutUri = Objects.requireNonNull(uri, "checkoutUri");
      return this;
    }

    /** Load driver rate against frontend; 0 (the default) starts no load driver. */
    public Builder requestsPerSecond(double rate) {
      if (!(rate >= 0) || Double.isInfinite(rate)) {
        throw new IllegalArgumentException("requestsPerSecond: must be a number >= 0, got " + rate);
      }
      this.requestsPerSecond = rate;
      return this;
    }

    /** Share of operations that fail with a recorded exception (default 0.03). */
    public Builder errorRate(double rate) {
      this.errorRate = share(rate, "errorRate");
      return this;
    }

    /** Share of operations that take several hundred milliseconds (default 0.05). */
    public Builder slowRate(double rate) {
      this.slowRate = share(rate, "slowRate");
      return this;
    }

    /** Seed of the latency/error dice, for reproducible runs. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Port of frontend's HTTP server (default 0: any free port). */
    public Builder frontendPort(int port) {
      this.frontendPort = port(port, "frontendPort");
      return this;
    }

    /** Port of inventory's HTTP server (default 0: any free port). */
    public Builder inventoryPort(int port) {
      this.inventoryPort = port(port, "inventoryPort");
      return this;
    }

    /** Also print the services' log lines (with their trace ids) on the console (default false). */
    public Builder consoleLogs(boolean console) {
      this.consoleLogs = console;
      return this;
    }

    /**
     * Use {@code GlobalOpenTelemetry} (installed by the OpenTelemetry Java agent) instead of one
     * traceyard-sdk instance per service, and leave HTTP/gRPC instrumentation to the agent.
     */
    public Builder useGlobalOpenTelemetry(boolean global) {
      this.useGlobalOpenTelemetry = global;
      return this;
    }

    /** Last word on each service's SDK builder (tests add in-memory exporters here). */
    public Builder sdkCustomizer(BiConsumer<Service, TraceyardBuilder> customizer) {
      this.sdkCustomizer = Objects.requireNonNull(customizer, "sdkCustomizer");
      return this;
    }

    public DemoOptions build() {
      if (services.contains(Service.CHECKOUT) && !services.contains(Service.INVENTORY) && inventoryUri == null) {
        throw new IllegalArgumentException("inventoryUri: checkout runs here without inventory; say where inventory is");
      }
      if (services.contains(Service.CHECKOUT) != services.contains(Service.PAYMENTS)) {
        // the queue between them is in-process
        throw new IllegalArgumentException("services: checkout and payments share an in-process queue; run both or neither");
      }
      if (services.contains(Service.FRONTEND) && !services.contains(Service.CHECKOUT) && checkoutUri == null) {
        throw new IllegalArgumentException("checkoutUri: frontend runs here without checkout; say where checkout is");
      }
      if (requestsPerSecond > 0 && !services.contains(Service.FRONTEND)) {
        throw new IllegalArgumentException("requestsPerSecond: the load driver calls frontend, which does not run here");
      }
      return new DemoOptions(this);
    }

    private static double share(double rate, String name) {
      if (!(rate >= 0 && rate <= 1)) {
        throw new IllegalArgumentException(name + ": must be between 0 and 1, got " + rate);
      }
      return rate;
    }

    private static int port(int port, String name) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException(name + ": must be between 0 and 65535, got " + port);
      }
      return port;
    }
  }
}
