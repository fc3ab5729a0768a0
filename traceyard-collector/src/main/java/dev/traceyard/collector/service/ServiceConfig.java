package dev.traceyard.collector.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.ComponentKind;
import dev.traceyard.collector.component.ConnectorFactory;
import dev.traceyard.collector.component.ExporterFactory;
import dev.traceyard.collector.component.Factory;
import dev.traceyard.collector.component.ProcessorFactory;
import dev.traceyard.collector.component.ReceiverFactory;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.ConfigErrors;
import dev.traceyard.collector.config.ConfigException;
import dev.traceyard.collector.config.ConfigNode;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A whole configuration, parsed and checked: every component's config, the pipelines and the
 * service's own telemetry. Parsing collects every error before failing, each naming its path.
 */
public final class ServiceConfig {
  private static final Set<String> TOP_LEVEL = Set.of("receivers", "processors", "exporters", "connectors", "extensions", "service");

  final Map<ComponentKind, Map<ComponentId, ParsedComponent<?>>> components;
  final List<PipelineConfig> pipelines;
  final List<ComponentId> extensions;
  final TelemetryConfig telemetry;

  private ServiceConfig(Map<ComponentKind, Map<ComponentId, ParsedComponent<?>>> components,
      List<PipelineConfig> pipelines, List<ComponentId> extensions, TelemetryConfig telemetry) {
    this.components = components;
    this.pipelines = pipelines;
    this.extensions = extensions;
    this.telemetry = telemetry;
  }

  public TelemetryConfig telemetry() {
    return telemetry;
  }

  /** Pipeline ids as written, e.g. {@code traces}, {@code traces/sampled}. */
  public List<String> pipelineIds() {
    List<String> ids = new ArrayList<>();
    pipelines.forEach(p -> ids.add(p.id()));
    return ids;
  }

  public static ServiceConfig parse(ObjectNode root, ComponentRegistry registry) throws ConfigException {
    ConfigErrors errors = new ConfigErrors();
    Iterator<String> names = root.fieldNames();
    while (names.hasNext()) {
      String k = names.next();
      if (!TOP_LEVEL.contains(k)) {
        errors.add(k, "unknown top-level key '" + k + "' (expected receivers, processors, exporters, connectors, extensions, service)");
      }
    }
    Map<ComponentKind, Map<ComponentId, ParsedComponent<?>>> components = new EnumMap<>(ComponentKind.class);
    for (ComponentKind kind : ComponentKind.values()) {
      components.put(kind, parseSection(root.get(kind.section()), kind, registry, errors));
    }

    ConfigNode service = ConfigNode.of(root.get("service"), "service", errors);
    if (root.get("service") == null) {
      errors.add("service", "is required: define service.pipelines");
    }
    List<ComponentId> extensions = new ArrayList<>();
    List<String> extIds = service.stringList("extensions");
    for (int i = 0; i < extIds.size(); i++) {
      ComponentId id = resolve(extIds.get(i), ComponentKind.EXTENSION, components, "service.extensions[" + i + "]", errors);
      if (id != null) {
        extensions.add(id);
      }
    }
    List<PipelineConfig> pipelines = parsePipelines(service, components, errors);
    checkConnectors(pipelines, components, errors);
    TelemetryConfig telemetry = TelemetryConfig.parse(service.child("telemetry"));
    service.reportUnknownKeys();
    errors.throwIfAny();
    return new ServiceConfig(components, pipelines, extensions, telemetry);
  }

