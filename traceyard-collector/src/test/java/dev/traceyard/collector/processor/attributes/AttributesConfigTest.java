package dev.traceyard.collector.processor.attributes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.traceyard.collector.processor.internal.matching.ProcessorFixtures;
import java.util.List;
import org.junit.jupiter.api.Test;

class AttributesConfigTest {
  private static final String P = "processors.attributes.";

  private static List<String> errors(String yaml) {
    return ProcessorFixtures.parse(new AttributesProcessorFactory(), "attributes", yaml).errors();
  }

  @Test
  void everyAction_parses() {
    assertThat(errors(String.join("\n",
        "actions:",
        "  - {key: env, value: prod, action: insert}",
        "  - {key: copy, from_attribute: orig, action: update}",
        "  - {key: region, from_attribute: cloud.region, default_value: us-east-1, action: upsert}",
        "  - {key: tenant, default_value: none, action: INSERT}",
        "  - {key: db.statement, action: delete}",
        "  - {pattern: '^secret\\.', action: delete}",
        "  - {key: enduser.id, action: hash}",
        "  - {key: url.path, pattern: '^/api/(?P<api_version>v[0-9]+)/', action: extract}",
        "  - {key: http.response.status_code, action: convert, converted_type: int}",
        "include:",
        "  match_type: strict",
        "  services: [checkout]",
        ""))).isEmpty();
  }

  @Test
  void missingActions_isAnError() {
    assertThat(errors("{}")).containsExactly(P + "actions: is required: list at least one action");
  }

  @Test
  void actionErrors_nameTheirPath() {
    assertThat(errors(String.join("\n",
        "actions:",
        "  - {key: a, value: 1}",
        "  - {key: a, value: 1, action: replace}",
        "  - {value: 1, action: insert}",
        "  - {key: a, action: upsert}",
        "  - {key: a, value: 1, from_attribute: b, action: upsert}",
        "  - {action: delete}",
        "  - {key: a, action: extract}",
        "  - {key: a, pattern: '^/api/(v[0-9]+)/', action: extract}",
        "  - {key: a, pattern: '(?P<x>', action: extract}",
        "  - {key: a, action: convert}",
        "  - {key: a, action: convert, converted_type: bool}",
        "  - {key: a, value: 1, action: delete}",
        "  - {key: a, pattern: x, value: 1, action: insert}",
        "  - {key: a, from_context: metadata.tenant, action: insert}",
        "  - {key: a, value: 1, action: insert, color: red}",
        ""))).containsExactly(
        P + "actions[0].action: is required (one of: insert, update, upsert, delete, hash, extract, convert)",
        P + "actions[1].action: unknown value 'replace' (expected one of: insert, update, upsert, delete, hash, extract, convert)",
        P + "actions[2].key: is required for action insert",
        P + "actions[3]: action upsert needs one of value, from_attribute or default_value",
        P + "actions[4]: set only one of value, from_attribute and from_context",
        P + "actions[5]: action delete needs key or pattern (or both)",
        P + "actions[6].pattern: is required for action extract: a regular expression with named groups, e.g. ^/api/(?P<version>v[0-9]+)/",
        P + "actions[7].pattern: must contain at least one named group, e.g. (?P<name>...), to name the new attributes",
        P + "actions[8].pattern: invalid regular expression '(?<g0>': Unclosed group near index 6",
        P + "actions[9].converted_type: is required for action convert (int, double or string)",
        P + "actions[10].converted_type: unknown value 'bool' (expected one of: int, double, string)",
        P + "actions[11].value: does not apply to action delete (only to insert, update and upsert)",
        P + "actions[12].pattern: does not apply to action insert (only to delete, hash and extract)",
        P + "actions[13].from_context: is not supported: Traceyard batches carry no request metadata or auth data; use value or from_attribute",
        P + "actions[14].color: unknown key 'color' (known keys: action, converted_type, default_value, from_attribute, "
            + "from_context, key, pattern, value)");
  }
}
