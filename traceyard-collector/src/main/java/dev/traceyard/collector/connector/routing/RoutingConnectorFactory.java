package dev.traceyard.collector.connector.routing;

import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Connector;
import dev.traceyard.collector.component.ConnectorFactory;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.consumer.Consumer;
import dev.traceyard.collector.processor.filter.OttlCondition;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code routing} connector: sends each resource (or span, log record, metric, per the route's
 * {@code context}) to the pipelines of the first route whose condition matches (every matching
 * route with {@code match_once: false}), and what matches none to {@code default_pipelines}.
 */
public final class RoutingConnectorFactory implements ConnectorFactory<RoutingConfig> {
  /** More targets than this would not fit the per-item bit set the router uses. */
  static final int MAX_PIPELINES = 64;
  private static final Pattern ROUTE_STATEMENT = Pattern.compile("^\\s*route\\(\\s*\\)\\s+where\\s+(.+)$", Pattern.DOTALL);

  @Override
  public String type() {
    return "routing";
  }

  @Override
  public Set<Signal> inputs() {
    return EnumSet.allOf(Signal.class);
  }

  @Override
  public Set<Signal> outputs() {
    return EnumSet.allOf(Signal.class);
  }

  @Override
  public RoutingConfig parseConfig(ConfigNode node) {
    String mode = node.oneOf("error_mode", "propagate", "propagate", "ignore", "silent");
    boolean matchOnce = node.bool("match_once", true);
    List<String> defaults = node.stringList("default_pipelines");
    List<RoutingConfig.Route> routes = new ArrayList<>();
    List<ConfigNode> table = node.list("table");
    if (table.isEmpty() && (node.raw("table") == null || node.raw("table").isArray())) {
      node.error("table", "is required: at least one route (condition and pipelines)");
    }
    for (int i = 0; i < table.size(); i++) {
      RoutingConfig.Route r = route(table.get(i));
      if (r != null) {
        routes.add(r);
      }
    }
    Set<String> distinct = new java.util.HashSet<>(defaults);
    routes.forEach(r -> distinct.addAll(r.pipelines()));
    if (distinct.size() > MAX_PIPELINES) {
      node.error("table", "names " + distinct.size() + " pipelines; at most " + MAX_PIPELINES + " are supported");
    }
    return new RoutingConfig(routes, defaults, RoutingConfig.ErrorMode.valueOf(mode.toUpperCase(Locale.ROOT)), matchOnce);
  }

  private static RoutingConfig.Route route(ConfigNode entry) {
    String ctx = entry.oneOf("context", "resource", "resource", "span", "log", "metric");
    OttlCondition.Context context = OttlCondition.Context.valueOf(ctx.toUpperCase(Locale.ROOT));
    List<String> pipelines = entry.stringList("pipelines");
    if (entry.isSet("pipelines") && pipelines.isEmpty()) {
      entry.error("pipelines", "must name at least one pipeline");
    } else if (!entry.isSet("pipelines")) {
      entry.error("pipelines", "is required: the pipelines that get what this route matches");
    }
    String key;
    String text;
    if (entry.isSet("statement") && entry.isSet("condition")) {
      entry.error("condition", "set either statement or condition, not both");
      return null;
    } else if (entry.isSet("statement")) {
      key = "statement";
      Matcher m = ROUTE_STATEMENT.matcher(entry.string("statement", ""));
      if (!m.matches()) {
        entry.error(key, "only statements of the form 'route() where <condition>' are supported");
        return null;
      }
      text = m.group(1);
    } else if (entry.isSet("condition")) {
      key = "condition";
      text = entry.string("condition", "");
    } else {
      entry.error("condition", "is required (or a statement 'route() where <condition>')");
      return null;
    }
    try {
      return new RoutingConfig.Route(OttlCondition.parse(text, context), pipelines);
    } catch (OttlCondition.SyntaxError e) {
      entry.error(key, "column " + e.column() + ": " + e.getMessage());
      return null;
    }
  }

  @Override
  public Map<String, String> pipelineReferences(RoutingConfig config) {
    Map<String, String> out = new LinkedHashMap<>();
    for (int i = 0; i < config.defaultPipelines().size(); i++) {
      out.put("default_pipelines[" + i + "]", config.defaultPipelines().get(i));
    }
    for (int i = 0; i < config.table().size(); i++) {
      List<String> ps = config.table().get(i).pipelines();
      for (int j = 0; j < ps.size(); j++) {
        out.put("table[" + i + "].pipelines[" + j + "]", ps.get(j));
      }
    }
    return out;
  }

  @Override
  public Connector create(ComponentSettings settings, RoutingConfig config, Consumer next) {
    throw new IllegalStateException("the routing connector needs the heads of its pipelines");
  }

  @Override
  public Connector create(ComponentSettings settings, RoutingConfig config, Consumer next,
      Map<Signal, Map<String, Consumer>> pipelines) {
    return new RoutingConnector(settings, config, pipelines);
  }
}
