package dev.traceyard.collector.service;

import dev.traceyard.collector.component.Component;
import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.ComponentKind;
import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Connector;
import dev.traceyard.collector.component.ConnectorFactory;
import dev.traceyard.collector.component.Exporter;
import dev.traceyard.collector.component.ExporterFactory;
import dev.traceyard.collector.component.Extension;
import dev.traceyard.collector.component.ExtensionFactory;
import dev.traceyard.collector.component.Host;
import dev.traceyard.collector.component.Processor;
import dev.traceyard.collector.component.ProcessorFactory;
import dev.traceyard.collector.component.Receiver;
import dev.traceyard.collector.component.ReceiverFactory;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.consumer.Consumer;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import dev.traceyard.collector.telemetry.TelemetryServer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link ServiceConfig}: builds the pipeline graph, starts components in dependency order
 * (extensions, exporters, processors, receivers) and stops them in reverse, so that on shutdown
 * receivers stop taking data first and what is in flight drains to the exporters.
 */
public final class Service implements Host {
  private static final Logger LOG = LoggerFactory.getLogger(Service.class);

  private final ServiceConfig config;
  private final SelfTelemetry telemetry;
  private final Map<ComponentId, Extension> extensions = new LinkedHashMap<>();
  private final Map<ComponentId, Exporter> exporters = new LinkedHashMap<>();
  private final List<Processor> processors = new ArrayList<>();
  /** Processors of pipelines fed by a connector: they stop after the connectors, so nothing is lost. */
  private final List<Processor> downstreamProcessors = new ArrayList<>();
  private final Map<ComponentId, Connector> connectors = new LinkedHashMap<>();
  private final Map<ComponentId, Receiver> receivers = new LinkedHashMap<>();
  private final List<Component> started = new ArrayList<>();
  /** The head of every pipeline by id, for processors that emit into a pipeline (Host#pipeline). */
  private final Map<String, Consumer> pipelineEntries = new LinkedHashMap<>();
  private final AtomicBoolean shutdown = new AtomicBoolean();
  private volatile boolean ready;
  private TelemetryServer telemetryServer;

  private Service(ServiceConfig config, SelfTelemetry telemetry) {
    this.config = config;
    this.telemetry = telemetry;
  }

  /** Builds every component of the config; nothing is started or bound yet. */
  public static Service create(ServiceConfig config, SelfTelemetry telemetry) {
    Service s = new Service(config, telemetry);
    s.build();
    return s;
  }

