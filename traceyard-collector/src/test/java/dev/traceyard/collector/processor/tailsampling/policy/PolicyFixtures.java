package dev.traceyard.collector.processor.tailsampling.policy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.traceyard.collector.config.ConfigErrors;
import dev.traceyard.collector.config.ConfigNode;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Policies built from YAML as a user writes them, with a manual clock. */
final class PolicyFixtures {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  final AtomicLong clock = new AtomicLong(1_000_000_000_000L);

  /** One policy from a YAML policy entry; fails the test on config errors. */
  Policy policy(String yaml) {
    return Policies.create(config(yaml), clock::get);
  }

  static PolicyConfig config(String yaml) {
    List<PolicyConfig> list = configs("policies:\n  - " + yaml.replace("\n", "\n    "));
    return list.get(0);
  }

  static List<PolicyConfig> configs(String yaml) {
    ConfigErrors errors = new ConfigErrors();
    List<PolicyConfig> out = parse(yaml, errors);
    if (!errors.isEmpty()) {
      throw new AssertionError("config errors: " + errors.list());
    }
    return out;
  }

  static List<PolicyConfig> parse(String yaml, ConfigErrors errors) {
    try {
      ObjectNode node = (ObjectNode) YAML.readTree(yaml);
      ConfigNode cn = ConfigNode.ofMap(node, "processors.tail_sampling", errors);
      List<PolicyConfig> out = PolicyConfigParser.parsePolicies(cn);
      cn.reportUnknownKeys();
      return out;
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  void advanceSeconds(long s) {
    clock.addAndGet(s * 1_000_000_000L);
  }
}
