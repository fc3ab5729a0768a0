package dev.traceyard.collector.processor.redaction;

import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.attr;
import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.kv;
import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.log;
import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.resource;
import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.span;
import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.spansOf;
import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.strings;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.traceyard.collector.Components;
import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.ComponentKind;
import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Processor;
import dev.traceyard.collector.component.ProcessorFactory;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.ConfigErrors;
import dev.traceyard.collector.config.ConfigLoader;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.consumer.Consumer;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.LogBatch;
import dev.traceyard.collector.data.MetricBatch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.processor.internal.matching.AnyValues;
import dev.traceyard.collector.processor.internal.matching.ProcessorFixtures;
import dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.Capture;
import dev.traceyard.collector.service.ComponentRegistry;
import dev.traceyard.collector.service.ServiceConfig;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runs a corpus of real-looking telemetry through the processors of the shipped default profile
 * (configs/scrubbing.yaml, loaded and validated as a whole config) and checks that no credential,
 * card number or e-mail address survives, while the harmless rest of each value does.
 */
class ScrubbingProfileTest {
  private static final Path PROFILE = Path.of("..", "configs", "scrubbing.yaml");
  private static final String JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ"
      + ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";

  /** Every secret planted in the corpus; none may appear anywhere in the output. */
  private static final List<String> SECRETS = List.of(
      JWT, "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
      "8f14e45fceea167a5a36dedd4bea2543", "s%3AQm9iIHNlY3JldA", "dGhpc2lzYXNlY3JldA",
      "ya29.A0ARrdaM-secretToken", "AKIAIOSFODNN7EXAMPLE", "c2lnbmF0dXJlc2VjcmV0", "tok_live_51HxYzQ",
      "P@ssw0rd!", "hunter2", "s3cr3tP4ss", "ghp_16C7e42F292c6912E7710c838347Ae178B4a", "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
      "4111 1111 1111 1111", "4111111111111111", "5500-0000-0000-0004", "5500000000000004", "378282246310005",
      "4012888888881881", "6011111111111117", "4242424242424242",
      "alice.smith@example.org", "jane_doe+billing@corp.co.uk", "bob@example.com", "ops@acme.io",
      "alice-user-42", "203.0.113.77", "xoxb-2047-secret-slack", "corr3ct-h0rse");

  private static ServiceConfig config;
  private static ObjectNode root;

  @BeforeAll
  static void loadProfile() throws Exception {
    root = new ConfigLoader(Map.<String, String>of()::get).load(List.of(PROFILE));
    // The profile is a valid standalone config: receivers, processors, exporters and pipelines.
    config = ServiceConfig.parse(root, Components.builtIn());
  }

  /**
   * The pipeline's processors, built from the profile by the built-in factories, ending in
   * {@code out}. The batch processor is left out: it only regroups and would hold data back.
   */
  private static Consumer pipeline(String pipeline, Signal signal, Consumer out, SelfTelemetry telemetry) {
    ComponentRegistry registry = Components.builtIn();
    List<String> ids = new ArrayList<>();
    root.get("service").get("pipelines").get(pipeline).get("processors").forEach(n -> ids.add(n.asText()));
    Consumer next = out;
    for (int i = ids.size() - 1; i >= 0; i--) {
      ComponentId id = ComponentId.parse(ids.get(i));
      if (id.type().equals("batch")) {
        continue;
      }
      next = build(registry, id, root.get("processors").get(ids.get(i)), signal, next, telemetry);
    }
    return next;
  }

  @SuppressWarnings("unchecked")
  private static <C> Processor build(ComponentRegistry registry, ComponentId id, JsonNode node, Signal signal,
      Consumer next, SelfTelemetry telemetry) {
    ProcessorFactory<C> factory = (ProcessorFactory<C>) registry.factory(ComponentKind.PROCESSOR, id.type());
    ConfigErrors errors = new ConfigErrors();
    C c = factory.parseConfig(ConfigNode.of(node, "processors." + id, errors));
    assertThat(errors.list()).isEmpty();
    return factory.create(new ComponentSettings(id, ComponentKind.PROCESSOR, telemetry), c, signal, next);
  }

  private static KeyValue list(String key, String... values) {
    return KeyValue.newBuilder().setKey(key).setValue(strings(values)).build();
  }