  private static Map<ComponentId, ParsedComponent<?>> parseSection(JsonNode section, ComponentKind kind,
      ComponentRegistry registry, ConfigErrors errors) {
    Map<ComponentId, ParsedComponent<?>> out = new LinkedHashMap<>();
    if (section == null || section.isNull()) {
      return out;
    }
    if (!section.isObject()) {
      errors.add(kind.section(), "expected a mapping of " + kind.noun() + " ids to their settings");
      return out;
    }
    Iterator<Map.Entry<String, JsonNode>> it = section.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      String path = kind.section() + "." + e.getKey();
      ComponentId id;
      try {
        id = ComponentId.parse(e.getKey());
      } catch (IllegalArgumentException ex) {
        errors.add(path, ex.getMessage());
        continue;
      }
      Factory<?> factory = registry.factory(kind, id.type());
      if (factory == null) {
        errors.add(path, "unknown type '" + id.type() + "' (known " + kind.section() + ": "
            + String.join(", ", registry.types(kind)) + ")");
        continue;
      }
      out.put(id, parseOne(id, kind, factory, ConfigNode.of(e.getValue(), path, errors)));
    }
    return out;
  }

  private static <C> ParsedComponent<C> parseOne(ComponentId id, ComponentKind kind, Factory<C> factory, ConfigNode node) {
    C config = factory.parseConfig(node);
    node.reportUnknownKeys();
    return new ParsedComponent<>(id, kind, factory, config);
  }

  private static List<PipelineConfig> parsePipelines(ConfigNode service,
      Map<ComponentKind, Map<ComponentId, ParsedComponent<?>>> components, ConfigErrors errors) {
    List<PipelineConfig> out = new ArrayList<>();
    ConfigNode pipelines = service.child("pipelines");
    if (pipelines.keys().isEmpty()) {
      errors.add("service.pipelines", "at least one pipeline is required");
    }
    for (String key : pipelines.keys()) {
      String path = pipelines.pathOf(key);
      ComponentId pid;
      try {
        pid = ComponentId.parse(key);
      } catch (IllegalArgumentException e) {
        errors.add(path, e.getMessage());
        pipelines.ignore(key);
        continue;
      }
      Signal signal = Signal.fromConfigName(pid.type()).orElse(null);
      if (signal == null) {
        errors.add(path, "unknown pipeline type '" + pid.type() + "' (expected traces, metrics or logs)");
        pipelines.ignore(key);
        continue;
      }
      ConfigNode p = pipelines.child(key);
      List<ComponentId> receivers = refs(p, "receivers", ComponentKind.RECEIVER, signal, components, errors);
      List<ComponentId> processors = refs(p, "processors", ComponentKind.PROCESSOR, signal, components, errors);
      List<ComponentId> exporters = refs(p, "exporters", ComponentKind.EXPORTER, signal, components, errors);
      if (receivers.isEmpty() && !p.has("receivers")) {
        errors.add(path, "must have at least one receiver");
      }
      if (exporters.isEmpty() && !p.has("exporters")) {
        errors.add(path, "must have at least one exporter");
      }
      out.add(new PipelineConfig(pid.toString(), signal, receivers, processors, exporters));
    }
    return out;
  }

  private static List<ComponentId> refs(ConfigNode pipeline, String key, ComponentKind kind, Signal signal,
      Map<ComponentKind, Map<ComponentId, ParsedComponent<?>>> components, ConfigErrors errors) {
    List<String> raw = pipeline.stringList(key);
    if (pipeline.has(key) && raw.isEmpty() && kind != ComponentKind.PROCESSOR) {
      errors.add(pipeline.pathOf(key), "must name at least one " + kind.noun());
    }
    List<ComponentId> out = new ArrayList<>();
    Set<ComponentId> seen = new HashSet<>();
    for (int i = 0; i < raw.size(); i++) {
      String path = pipeline.pathOf(key) + "[" + i + "]";
      ComponentKind actual = kind;
      // A connector may stand where a receiver or an exporter stands, as in otelcol.
      if (kind != ComponentKind.PROCESSOR && isConnector(raw.get(i), components)) {
        actual = ComponentKind.CONNECTOR;
      }
      ComponentId id = resolve(raw.get(i), actual, components, path, errors);
      if (id == null) {
        continue;
      }
      if (!seen.add(id)) {
        errors.add(path, actual.noun() + " '" + id + "' is listed twice in this pipeline");
        continue;
      }
      Set<Signal> supported = actual == ComponentKind.CONNECTOR
          ? connectorSignals(components.get(actual).get(id).factory, kind == ComponentKind.EXPORTER)
          : signalsOf(components.get(actual).get(id).factory);
      if (!supported.contains(signal)) {
        errors.add(path, actual.noun() + " '" + id + "' does not " + (actual == ComponentKind.CONNECTOR
            ? (kind == ComponentKind.EXPORTER ? "take " : "emit ") : "support ") + signal.configName());
        continue;
      }
      out.add(id);
    }
    return out;
  }

  private static boolean isConnector(String raw, Map<ComponentKind, Map<ComponentId, ParsedComponent<?>>> components) {
    try {
      return components.get(ComponentKind.CONNECTOR).containsKey(ComponentId.parse(raw));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static Set<Signal> connectorSignals(Factory<?> f, boolean asExporter) {
    ConnectorFactory<?> c = (ConnectorFactory<?>) f;
    return asExporter ? c.inputs() : c.outputs();
  }

  /** Each used connector must end one pipeline and feed another, and pipelines must not form a cycle. */
  private static void checkConnectors(List<PipelineConfig> pipelines,
      Map<ComponentKind, Map<ComponentId, ParsedComponent<?>>> components, ConfigErrors errors) {
    Set<ComponentId> connectors = components.get(ComponentKind.CONNECTOR).keySet();
    for (ComponentId c : connectors) {
      boolean asExporter = pipelines.stream().anyMatch(p -> p.exporters().contains(c));
      boolean asReceiver = pipelines.stream().anyMatch(p -> p.receivers().contains(c));
      if (asExporter && !asReceiver) {
        errors.add("connectors." + c, "is used as an exporter but no pipeline uses it as a receiver");
      } else if (asReceiver && !asExporter) {
        errors.add("connectors." + c, "is used as a receiver but no pipeline uses it as an exporter");
      }
    }
    for (ComponentId c : connectors) {
      checkPipelineReferences(components.get(ComponentKind.CONNECTOR).get(c), pipelines, errors);
    }
    for (ParsedComponent<?> p : components.get(ComponentKind.PROCESSOR).values()) {
      checkProcessorPipelineReferences(p, pipelines, errors);
    }
    // A pipeline P feeds Q when P exports to a connector that Q receives from.
    for (PipelineConfig start : pipelines) {
      if (reaches(start, start, pipelines, connectors, new HashSet<>())) {
        errors.add("service.pipelines." + start.id(), "forms a cycle through connectors");
      }
    }
  }

  /** Pipelines a connector's config names (e.g. routing's table) must exist and receive from it. */
  @SuppressWarnings("unchecked")
  private static <C> void checkPipelineReferences(ParsedComponent<?> pc, List<PipelineConfig> pipelines, ConfigErrors errors) {
    ParsedComponent<C> typed = (ParsedComponent<C>) pc;
    Map<String, String> refs = ((ConnectorFactory<C>) typed.factory).pipelineReferences(typed.config);
    refs.forEach((path, pipelineId) -> {
      PipelineConfig target = pipelines.stream().filter(p -> p.id().equals(pipelineId)).findFirst().orElse(null);
      String at = "connectors." + pc.id + "." + path;
      if (target == null) {
        errors.add(at, "references pipeline '" + pipelineId + "' which is not defined under service.pipelines");
      } else if (!target.receivers().contains(pc.id)) {
        errors.add(at, "references pipeline '" + pipelineId + "' which does not list '" + pc.id + "' among its receivers");
      }
    });
  }

  /**
   * Pipelines a processor's config names to emit into (e.g. trace_quality's findings_pipelines) must
   * exist and must not contain that processor, which would feed its own output back into itself.
   */
  @SuppressWarnings("unchecked")
  private static <C> void checkProcessorPipelineReferences(ParsedComponent<?> pc, List<PipelineConfig> pipelines,
      ConfigErrors errors) {
    ParsedComponent<C> typed = (ParsedComponent<C>) pc;
    Map<String, String> refs = ((ProcessorFactory<C>) typed.factory).pipelineReferences(typed.config);
    refs.forEach((path, pipelineId) -> {
      PipelineConfig target = pipelines.stream().filter(p -> p.id().equals(pipelineId)).findFirst().orElse(null);
      String at = "processors." + pc.id + "." + path;
      if (target == null) {
        errors.add(at, "references pipeline '" + pipelineId + "' which is not defined under service.pipelines");
      } else if (target.processors().contains(pc.id)) {
        errors.add(at, "references pipeline '" + pipelineId + "' which runs '" + pc.id + "' itself");
      }
    });
  }

  private static boolean reaches(PipelineConfig from, PipelineConfig target, List<PipelineConfig> pipelines,
      Set<ComponentId> connectors, Set<String> visited) {
    if (!visited.add(from.id())) {
      return false;
    }
    for (ComponentId e : from.exporters()) {
      if (!connectors.contains(e)) {
        continue;
      }
      for (PipelineConfig next : pipelines) {
        if (next.receivers().contains(e) && (next == target || reaches(next, target, pipelines, connectors, visited))) {
          return true;
        }
      }
    }
    return false;
  }

  private static ComponentId resolve(String raw, ComponentKind kind,
      Map<ComponentKind, Map<ComponentId, ParsedComponent<?>>> components, String path, ConfigErrors errors) {
    ComponentId id;
    try {
      id = ComponentId.parse(raw);
    } catch (IllegalArgumentException e) {
      errors.add(path, e.getMessage());
      return null;
    }
    if (!components.get(kind).containsKey(id)) {
      errors.add(path, "references " + kind.noun() + " '" + id + "' which is not defined under " + kind.section());
      return null;
    }
    return id;
  }

  private static Set<Signal> signalsOf(Factory<?> f) {
    if (f instanceof ReceiverFactory) {
      return ((ReceiverFactory<?>) f).signals();
    }
    if (f instanceof ProcessorFactory) {
      return ((ProcessorFactory<?>) f).signals();
    }
    if (f instanceof ExporterFactory) {
      return ((ExporterFactory<?>) f).signals();
    }
    return Set.of(Signal.values());
  }
}