  private void build() {
    for (ComponentId id : config.extensions) {
      extensions.put(id, createExtension(config.components.get(ComponentKind.EXTENSION).get(id)));
    }
    Map<ComponentId, SignalRouter> connectorRouters = new LinkedHashMap<>();
    // One placeholder per (connector, pipeline it feeds), filled in once that pipeline's head exists.
    Map<ComponentId, Map<String, SignalRouter>> pipelineHeads = new LinkedHashMap<>();
    for (ComponentId id : config.components.get(ComponentKind.CONNECTOR).keySet()) {
      boolean used = config.pipelines.stream().anyMatch(p -> p.exporters().contains(id));
      if (used) {
        SignalRouter router = new SignalRouter(Map.of());
        connectorRouters.put(id, router);
        Map<Signal, Map<String, Consumer>> byPipeline = new EnumMap<>(Signal.class);
        for (PipelineConfig p : config.pipelines) {
          if (p.receivers().contains(id)) {
            SignalRouter head = new SignalRouter(Map.of());
            pipelineHeads.computeIfAbsent(id, k -> new LinkedHashMap<>()).put(p.id(), head);
            byPipeline.computeIfAbsent(p.signal(), k -> new LinkedHashMap<>()).put(p.id(), head);
          }
        }
        connectors.put(id, createConnector(config.components.get(ComponentKind.CONNECTOR).get(id), router, byPipeline));
      }
    }
    Map<ComponentId, Map<Signal, List<Consumer>>> receiverRoutes = new LinkedHashMap<>();
    Map<ComponentId, Map<Signal, List<Consumer>>> connectorRoutes = new LinkedHashMap<>();
    for (PipelineConfig p : config.pipelines) {
      List<Consumer> outs = new ArrayList<>();
      for (ComponentId id : p.exporters()) {
        outs.add(connectors.containsKey(id) ? connectors.get(id)
            : exporters.computeIfAbsent(id, k -> createExporter(config.components.get(ComponentKind.EXPORTER).get(k))));
      }
      Consumer next = FanoutConsumer.of(outs);
      List<Processor> chain = new ArrayList<>();
      for (int i = p.processors().size() - 1; i >= 0; i--) {
        ComponentId id = p.processors().get(i);
        Processor proc = createProcessor(config.components.get(ComponentKind.PROCESSOR).get(id), p.signal(), next);
        chain.add(0, proc);
        next = proc;
      }
      pipelineEntries.put(p.id(), next);
      boolean fedByConnector = p.receivers().stream().anyMatch(connectors::containsKey);
      (fedByConnector ? downstreamProcessors : processors).addAll(chain);
      for (ComponentId id : p.receivers()) {
        SignalRouter head = pipelineHeads.getOrDefault(id, Map.of()).get(p.id());
        if (head != null) {
          head.set(p.signal(), next);
        }
        (connectors.containsKey(id) ? connectorRoutes : receiverRoutes).computeIfAbsent(id, k -> new EnumMap<>(Signal.class))
            .computeIfAbsent(p.signal(), k -> new ArrayList<>()).add(next);
      }
    }
    connectorRoutes.forEach((id, routes) ->
        routes.forEach((signal, heads) -> connectorRouters.get(id).set(signal, FanoutConsumer.of(heads))));
    receiverRoutes.forEach((id, routes) -> {
      Map<Signal, Consumer> bySignal = new EnumMap<>(Signal.class);
      routes.forEach((signal, heads) -> bySignal.put(signal, FanoutConsumer.of(heads)));
      receivers.put(id, createReceiver(config.components.get(ComponentKind.RECEIVER).get(id),
          new SignalRouter(bySignal), EnumSet.copyOf(bySignal.keySet())));
    });
  }

  @SuppressWarnings("unchecked")
  private <C> Receiver createReceiver(ParsedComponent<C> pc, Consumer next, Set<Signal> wired) {
    return ((ReceiverFactory<C>) pc.factory).create(settings(pc), pc.config, next, wired);
  }

  @SuppressWarnings("unchecked")
  private <C> Processor createProcessor(ParsedComponent<C> pc, Signal signal, Consumer next) {
    return ((ProcessorFactory<C>) pc.factory).create(settings(pc), pc.config, signal, next);
  }

  @SuppressWarnings("unchecked")
  private <C> Exporter createExporter(ParsedComponent<C> pc) {
    return ((ExporterFactory<C>) pc.factory).create(settings(pc), pc.config);
  }

  @SuppressWarnings("unchecked")
  private <C> Connector createConnector(ParsedComponent<C> pc, Consumer next, Map<Signal, Map<String, Consumer>> pipelines) {
    return ((ConnectorFactory<C>) pc.factory).create(settings(pc), pc.config, next, pipelines);
  }

  @SuppressWarnings("unchecked")
  private <C> Extension createExtension(ParsedComponent<C> pc) {
    return ((ExtensionFactory<C>) pc.factory).create(settings(pc), pc.config);
  }

  private ComponentSettings settings(ParsedComponent<?> pc) {
    return new ComponentSettings(pc.id, pc.kind, telemetry);
  }

