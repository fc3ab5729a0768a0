package dev.traceyard.collector.processor.redaction;

import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.attr;
import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.kv;
import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.log;
import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.resource;
import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.service;
import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.span;
import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.spansOf;
import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.strings;
import static org.assertj.core.api.Assertions.assertThat;

import dev.traceyard.collector.component.Processor;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.data.MetricBatch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.processor.internal.matching.AnyValues;
import dev.traceyard.collector.processor.internal.matching.ProcessorFixtures;
import dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.Capture;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RedactionProcessorTest {
  private static final String VISA = "4111111111111111";

  private final RedactionProcessorFactory factory = new RedactionProcessorFactory();
  private final SelfTelemetry telemetry = SelfTelemetry.forTesting();
  private final Capture out = new Capture();

  private Processor processor(Signal signal, String yaml) {
    return ProcessorFixtures.create(factory, ProcessorFixtures.valid(factory, yaml), signal, out, telemetry);
  }

  private Span runSpan(String yaml, Span span) {
    processor(Signal.TRACES, yaml).consume(ProcessorFixtures.traces(service("svc"), span));
    return spansOf(out.last()).get(0);
  }

  @Test
  void allowList_failsClosed_ignoredKeysPass_andSummaryDebugListsKeys() {
    Span got = runSpan(String.join("\n",
        "allowed_keys: [id, notes]",
        "ignored_keys: [safe]",
        "blocked_values: ['4[0-9]{12}(?:[0-9]{3})?']",
        "summary: debug",
        ""), span("op", kv("id", 7), kv("notes", "card " + VISA + " declined"), kv("birth_date", "1990-01-01"),
        kv("mothers_maiden_name", "x"), kv("safe", VISA)).build());

    assertThat(got.getAttributesList()).containsExactly(
        kv("id", 7L),
        kv("notes", "card **** declined"),
        kv("safe", VISA),
        kv("redaction.redacted.keys", "birth_date,mothers_maiden_name"),
        kv("redaction.redacted.count", 2L),
        kv("redaction.masked.keys", "notes"),
        kv("redaction.masked.count", 1L),
        kv("redaction.ignored.count", 1L));
    // The resource's service.name is not allowed either: three deletions in all.
    assertThat(telemetry.value("traceyard_processor_redaction_deleted_attributes", "redaction", "traces")).isEqualTo(3);
    assertThat(telemetry.value("traceyard_processor_redaction_masked_values", "redaction", "traces")).isEqualTo(1);
  }

  @Test
  void summaryInfo_addsCountsOnly_andSilentAddsNothing() {
    String base = "allow_all_keys: true\nblocked_values: ['secret']\n";
    Span info = runSpan(base + "summary: info\n", span("op", kv("a", "my secret")).build());
    Span silent = runSpan(base, span("op", kv("a", "my secret")).build());

    assertThat(info.getAttributesList()).containsExactly(kv("a", "my ****"), kv("redaction.masked.count", 1L));
    assertThat(silent.getAttributesList()).containsExactly(kv("a", "my ****"));
  }

  @Test
  void blockedKeyPatterns_maskWholeValues_includingLists() {
    Span got = runSpan(String.join("\n",
        "allow_all_keys: true",
        "blocked_key_patterns: ['^http\\.request\\.header\\.(authorization|cookie)$']",
        ""), span("op",
        KeyValue.newBuilder().setKey("http.request.header.authorization").setValue(strings("Bearer abc.def")).build(),
        kv("http.request.header.cookie", "session=1"), kv("http.request.header.accept", "*/*")).build());

    assertThat(got.getAttributesList()).containsExactly(kv("http.request.header.authorization", "****"),
        kv("http.request.header.cookie", "****"), kv("http.request.header.accept", "*/*"));
  }

  @Test
  void allowedValues_winOverBlockedValues() {
    Span got = runSpan(String.join("\n",
        "allow_all_keys: true",
        "blocked_values: ['[a-z.]+@[a-z.]+']",
        "allowed_values: ['@example\\.com$']",
        "summary: debug",
        ""), span("op", kv("a", "ops@example.com"), kv("b", "eve@evil.org")).build());

    assertThat(got.getAttributesList()).containsExactly(kv("a", "ops@example.com"), kv("b", "****"),
        kv("redaction.masked.keys", "b"), kv("redaction.masked.count", 1L),
        kv("redaction.allowed.keys", "a"), kv("redaction.allowed.count", 1L));
  }

  @Test
  void hashFunctions_replaceMatchesWithTheirDigest() {
    String yaml = "allow_all_keys: true\nblocked_values: ['" + VISA + "']\nhash_function: ";
    assertThat(runSpan(yaml + "md5\n", span("op", kv("a", VISA)).build()).getAttributes(0).getValue().getStringValue())
        .isEqualTo(md5(VISA));
    assertThat(runSpan(yaml + "sha1\n", span("op", kv("a", VISA)).build()).getAttributes(0).getValue().getStringValue())
        .hasSize(40);
    assertThat(runSpan(yaml + "sha256\n", span("op", kv("a", "x" + VISA)).build()).getAttributes(0).getValue().getStringValue())
        .startsWith("x").hasSize(65);
    assertThat(runSpan(yaml + "sha3\n", span("op", kv("a", VISA)).build()).getAttributes(0).getValue().getStringValue())
        .hasSize(64);
  }

  @Test
  void numbers_areMaskedOnlyWithRedactAllTypes() {
    String yaml = "allow_all_keys: true\nblocked_values: ['4[0-9]{15}']\n";
    Span plain = runSpan(yaml, span("op", kv("card", Long.parseLong(VISA))).build());
    Span all = runSpan(yaml + "redact_all_types: true\n", span("op", kv("card", Long.parseLong(VISA))).build());

    assertThat(plain.getAttributesList()).containsExactly(kv("card", Long.parseLong(VISA)));
    assertThat(all.getAttributesList()).containsExactly(kv("card", "****"));
  }

  @Test
  void resourcesEventsAndLinks_areRedacted_andUntouchedSpansStayTheSameInstances() {
    Processor p = processor(Signal.TRACES, "allow_all_keys: true\nblocked_values: ['s3cr3t']\n");
    Span clean = span("clean", kv("a", "fine")).build();
    Span dirty = span("dirty").addEvents(Span.Event.newBuilder().setName("e").addAttributes(kv("msg", "pw s3cr3t")))
        .addLinks(Span.Link.newBuilder().addAttributes(kv("l", "s3cr3t"))).build();
    TraceBatch in = ProcessorFixtures.traces(resource(kv("service.name", "svc"), kv("boot.arg", "s3cr3t")), clean, dirty);

    p.consume(in);

    TraceBatch got = (TraceBatch) out.last();
    assertThat(got.request().getResourceSpans(0).getResource().getAttributesList()).contains(kv("boot.arg", "****"));
    List<Span> spans = spansOf(got);
    assertThat(spans.get(0)).isSameAs(clean);
    assertThat(spans.get(1).getEvents(0).getAttributesList()).containsExactly(kv("msg", "pw ****"));
    assertThat(spans.get(1).getLinks(0).getAttributesList()).containsExactly(kv("l", "****"));
  }

  @Test
  void cleanBatch_isPassedOnAsIs() {
    Processor p = processor(Signal.TRACES, "allow_all_keys: true\nblocked_values: ['s3cr3t']\n");
    TraceBatch in = ProcessorFixtures.traces(service("svc"), span("a", kv("k", "v")).build());

    p.consume(in);

    assertThat(out.last()).isSameAs(in);
  }

  @Test
  void logBodies_stringsAreMasked_andMapKeysFollowTheAttributeRules() {
    Processor p = processor(Signal.LOGS, String.join("\n",
        "allowed_keys: [user, message, headers, authorization]",
        "blocked_key_patterns: ['^authorization$']",
        "blocked_values: ['[a-z]+@[a-z]+\\.com']",
        "summary: debug",
        ""));
    LogRecord text = log("login failed for bob@corp.com").build();
    LogRecord structured = log(Map.of("user", "bob@corp.com", "ssn", "123-45-6789",
        "headers", Map.of("authorization", "Basic Ym9iOnB3"))).build();

    p.consume(ProcessorFixtures.logs(service("svc"), text, structured));

    List<LogRecord> logs = out.logs();
    assertThat(logs.get(0).getBody()).isEqualTo(AnyValues.of("login failed for ****"));
    assertThat(attr(logs.get(0).getAttributesList(), "redaction.body.masked.keys")).isEqualTo(AnyValues.of("body"));
    Object body = AnyValues.toJava(logs.get(1).getBody());
    assertThat(body).isEqualTo(Map.of("user", "****", "headers", Map.of("authorization", "****")));
    assertThat(attr(logs.get(1).getAttributesList(), "redaction.body.redacted.keys")).isEqualTo(AnyValues.of("ssn"));
    assertThat(attr(logs.get(1).getAttributesList(), "redaction.body.masked.keys"))
        .isEqualTo(AnyValues.of("headers.authorization,user"));
  }

  @Test
  void metrics_dataPointAttributesAreRedacted() {
    Processor p = processor(Signal.METRICS, "allowed_keys: [route]\n");
    p.consume(ProcessorFixtures.metrics(service("svc"),
        ProcessorFixtures.gauge("m", List.of(kv("route", "/"), kv("user.id", "u1")))));

    MetricBatch got = (MetricBatch) out.last();
    assertThat(got.request().getResourceMetrics(0).getResource().getAttributesList()).isEmpty();
    assertThat(got.request().getResourceMetrics(0).getScopeMetrics(0).getMetrics(0).getGauge().getDataPoints(0)
        .getAttributesList()).containsExactly(kv("route", "/"));
  }

  private static String md5(String s) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5")
          .digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
