package dev.traceyard.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.testing.exporter.InMemoryLogRecordExporter;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The demo services with in-memory exporters: span structure, log correlation and failure recording. */
class DemoServicesTest {

  private static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");

  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private final InMemoryLogRecordExporter logs = InMemoryLogRecordExporter.create();
  private final HttpClient http = HttpClient.newHttpClient();
  private DemoServices demo;
  private ListAppender<ILoggingEvent> captured;

  @AfterEach
  void stop() {
    if (demo != null) {
      demo.close();
    }
    if (captured != null) {
      mdcAppender().detachAppender(captured);
    }
  }

  private DemoServices start(double errorRate) {
    demo = DemoServices.start(DemoOptions.builder()
        .errorRate(errorRate)
        .slowRate(0)
        .seed(7)
        .sdkCustomizer((service, builder) -> builder
            .property("otel.traces.exporter", "none")
            .property("otel.metrics.exporter", "none")
            .property("otel.logs.exporter", "none")
            .addSpanExporter(spans)
            .addLogRecordExporter(logs))
        .build());
    captured = new ListAppender<>();
    captured.start();
    mdcAppender().addAppender(captured);
    return demo;
  }

  private static io.opentelemetry.instrumentation.logback.mdc.v1_0.OpenTelemetryAppender mdcAppender() {
    Logger demoLogger = ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(DemoLogging.DEMO_LOGGER);
    return (io.opentelemetry.instrumentation.logback.mdc.v1_0.OpenTelemetryAppender)
        demoLogger.getAppender(DemoLogging.MDC_APPENDER);
  }

  private HttpResponse<String> checkout() throws Exception {
    URI uri = demo.frontendUri().orElseThrow().resolve("/checkout?user=ada&item=sku-monitor&quantity=2");
    return http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String service(SpanData s) {
    return s.getResource().getAttribute(SERVICE_NAME);
  }

  @Test
  void oneRequestMakesOneTraceAcrossAllFourServicesWithCorrectParentage() throws Exception {
    start(0);
    HttpResponse<String> response = checkout();
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("orderId").contains("recommendations");

    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      demo.flush(Duration.ofSeconds(5));
      assertThat(spans.getFinishedSpanItems()).extracting(SpanData::getName).contains("process payments");
    });
    List<SpanData> all = spans.getFinishedSpanItems();
    assertThat(all).extracting(SpanData::getTraceId).containsOnly(all.get(0).getTraceId());
    Map<String, SpanData> byId = all.stream().collect(Collectors.toMap(SpanData::getSpanId, Function.identity()));
    SpanData root = all.stream().filter(s -> !s.getParentSpanContext().isValid()).findFirst().orElseThrow();
    assertThat(service(root)).isEqualTo("frontend");
    assertThat(root.getKind()).isEqualTo(SpanKind.SERVER);

    SpanData grpcClient = child(all, root, "frontend", SpanKind.CLIENT);
    assertThat(grpcClient.getName()).isEqualTo("traceyard.demo.Checkout/PlaceOrder");
    SpanData grpcServer = child(all, grpcClient, "checkout", SpanKind.SERVER);
    SpanData httpClient = child(all, grpcServer, "checkout", SpanKind.CLIENT);
    SpanData inventoryServer = child(all, httpClient, "inventory", SpanKind.SERVER);
    SpanData select = all.stream().filter(s -> s.getName().equals("SELECT inventory.stock")).findFirst().orElseThrow();
    assertThat(select.getParentSpanId()).isEqualTo(inventoryServer.getSpanId());
    assertThat(select.getKind()).isEqualTo(SpanKind.CLIENT);
    assertThat(select.getAttributes().get(InventoryService.DB_SYSTEM)).isEqualTo("postgresql");
    assertThat(select.getAttributes().get(InventoryService.DB_STATEMENT)).startsWith("SELECT quantity FROM stock");
    SpanData producer = child(all, grpcServer, "checkout", SpanKind.PRODUCER);
    SpanData consumer = child(all, producer, "payments", SpanKind.CONSUMER);
    assertThat(named(all, "authorize card").getParentSpanId()).isEqualTo(consumer.getSpanId());
    // thread-pool and CompletableFuture work stays under the span that submitted it
    assertThat(named(all, "fraud check").getParentSpanId()).isEqualTo(grpcServer.getSpanId());
    assertThat(named(all, "price quote").getParentSpanId()).isEqualTo(grpcServer.getSpanId());
    assertThat(named(all, "recommendations").getParentSpanId()).isEqualTo(root.getSpanId());
    assertThat(byId).containsKey(root.getSpanId());

