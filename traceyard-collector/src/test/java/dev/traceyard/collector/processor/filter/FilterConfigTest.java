package dev.traceyard.collector.processor.filter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.traceyard.collector.processor.internal.matching.ProcessorFixtures;
import java.util.List;
import org.junit.jupiter.api.Test;

class FilterConfigTest {
  private static final String P = "processors.filter.";

  private static ProcessorFixtures.Parsed<FilterConfig> parse(String yaml) {
    return ProcessorFixtures.parse(new FilterProcessorFactory(), "filter", yaml);
  }

  private static String firstError(String section, String condition) {
    String[] parts = section.split("\\.");
    List<String> errors = parse(parts[0] + ":\n  " + parts[1] + ":\n    - '" + condition.replace("'", "''") + "'\n").errors();
    assertThat(errors).as("errors for %s", condition).hasSize(1);
    return errors.get(0);
  }

  @Test
  void everyContext_parsesItsConditions() {
    ProcessorFixtures.Parsed<FilterConfig> p = parse(String.join("\n",
        "error_mode: ignore",
        "traces:",
        "  span:",
        "    - 'name == \"GET /healthz\"'",
        "    - 'attributes[\"http.route\"] == \"/ready\" and kind == SPAN_KIND_SERVER'",
        "    - 'resource.attributes[\"service.name\"] == \"noisy\" or not (status.code == STATUS_CODE_ERROR)'",
        "    - 'IsMatch(span.name, \"^(GET|HEAD) /static/\")'",
        "    - 'end_time_unix_nano - start_time_unix_nano < 1000000 and attributes[\"retries\"] >= 3'",
        "    - 'instrumentation_scope.name == \"io.opentelemetry.jdbc\" and trace_id.string == \"00\"'",
        "  spanevent:",
        "    - 'name == \"log\" and span.name != \"x\" and IsString(attributes[\"msg\"])'",
        "metrics:",
        "  metric:",
        "    - 'name == \"jvm.gc.pause\" and type == METRIC_DATA_TYPE_HISTOGRAM'",
        "    - 'HasAttrOnDatapoint(\"env\", \"dev\") or HasAttrKeyOnDatapoint(\"debug\")'",
        "  datapoint:",
        "    - 'metric.name == \"queue.size\" and value_int > 1000 and Len(attributes) > 2'",
        "logs:",
        "  log_record:",
        "    - 'severity_number < SEVERITY_NUMBER_WARN and IsMatch(body, \"health\")'",
        "    - 'body[\"event\"] == \"heartbeat\" or attributes[\"a\"][0] == -1.5'",
        ""));
    assertThat(p.errors()).isEmpty();
    assertThat(p.config().errorMode()).isEqualTo(FilterConfig.ErrorMode.IGNORE);
    assertThat(p.config().spans()).hasSize(5 + 1);
    assertThat(p.config().spanEvents()).hasSize(1);
    assertThat(p.config().metrics()).hasSize(2);
    assertThat(p.config().dataPoints()).hasSize(1);
    assertThat(p.config().logRecords()).hasSize(2);
  }

  @Test
  void documentedExample_parses() throws Exception {
    // The filter example of docs/scrubbing.md, so the documentation cannot drift from the parser.
    String doc = java.nio.file.Files.readString(java.nio.file.Path.of("..", "docs", "scrubbing.md"));
    int start = doc.indexOf("  filter/noise:\n");
    String block = doc.substring(start, doc.indexOf("```", start));
    String yaml = block.lines().skip(1).map(l -> l.substring(4)).collect(java.util.stream.Collectors.joining("\n"));
    ProcessorFixtures.Parsed<FilterConfig> p = parse(yaml);
    assertThat(p.errors()).isEmpty();
    assertThat(p.config().spans()).hasSize(3);
    assertThat(p.config().logRecords()).hasSize(2);
  }

  @Test
  void defaults_propagateAndNoConditions() {
    FilterConfig c = parse("{}").config();
    assertThat(c.errorMode()).isEqualTo(FilterConfig.ErrorMode.PROPAGATE);
    assertThat(c.spans()).isEmpty();
  }

  @Test
  void unknownPath_namesPathColumnAndKnownPaths() {
    assertThat(firstError("traces.span", "nme == \"x\"")).startsWith(
        P + "traces.span[0]: column 1: unknown path 'nme' in traces.span conditions (known: attributes, "
            + "dropped_attributes_count,");
    assertThat(firstError("logs.log_record", "severity_number > 1 and bodyy == \"x\"")).startsWith(
        P + "logs.log_record[0]: column 25: unknown path 'bodyy' in logs.log_record conditions");
    assertThat(firstError("traces.span", "resource.attributes[\"a\"] == 1 and resource.name == \"x\"")).isEqualTo(
        P + "traces.span[0]: column 35: unknown path 'resource.name' in traces.span conditions "
            + "(known: resource.attributes, resource.dropped_attributes_count)");
  }

