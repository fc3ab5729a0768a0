package dev.traceyard.server.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.traceyard.demo.DemoOptions;
import dev.traceyard.demo.DemoServices;
import dev.traceyard.server.demo.AllInOne.StoredLog;
import dev.traceyard.server.demo.AllInOne.StoredSpan;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The demo services, instrumented with traceyard-sdk, sending to a real all-in-one: what the UI shows after
 * `traceyard start --demo` comes back from the query API with the right shape.
 */
class DemoServicesIT {

  @TempDir Path dir;
  private AllInOne allInOne;
  private DemoServices demo;
  private ListAppender<ILoggingEvent> captured;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @AfterEach
  void stop() {
    if (captured != null) {
      mdcAppender().detachAppender(captured);
    }
    if (demo != null) {
      demo.close();
    }
    if (allInOne != null) {
      allInOne.close();
    }
  }

  static io.opentelemetry.instrumentation.logback.mdc.v1_0.OpenTelemetryAppender mdcAppender() {
    var logger = ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(DemoServices.LOGGER);
    return (io.opentelemetry.instrumentation.logback.mdc.v1_0.OpenTelemetryAppender)
        logger.getAppender(DemoServices.MDC_APPENDER);
  }

  @Test
  void oneCheckoutIsOneTraceFromHttpThroughGrpcAndTheQueueWithEveryLogLineUnderIt() throws Exception {
    allInOne = AllInOne.start(dir);
    demo = DemoServices.start(DemoOptions.builder()
        .otlpEndpoint(allInOne.otlpGrpcEndpoint())
        .errorRate(0)
        .slowRate(0)
        .seed(42)
        .build());
    captured = new ListAppender<>();
    captured.start();
    mdcAppender().addAppender(captured);

    URI uri = demo.frontendUri().orElseThrow().resolve("/checkout?user=ada&item=sku-monitor&quantity=2");
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    String traceId = response.headers().firstValue(DemoServices.TRACE_ID_HEADER).orElseThrow();
    await().atMost(Duration.ofSeconds(60)).until(() -> demo.paymentsProcessed() == 1);
    assertThat(demo.flush(Duration.ofSeconds(30))).isTrue();

    // 13 spans: frontend SERVER, recommendations, gRPC CLIENT; checkout SERVER, fraud check, price quote,
    // HTTP CLIENT, PRODUCER; inventory SERVER, SELECT, UPDATE; payments CONSUMER, authorize card
    List<StoredSpan> spans = new ArrayList<>();
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
      spans.clear();
      spans.addAll(allInOne.trace(traceId));
      assertThat(spans).hasSize(13);
    });

    StoredSpan root = only(spans, s -> s.parentSpanId().isEmpty());
    assertThat(root.service()).isEqualTo("frontend");
    assertThat(root.kind()).isEqualTo(SpanKind.SPAN_KIND_SERVER);
    assertThat(root.name()).isEqualTo("GET /checkout");
    StoredSpan grpcClient = child(spans, root, "frontend", SpanKind.SPAN_KIND_CLIENT);
    assertThat(grpcClient.name()).isEqualTo("traceyard.demo.Checkout/PlaceOrder");
    StoredSpan grpcServer = child(spans, grpcClient, "checkout", SpanKind.SPAN_KIND_SERVER);
    assertThat(grpcServer.name()).isEqualTo("traceyard.demo.Checkout/PlaceOrder");
    StoredSpan httpClient = child(spans, grpcServer, "checkout", SpanKind.SPAN_KIND_CLIENT);
    StoredSpan inventoryServer = child(spans, httpClient, "inventory", SpanKind.SPAN_KIND_SERVER);
    StoredSpan select = child(spans, inventoryServer, "inventory", SpanKind.SPAN_KIND_CLIENT);
    assertThat(AllInOne.attribute(select.span().getAttributesList(), "db.system")).isEqualTo("postgresql");
    assertThat(AllInOne.attribute(select.span().getAttributesList(), "db.statement")).startsWith("SELECT quantity");
    StoredSpan producer = child(spans, grpcServer, "checkout", SpanKind.SPAN_KIND_PRODUCER);
    assertThat(producer.name()).isEqualTo("send payments");
    StoredSpan consumer = child(spans, producer, "payments", SpanKind.SPAN_KIND_CONSUMER);
    assertThat(consumer.name()).isEqualTo("process payments");
    assertThat(only(spans, s -> s.name().equals("authorize card")).parentSpanId()).isEqualTo(consumer.spanId());
    // the executor task, the CompletableFuture stage and the frontend pool task stayed in the trace
    assertThat(only(spans, s -> s.name().equals("price quote")).parentSpanId()).isEqualTo(grpcServer.spanId());
    assertThat(only(spans, s -> s.name().equals("fraud check")).parentSpanId()).isEqualTo(grpcServer.spanId());
    assertThat(only(spans, s -> s.name().equals("recommendations")).parentSpanId()).isEqualTo(root.spanId());
    assertThat(spans).extracting(StoredSpan::service).containsOnly("frontend", "checkout", "inventory", "payments");

    // every log line of the request carries its trace id, and all of them are stored under the trace
    List<ILoggingEvent> lines = List.copyOf(captured.list);
    assertThat(lines).hasSizeGreaterThanOrEqualTo(12);
    assertThat(lines).allSatisfy(e -> assertThat(e.getMDCPropertyMap()).containsEntry("trace_id", traceId));
    List<StoredLog> stored = new ArrayList<>();
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
      stored.clear();
      stored.addAll(allInOne.logs(traceId));
      assertThat(stored).hasSameSizeAs(lines);
    });
    assertThat(stored).allSatisfy(l -> assertThat(l.traceId()).isEqualTo(traceId));
    assertThat(stored).extracting(StoredLog::body)
        .containsExactlyInAnyOrderElementsOf(lines.stream().map(ILoggingEvent::getFormattedMessage).toList());
    assertThat(stored).extracting(StoredLog::service).contains("frontend", "checkout", "inventory", "payments");

    // the service graph has the edges the UI's service map draws
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      HttpResponse<String> deps = allInOne.query("/api/v1/dependencies?lookback=1h");
      assertThat(deps.statusCode()).as(deps.body()).isEqualTo(200);
      Set<String> edges = new java.util.HashSet<>();
      for (JsonNode e : new ObjectMapper().readTree(deps.body()).path("edges")) {
        edges.add(e.path("parent").asText() + "->" + e.path("child").asText());
      }
      assertThat(edges).contains("frontend->checkout", "checkout->inventory", "checkout->payments");
    });
  }

  @Test
  void loadDriverFillsTheStoreWithTracesOfAllFourServices() throws Exception {
    allInOne = AllInOne.start(dir);
    demo = DemoServices.start(DemoOptions.builder()
        .otlpEndpoint(allInOne.otlpGrpcEndpoint())
        .requestsPerSecond(10)
        .build());
    await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
      assertThat(demo.loadDriver().orElseThrow().succeeded()).isGreaterThanOrEqualTo(10);
      HttpResponse<String> services = allInOne.query("/api/v1/services");
      assertThat(services.body()).contains("frontend", "checkout", "inventory", "payments");
    });
  }

  private static StoredSpan only(List<StoredSpan> spans, java.util.function.Predicate<StoredSpan> which) {
    List<StoredSpan> found = spans.stream().filter(which).toList();
    assertThat(found).as("spans: %s", spans).hasSize(1);
    return found.get(0);
  }

  private static StoredSpan child(List<StoredSpan> spans, StoredSpan parent, String service, SpanKind kind) {
    return only(spans, s -> s.parentSpanId().equals(parent.spanId()) && service.equals(s.service()) && s.kind() == kind
        && !s.name().startsWith("UPDATE"));
  }

  static Set<String> names(List<StoredSpan> spans) {
    return spans.stream().map(StoredSpan::name).collect(Collectors.toSet());
  }
}