    // every demo log line of the request carries its trace id, in the MDC and on the exported record
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      demo.flush(Duration.ofSeconds(5));
      assertThat(logs.getFinishedLogRecordItems()).hasSameSizeAs(captured.list);
    });
    assertThat(captured.list).hasSizeGreaterThanOrEqualTo(10);
    assertThat(captured.list).allSatisfy(e ->
        assertThat(e.getMDCPropertyMap()).containsEntry("trace_id", root.getTraceId()));
    assertThat(logs.getFinishedLogRecordItems()).allSatisfy(l ->
        assertThat(l.getSpanContext().getTraceId()).isEqualTo(root.getTraceId()));
    assertThat(logs.getFinishedLogRecordItems())
        .extracting(l -> l.getResource().getAttribute(SERVICE_NAME))
        .contains("frontend", "checkout", "inventory", "payments");
  }

  @Test
  void failuresAreRecordedAsExceptionsOnTheirSpans() throws Exception {
    start(1.0); // every database call fails
    HttpResponse<String> response = checkout();
    assertThat(response.statusCode()).isEqualTo(503);
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      demo.flush(Duration.ofSeconds(5));
      assertThat(spans.getFinishedSpanItems()).anySatisfy(s ->
          assertThat(s.getKind() == SpanKind.SERVER && service(s).equals("frontend")).isTrue());
    });
    SpanData select = named(spans.getFinishedSpanItems(), "SELECT inventory.stock");
    assertThat(select.getStatus().getStatusCode()).isEqualTo(io.opentelemetry.api.trace.StatusCode.ERROR);
    assertThat(select.getEvents()).anySatisfy(e -> assertThat(e.getName()).isEqualTo("exception"));
    assertThat(spans.getFinishedSpanItems())
        .filteredOn(s -> s.getKind() == SpanKind.SERVER)
        .allSatisfy(s -> assertThat(s.getStatus().getStatusCode()).isEqualTo(io.opentelemetry.api.trace.StatusCode.ERROR));
    assertThat(logs.getFinishedLogRecordItems()).extracting(LogRecordData::getSeverityText).contains("ERROR");
  }

  @Test
  void optionsRefuseAHalfDeployedQueue() {
    assertThatThrownBy(() -> DemoOptions.builder().services(EnumSet.of(DemoOptions.Service.CHECKOUT))
        .inventoryUri(URI.create("http://127.0.0.1:1")).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("checkout and payments");
    assertThatThrownBy(() -> DemoOptions.builder().errorRate(1.5))
        .hasMessageContaining("errorRate");
    assertThatThrownBy(() -> DemoMain.parse(new String[] {"--rate", "fast"}))
        .hasMessageContaining("--rate");
  }

  private static SpanData named(List<SpanData> all, String name) {
    return all.stream().filter(s -> s.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no span named " + name + " in " + all));
  }

  private static SpanData child(List<SpanData> all, SpanData parent, String service, SpanKind kind) {
    return all.stream()
        .filter(s -> s.getParentSpanId().equals(parent.getSpanId()) && service(s).equals(service) && s.getKind() == kind)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " span of " + service + " under " + parent.getName()
            + "; spans: " + all.stream().map(s -> service(s) + ":" + s.getKind() + ":" + s.getName()).toList()));
  }
}