  @Test
  void syntaxErrors_nameTheColumn() {
    assertThat(firstError("traces.span", "name = \"x\""))
        .isEqualTo(P + "traces.span[0]: column 6: unexpected '=': use '==' to compare");
    assertThat(firstError("traces.span", "name == \"x"))
        .isEqualTo(P + "traces.span[0]: column 9: unterminated string: add the closing '\"'");
    assertThat(firstError("traces.span", "name == \"x\" && kind == 2"))
        .isEqualTo(P + "traces.span[0]: column 13: unexpected '&': use 'and' / 'or'");
    assertThat(firstError("traces.span", "name == \"x\" kind == 2"))
        .isEqualTo(P + "traces.span[0]: column 13: unexpected 'kind' after a complete condition (join conditions with 'and' / 'or')");
    assertThat(firstError("traces.span", "(name == \"x\""))
        .isEqualTo(P + "traces.span[0]: column 13: expected ')' but found the end of the condition");
    assertThat(firstError("traces.span", "name"))
        .isEqualTo(P + "traces.span[0]: column 1: not a condition: expected a comparison such as name == \"x\", "
            + "a converter such as IsMatch(name, \"x\"), or true/false");
    assertThat(firstError("traces.span", "name == \"a\" and \"b\""))
        .isEqualTo(P + "traces.span[0]: column 13: the right side of 'and' must be a condition (a comparison, "
            + "a converter such as IsMatch, or true/false), not a value");
    assertThat(firstError("traces.span", "kind == SPAN_KIND_SEVER"))
        .startsWith(P + "traces.span[0]: column 9: unknown enum 'SPAN_KIND_SEVER'");
    assertThat(firstError("traces.span", "name[\"x\"] == 1"))
        .isEqualTo(P + "traces.span[0]: column 1: 'name' cannot be indexed: only attributes (and a log record's body) take [\"key\"]");
    assertThat(firstError("traces.span", "name == \"a\" + 1"))
        .isEqualTo(P + "traces.span[0]: column 13: '+' needs numbers, not a string");
    // Found by the fuzzer: a number too large for a long used to escape as NumberFormatException.
    assertThat(firstError("traces.span", "attributes[\"a\"][99999999999999999999] == 1"))
        .isEqualTo(P + "traces.span[0]: column 17: index out of range: 99999999999999999999");
    assertThat(firstError("traces.span", "attributes[\"a\"] == 99999999999999999999"))
        .isEqualTo(P + "traces.span[0]: column 20: number out of range: 99999999999999999999");
  }

  @Test
  void functionErrors_nameTheColumn() {
    assertThat(firstError("traces.span", "IsMatch(name)"))
        .isEqualTo(P + "traces.span[0]: column 1: IsMatch takes 2 arguments, got 1");
    assertThat(firstError("traces.span", "IsMatch(name, attributes[\"p\"])"))
        .isEqualTo(P + "traces.span[0]: column 15: IsMatch's pattern must be a string literal in double quotes");
    assertThat(firstError("traces.span", "IsMatch(name, \"(\")"))
        .isEqualTo(P + "traces.span[0]: column 15: invalid regular expression '(': Unclosed group near index 1");
    assertThat(firstError("traces.span", "Contains(name, \"x\")"))
        .isEqualTo(P + "traces.span[0]: column 1: unknown function 'Contains' (supported: IsMatch, IsString, IsInt, "
            + "IsDouble, IsBool, IsMap, IsList, Len, HasAttrOnDatapoint, HasAttrKeyOnDatapoint)");
    assertThat(firstError("traces.span", "set(name, \"x\")"))
        .startsWith(P + "traces.span[0]: column 1: 'set' is not a converter");
    assertThat(firstError("metrics.datapoint", "HasAttrKeyOnDatapoint(\"a\")"))
        .isEqualTo(P + "metrics.datapoint[0]: column 1: HasAttrKeyOnDatapoint can only be used in metrics.metric conditions");
  }

  @Test
  void legacyKeysAndBadErrorMode_areErrors() {
    assertThat(parse("error_mode: loud\nspans:\n  exclude: {}\ntraces:\n  span: 'name == \"x\"'\n").errors()).containsExactly(
        P + "error_mode: unknown value 'loud' (expected one of: propagate, ignore, silent)",
        P + "traces.span: expected a list, got 'name == \"x\"'",
        P + "spans: unknown key 'spans' (known keys: error_mode, logs, metrics, traces)");
  }
}