  @Test
  void profile_isAValidConfigWithScrubbingInEveryPipeline() {
    assertThat(config.pipelineIds()).containsExactlyInAnyOrder("traces", "logs", "metrics");
    root.get("service").get("pipelines").forEach(p ->
        assertThat(p.get("processors").toString()).contains("redaction/scrub"));
  }

  @Test
  void spans_leaveNoCredentialBehind_andKeepTheHarmlessRest() {
    SelfTelemetry telemetry = SelfTelemetry.forTesting();
    Capture out = new Capture();
    Span server = span("GET /v1/orders",
        kv("http.request.method", "GET"),
        list("http.request.header.authorization", "Bearer " + JWT),
        list("http.request.header.cookie", "session=8f14e45fceea167a5a36dedd4bea2543; theme=dark"),
        list("http.response.header.set-cookie", "sid=s%3AQm9iIHNlY3JldA; Path=/; HttpOnly"),
        list("http.request.header.x-api-key", "dGhpc2lzYXNlY3JldA"),
        list("http.request.header.accept", "application/json"),
        kv("http.url", "https://api.example.com/v1/orders?access_token=ya29.A0ARrdaM-secretToken&page=2"),
        kv("url.full", "https://bob:hunter2@internal.example.com/export?api_key=AKIAIOSFODNN7EXAMPLE&format=csv"
            + "&sig=c2lnbmF0dXJlc2VjcmV0"),
        kv("url.query", "token=tok_live_51HxYzQ&lang=en"),
        kv("http.target", "/callback?state=xyz&password=P@ssw0rd!&next=%2Fhome"),
        kv("enduser.id", "alice-user-42"),
        kv("enduser.email", "alice.smith@example.org"),
        kv("client.address", "203.0.113.77"),
        kv("gen_ai.usage.input_tokens", 1234),
        kv("http.response.status_code", 402))
        .setKind(Span.SpanKind.SPAN_KIND_SERVER)
        .addEvents(Span.Event.newBuilder().setName("exception")
            .addAttributes(kv("exception.message", "Login failed for bob@example.com with password=hunter2"))
            .addAttributes(kv("exception.stacktrace", "PaymentException: card 4111 1111 1111 1111 declined\n\tat Pay.charge")))
        .build();
    Span payment = span("charge",
        kv("payment.note", "cards 5500-0000-0000-0004 and 378282246310005, refund to 6011111111111117"),
        kv("payment.card", 4012888888881881L),
        kv("db.connection_string", "postgres://app:s3cr3tP4ss@db.internal:5432/shop"),
        kv("app.github.token", "ghp_16C7e42F292c6912E7710c838347Ae178B4a"),
        kv("stripe.api_key", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
        kv("message", "contact jane_doe+billing@corp.co.uk about order 1234567"),
        kv("timestamp.ms", 1732364400123L))
        .setKind(Span.SpanKind.SPAN_KIND_CLIENT).build();
    TraceBatch in = ProcessorFixtures.traces(resource(kv("service.name", "checkout"),
        kv("process.command_line", "java -jar app.jar --slack=https://x:xoxb-2047-secret-slack@hooks.slack.com --password=corr3ct-h0rse")),
        server, payment);

    ConsumeResult r = pipeline("traces", Signal.TRACES, out, telemetry).consume(in);

    assertThat(r.isSuccess()).isTrue();
    assertNoSecret(out.last());
    List<Span> spans = spansOf(out.last());
    List<KeyValue> a = spans.get(0).getAttributesList();
    assertThat(attr(a, "http.url")).isEqualTo(AnyValues.of("https://api.example.com/v1/orders?access_token=****&page=2"));
    assertThat(attr(a, "url.full")).isEqualTo(AnyValues.of("https://****@internal.example.com/export?api_key=****"
        + "&format=csv&sig=****"));
    assertThat(attr(a, "url.query")).isEqualTo(AnyValues.of("token=****&lang=en"));
    assertThat(attr(a, "http.target")).isEqualTo(AnyValues.of("/callback?state=xyz&password=****&next=%2Fhome"));
    assertThat(attr(a, "http.request.header.authorization")).isEqualTo(AnyValues.of("****"));
    assertThat(attr(a, "http.request.header.accept")).isEqualTo(strings("application/json"));
    assertThat(attr(a, "http.request.method")).isEqualTo(AnyValues.of("GET"));
    assertThat(attr(a, "gen_ai.usage.input_tokens")).isEqualTo(AnyValues.of(1234L));
    assertThat(attr(a, "http.response.status_code")).isEqualTo(AnyValues.of(402L));
    assertThat(attr(a, "enduser.id").getStringValue()).hasSize(40);
    // Four headers, four URLs and the e-mail.
    assertThat(attr(a, "redaction.masked.count")).isEqualTo(AnyValues.of(9L));
    List<KeyValue> b = spans.get(1).getAttributesList();
    assertThat(attr(b, "payment.note")).isEqualTo(AnyValues.of("cards **** and ****, refund to ****"));
    assertThat(attr(b, "message")).isEqualTo(AnyValues.of("contact **** about order 1234567"));
    assertThat(attr(b, "timestamp.ms")).isEqualTo(AnyValues.of(1732364400123L));
    assertThat(attr(b, "db.connection_string")).isEqualTo(AnyValues.of("postgres://****@db.internal:5432/shop"));
    assertThat(spans.get(0).getEvents(0).getAttributesList().get(0).getValue().getStringValue())
        .isEqualTo("Login failed for **** with password=****");
    // One value on the resource, eleven on the server span and its event, six on the payment span.
    assertThat(telemetry.value("traceyard_processor_redaction_masked_values", "redaction/scrub", "traces"))
        .isEqualTo(18);
  }

  @Test
  void logs_leaveNoCredentialBehind() {
    Capture out = new Capture();
    List<LogRecord> records = List.of(
        log("GET /login?user=bob&password=hunter2 -> 401").build(),
        log("outbound call with Authorization: Bearer " + JWT).build(),
        log("retrying with Authorization: Basic dGhpc2lzYXNlY3JldA== after 401").build(),
        log("db connection postgres://app:s3cr3tP4ss@db:5432/shop refused").build(),
        log("config loaded: {\"api_key\": \"sk_live_4eC39HqLyjWDarjtT1zdp7dc\", \"region\": \"eu\"}").build(),
        log("charged 4242424242424242 for ops@acme.io").build(),
        log(Map.of("user", Map.of("email", "alice.smith@example.org", "name", "Alice"),
            "card", "4111-1111-1111-1111", "headers", Map.of("cookie", "session=8f14e45fceea167a5a36dedd4bea2543")),
            kv("enduser.id", "alice-user-42"), kv("url.full", "https://x.example.com/?key=AKIAIOSFODNN7EXAMPLE")).build());

    ConsumeResult r = pipeline("logs", Signal.LOGS, out, SelfTelemetry.forTesting())
        .consume(ProcessorFixtures.logs(resource(kv("service.name", "auth")), records.toArray(new LogRecord[0])));

    assertThat(r.isSuccess()).isTrue();
    assertNoSecret(out.last());
    assertThat(out.logs().get(0).getBody()).isEqualTo(AnyValues.of("GET /login?user=bob&password=**** -> 401"));
    assertThat(out.logs().get(4).getBody().getStringValue()).contains("\"region\": \"eu\"");
  }

  @Test
  void metrics_dataPointsLeaveNoCredentialBehind() {
    Capture out = new Capture();
    MetricBatch in = ProcessorFixtures.metrics(resource(kv("service.name", "api")),
        ProcessorFixtures.gauge("http.client.requests",
            List.of(kv("url.full", "https://api.example.com/v1?access_token=ya29.A0ARrdaM-secretToken&page=2")),
            List.of(kv("enduser.email", "bob@example.com"))));

    pipeline("metrics", Signal.METRICS, out, SelfTelemetry.forTesting()).consume(in);

    assertNoSecret(out.last());
    assertThat(out.last().itemCount()).isEqualTo(2);
  }

  private static void assertNoSecret(Batch batch) {
    String text = batch.request().toString();
    for (String secret : SECRETS) {
      assertThat(text).as("secret %s must not survive", secret).doesNotContain(secret);
    }
    if (batch instanceof LogBatch) {
      assertThat(text).contains("****");
    }
  }
}
