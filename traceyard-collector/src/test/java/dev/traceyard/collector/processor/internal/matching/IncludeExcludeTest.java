package dev.traceyard.collector.processor.internal.matching;

import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.kv;
import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.log;
import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.resource;
import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.service;
import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.span;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.ConfigErrors;
import dev.traceyard.collector.config.ConfigNode;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.logs.v1.SeverityNumber;
import io.opentelemetry.proto.trace.v1.Span;
import org.junit.jupiter.api.Test;

class IncludeExcludeTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final InstrumentationScope LIB = InstrumentationScope.newBuilder().setName("io.opentelemetry.jdbc")
      .setVersion("2.1").build();

  private final ConfigErrors errors = new ConfigErrors();

  private IncludeExclude parse(String yaml) throws Exception {
    ConfigNode node = ConfigNode.of(YAML.readTree(yaml), "processors.attributes", errors);
    IncludeExclude m = IncludeExclude.parse(node);
    node.reportUnknownKeys();
    return m;
  }

  @Test
  void strict_allPropertiesMustMatch() throws Exception {
    IncludeExclude m = parse("include:\n  match_type: strict\n  services: [checkout]\n  span_names: [GET /cart]\n"
        + "  span_kinds: [SPAN_KIND_SERVER]\n  attributes: [{key: http.response.status_code, value: 500}]\n");
    assertThat(errors.list()).isEmpty();
    Span hit = span("GET /cart", kv("http.response.status_code", 500)).setKind(Span.SpanKind.SPAN_KIND_SERVER).build();

    assertThat(m.selectsSpan(service("checkout"), LIB, hit)).isTrue();
    assertThat(m.selectsSpan(service("cart"), LIB, hit)).isFalse();
    assertThat(m.selectsSpan(service("checkout"), LIB, hit.toBuilder().setKind(Span.SpanKind.SPAN_KIND_CLIENT).build()))
        .isFalse();
    assertThat(m.selectsSpan(service("checkout"), LIB, span("GET /cart", kv("http.response.status_code", 200)).build()))
        .isFalse();
  }

  @Test
  void regexp_isUnanchoredAndExcludeWins() throws Exception {
    IncludeExclude m = parse("include:\n  match_type: regexp\n  span_names: ['^GET ']\n"
        + "exclude:\n  match_type: regexp\n  attributes: [{key: url.path, value: health}]\n");
    assertThat(errors.list()).isEmpty();

    assertThat(m.selectsSpan(service("s"), LIB, span("GET /cart", kv("url.path", "/cart")).build())).isTrue();
    assertThat(m.selectsSpan(service("s"), LIB, span("GET /healthz", kv("url.path", "/healthz")).build())).isFalse();
    assertThat(m.selectsSpan(service("s"), LIB, span("POST /cart").build())).isFalse();
  }

  @Test
  void spanKinds_acceptPdataNames_andLibrariesMatchNameAndVersion() throws Exception {
    IncludeExclude m = parse("include:\n  match_type: strict\n  span_kinds: [Client]\n"
        + "  libraries: [{name: io.opentelemetry.jdbc, version: '2.1'}]\n  resources: [{key: deployment.environment}]\n");
    assertThat(errors.list()).isEmpty();
    Span client = span("SELECT").setKind(Span.SpanKind.SPAN_KIND_CLIENT).build();

    assertThat(m.selectsSpan(resource(kv("deployment.environment", "prod")), LIB, client)).isTrue();
    assertThat(m.selectsSpan(resource(), LIB, client)).isFalse();
    assertThat(m.selectsSpan(resource(kv("deployment.environment", "prod")),
        LIB.toBuilder().setVersion("2.2").build(), client)).isFalse();
  }

  @Test
  void logProperties_matchBodySeverityTextAndNumber() throws Exception {
    IncludeExclude m = parse("include:\n  match_type: regexp\n  log_bodies: ['password']\n"
        + "  log_severity_number: {min: WARN, match_undefined: false}\n");
    assertThat(errors.list()).isEmpty();

    assertThat(m.selectsLog(service("s"), LIB, log("bad password for bob").setSeverityNumber(SeverityNumber.SEVERITY_NUMBER_ERROR).build()))
        .isTrue();
    assertThat(m.selectsLog(service("s"), LIB, log("bad password for bob").setSeverityNumber(SeverityNumber.SEVERITY_NUMBER_INFO).build()))
        .isFalse();
    assertThat(m.selectsLog(service("s"), LIB, log("bad password for bob").build())).isFalse();
  }

  @Test
  void incompatibleSignal_isReportedWithThePath() throws Exception {
    IncludeExclude m = parse("include:\n  match_type: strict\n  span_names: [x]\n");
    assertThat(errors.list()).isEmpty();

    assertThat(m.incompatibility(Signal.TRACES)).isNull();
    assertThat(m.incompatibility(Signal.LOGS)).isEqualTo("processors.attributes.include: span_names does not apply to "
        + "logs (logs take: attributes, libraries, log_bodies, log_severity_number, log_severity_texts, resources)");
  }

  @Test
  void configErrors_nameTheirPath() throws Exception {
    parse("include:\n  services: [a]\n  span_kinds: [SPAN_KIND_SEVER]\n"
        + "exclude:\n  match_type: regexp\n  span_names: ['(']\n  log_bodies: [x]\n  metric_names: [y]\n");

    assertThat(errors.list()).containsExactly(
        "processors.attributes.include.match_type: is required (strict or regexp)",
        "processors.attributes.include.span_kinds[0]: unknown span kind 'SPAN_KIND_SEVER' (expected SPAN_KIND_INTERNAL, "
            + "SPAN_KIND_SERVER, SPAN_KIND_CLIENT, SPAN_KIND_PRODUCER, SPAN_KIND_CONSUMER or SPAN_KIND_UNSPECIFIED)",
        "processors.attributes.exclude.span_names[0]: invalid regular expression '(': Unclosed group near index 1",
        "processors.attributes.exclude: cannot combine span_names, log_bodies, metric_names: no pipeline type accepts "
            + "all of them (traces: services, span_names, span_kinds, attributes, resources, libraries; logs: log_bodies, "
            + "log_severity_texts, log_severity_number, attributes, resources, libraries; metrics: metric_names, resources)");
  }

  @Test
  void emptyBlock_isAnError() throws Exception {
    parse("exclude:\n  match_type: strict\n");
    assertThat(errors.list()).containsExactly("processors.attributes.exclude: at least one of services, span_names, "
        + "span_kinds, attributes, resources, libraries, log_bodies, log_severity_texts, log_severity_number or "
        + "metric_names must be set");
  }
}