  /**
   * Starts the telemetry endpoint and every component. On failure, stops what was started and
   * rethrows with the failing component named.
   */
  public void start() throws ServiceStartException {
    try {
      if (config.telemetry.metricsAddress() != null) {
        telemetryServer = TelemetryServer.start(config.telemetry.metricsAddress(), telemetry);
        LOG.info("self-telemetry listening on {} (GET /metrics)", telemetryServer.address());
      }
    } catch (RuntimeException e) {
      throw new ServiceStartException("service.telemetry.metrics: cannot listen on "
          + config.telemetry.metricsAddress() + ": " + rootMessage(e), e);
    }
    try {
      for (Map.Entry<ComponentId, Extension> e : extensions.entrySet()) {
        startOne("extension", e.getKey(), e.getValue());
      }
      for (Map.Entry<ComponentId, Exporter> e : exporters.entrySet()) {
        startOne("exporter", e.getKey(), e.getValue());
      }
      // Last processor of each pipeline first, so a processor never sends into one not yet started;
      // pipelines fed by connectors before the connectors, and those before the pipelines feeding them.
      for (int i = downstreamProcessors.size() - 1; i >= 0; i--) {
        startOne("processor", null, downstreamProcessors.get(i));
      }
      for (Map.Entry<ComponentId, Connector> e : connectors.entrySet()) {
        startOne("connector", e.getKey(), e.getValue());
      }
      for (int i = processors.size() - 1; i >= 0; i--) {
        startOne("processor", null, processors.get(i));
      }
      for (Map.Entry<ComponentId, Receiver> e : receivers.entrySet()) {
        startOne("receiver", e.getKey(), e.getValue());
        e.getValue().boundAddresses().forEach((transport, addr) ->
            LOG.info("receiver {} listening for {} on {}", e.getKey(), transport, format(addr)));
      }
    } catch (ServiceStartException e) {
      shutdown(Duration.ofSeconds(10));
      throw e;
    }
    ready = true;
    extensions.values().forEach(Extension::ready);
    exporters.values().forEach(Exporter::ready);
    LOG.info("everything is ready: {} pipeline(s) running: {}", config.pipelines.size(), config.pipelineIds());
  }

  private void startOne(String kind, ComponentId id, Component c) throws ServiceStartException {
    try {
      c.start(this);
      started.add(c);
    } catch (Exception | LinkageError e) {
      throw new ServiceStartException(kind + (id == null ? "" : " '" + id + "'") + " failed to start: " + rootMessage(e), e);
    }
  }

  /**
   * Stops receivers, then processors in pipeline order (flushing buffered data downstream), then
   * exporters (draining their queues), then extensions. Returns after at most {@code timeout}; a
   * component that does not stop in time is left behind and logged.
   */
  public boolean shutdown(Duration timeout) {
    if (!shutdown.compareAndSet(false, true)) {
      return true;
    }
    ready = false;
    extensions.values().forEach(Extension::notReady);
    List<Component> order = new ArrayList<>();
    receivers.values().forEach(order::add);
    order.addAll(processors);
    connectors.values().forEach(order::add);
    order.addAll(downstreamProcessors);
    exporters.values().forEach(order::add);
    List<Extension> ext = new ArrayList<>(extensions.values());
    Collections.reverse(ext);
    order.addAll(ext);
    Thread stopper = new Thread(() -> {
      for (Component c : order) {
        if (!started.contains(c)) {
          continue;
        }
        try {
          c.shutdown();
        } catch (RuntimeException e) {
          LOG.warn("component failed to shut down cleanly", e);
        }
      }
    }, "traceyard-shutdown");
    stopper.start();
    boolean done;
    try {
      stopper.join(Math.max(1, timeout.toMillis()));
      done = !stopper.isAlive();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      done = false;
    }
    if (!done) {
      LOG.warn("shutdown did not finish within {}; data still buffered may be lost", timeout);
    }
    if (telemetryServer != null) {
      telemetryServer.stop();
    }
    return done;
  }

  public boolean isReady() {
    return ready;
  }

  @Override
  public Optional<Extension> extension(ComponentId id) {
    return Optional.ofNullable(extensions.get(id));
  }

  @Override
  public Optional<Consumer> pipeline(String id) {
    Consumer head = pipelineEntries.get(id);
    return head == null ? Optional.empty() : Optional.of(batch -> Guarded.consume(head, batch));
  }

  public SelfTelemetry telemetry() {
    return telemetry;
  }

  public Receiver receiver(ComponentId id) {
    return receivers.get(id);
  }

  public Exporter exporter(ComponentId id) {
    return exporters.get(id);
  }

  public Connector connector(ComponentId id) {
    return connectors.get(id);
  }

  /** Where {@code /metrics} is served, or null when self-telemetry is off. */
  public InetSocketAddress metricsAddress() {
    return telemetryServer == null ? null : telemetryServer.address();
  }

  private static String format(InetSocketAddress a) {
    return a.getAddress() == null ? a.toString() : a.getAddress().getHostAddress() + ":" + a.getPort();
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    return t == e ? m : e.getMessage() == null || e.getMessage().equals(m) ? m : e.getMessage() + " (" + m + ")";
  }
}
