package dev.traceyard.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.logs.LogRecordBuilder;
import io.opentelemetry.api.logs.Logger;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.export.BatchLogRecordProcessor;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The "Instrumentation health" page in a real headless Chromium against the all-in-one (the same
 * setup as {@link UiBrowserIT}, without demo traffic: only the reports matter here). The reports are
 * sent the way a collector running trace_quality would deliver them: OTLP log records of the scope
 * {@code traceyard.trace_quality} from an internal resource, here through the OTel Java SDK's logs API
 * and the all-in-one's OTLP/HTTP receiver; their example traces are real SDK traces.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HealthPageBrowserIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final long MIN = 60_000_000_000L;
  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();
  private Path dir;
  private AllInOneFixture allInOne;
  private WebDriver driver;
  private String base;
  private String otlpHttp;
  /** The example spans of the orphan finding, most recent last. */
  private final List<SpanContext> examples = new ArrayList<>();

  @BeforeAll
  void startAllInOneSeedReportsAndBrowser() throws Exception {
    HeadlessChrome.requireInstalled("HealthPageBrowserIT");
    dir = Files.createTempDirectory("traceyard-health-it");
    // The traces pipeline is pinned, so that only the reports sent here exist even if the built-in
    // config someday runs trace_quality on it (it would report on the example traces too).
    allInOne = AllInOneFixture.start(dir,
        "  pipelines:",
        "    traces: {processors: [memory_limiter]}");
    otlpHttp = allInOne.otlpEndpoint("http");
    base = allInOne.queryBase();
    seed();
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      assertThat(api("/api/v1/quality/findings?service=checkout").path("findings")).hasSize(2);
      assertThat(api("/api/v1/quality/findings").path("services")).hasSize(3);
      assertThat(api("/api/v1/quality/cost").path("services")).hasSize(3);
      assertThat(api("/api/v1/traces?service=checkout&limit=10").path("traces")).hasSize(examples.size());
    });

    driver = HeadlessChrome.start(dir, "1366,768");
  }

  /**
   * Three services over the last 10 minutes: checkout with a high-cardinality attribute in half of
   * its traces and orphans in a few (examples: real traces), inventory with one finding, and a clean one.
   */
  private void seed() {
    SdkTracerProvider tracing = SdkTracerProvider.builder()
        .setResource(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "checkout")))
        .addSpanProcessor(BatchSpanProcessor.builder(OtlpHttpSpanExporter.builder()
            .setEndpoint(otlpHttp + "/v1/traces").build()).build())
        .build();
    Tracer tracer = tracing.get("health-it");
    for (int i = 0; i < 3; i++) {
      Span root = tracer.spanBuilder("GET /cart").startSpan();
      Span child = tracer.spanBuilder("load cart").setParent(Context.root().with(root)).startSpan();
      examples.add(child.getSpanContext());
      child.end();
      root.end();
    }
    assertThat(tracing.forceFlush().join(10, TimeUnit.SECONDS).isSuccess()).as("example traces sent").isTrue();
    tracing.shutdown().join(10, TimeUnit.SECONDS);

    long now = System.currentTimeMillis() * 1_000_000L;
    report("checkout", logger -> {
      for (int i = 0; i < 10; i++) {
        long t = now - (10 - i) * MIN;
        finding(logger, t, null, "high_cardinality_attribute", "GET /users/{id}", "user.id", null, 1, 50, 100,
            "user.id has ~" + (i + 1) * 1000 + " distinct values on span GET /users/{id}");
        cost(logger, t, "GET /cart", 300, 100, 150_000, 100_000);
        cost(logger, t, "SELECT", 700, 100, 70_000, 20_000);
        cost(logger, t, "*", 1000, 100, 0, 0);
        costAttribute(logger, t, "http.request.header.cookie", 60_000, 300);
        costAttribute(logger, t, "user.id", 10_000, 1000);
      }
      for (int i = 0; i < examples.size(); i++) {
        finding(logger, now - (5 - i) * MIN, examples.get(i), "orphan_span", "GET /cart", null, null, 3, 2, 100,
            "3 spans whose parent never arrived within 30s");
      }
    });
    report("inventory", logger -> {
      for (int i = 0; i < 10; i++) {
        long t = now - (10 - i) * MIN;
        cost(logger, t, "GET /stock", 200, 200, 40_000, 5_000);
        cost(logger, t, "*", 200, 200, 0, 0);
      }
      finding(logger, now - MIN, null, "missing_service_version", null, null, null, 200, 200, 200,
          "service.version is missing");
    });
    report("clean", logger -> {
      for (int i = 0; i < 10; i++) {
        cost(logger, now - (10 - i) * MIN, "ping", 10, 10, 1_000, 100);
        cost(logger, now - (10 - i) * MIN, "*", 10, 10, 0, 0);
      }
    });
  }

  private void report(String svc, java.util.function.Consumer<Logger> emit) {
    SdkLoggerProvider provider = SdkLoggerProvider.builder()
        .setResource(Resource.create(Attributes.builder().put("service.name", svc).put("traceyard.internal", true)
            .build()))
        // One batch per report, as the processor delivers a report interval (a simple processor's
        // one request per record would be cut short by the exporter's shutdown).
        .addLogRecordProcessor(BatchLogRecordProcessor.builder(OtlpHttpLogRecordExporter.builder()
            .setEndpoint(otlpHttp + "/v1/logs").build()).setMaxExportBatchSize(1000).setMaxQueueSize(1000).build())
        .build();
    emit.accept(provider.get("traceyard.trace_quality"));
    assertThat(provider.forceFlush().join(10, TimeUnit.SECONDS).isSuccess()).as("report of %s sent", svc).isTrue();
    provider.shutdown().join(10, TimeUnit.SECONDS);
  }

  private static LogRecordBuilder record(Logger logger, long time, String event) {
    return logger.logRecordBuilder().setTimestamp(time, TimeUnit.NANOSECONDS)
        .setObservedTimestamp(time, TimeUnit.NANOSECONDS).setEventName(event).setBody(event)
        .setAttribute(AttributeKey.longKey("quality.interval_seconds"), 60L);
  }

  private static void finding(Logger logger, long time, SpanContext example, String kind, String spanName,
      String attributeKey, String peer, long count, long affected, long total, String detail) {
    LogRecordBuilder b = record(logger, time, "trace_quality.finding")
        .setAttribute(AttributeKey.stringKey("quality.kind"), kind)
        .setAttribute(AttributeKey.longKey("quality.count"), count)
        .setAttribute(AttributeKey.longKey("quality.traces_affected"), affected)
        .setAttribute(AttributeKey.longKey("quality.traces_total"), total)
        .setAttribute(AttributeKey.stringKey("quality.detail"), detail);
    if (spanName != null) {
      b.setAttribute(AttributeKey.stringKey("quality.span_name"), spanName);
    }
    if (attributeKey != null) {
      b.setAttribute(AttributeKey.stringKey("quality.attribute_key"), attributeKey);
    }
    if (peer != null) {
      b.setAttribute(AttributeKey.stringKey("quality.peer_service"), peer);
    }
    if (example != null) {
      b.setAttribute(AttributeKey.stringKey("quality.example_trace_id"), example.getTraceId())
          .setContext(Context.root().with(Span.wrap(example)));
    }
    b.emit();
  }

  private static void cost(Logger logger, long time, String spanName, long spans, long traces, long bytes,
      long attributeBytes) {
    record(logger, time, "trace_quality.cost")
        .setAttribute(AttributeKey.stringKey("cost.span_name"), spanName)
        .setAttribute(AttributeKey.longKey("cost.spans"), spans)
        .setAttribute(AttributeKey.longKey("cost.traces"), traces)
        .setAttribute(AttributeKey.longKey("cost.bytes"), bytes)
        .setAttribute(AttributeKey.longKey("cost.attribute_bytes"), attributeBytes)
        .emit();
  }

  private static void costAttribute(Logger logger, long time, String key, long bytes, long count) {
    record(logger, time, "trace_quality.cost_attribute")
        .setAttribute(AttributeKey.stringKey("cost.attribute_key"), key)
        .setAttribute(AttributeKey.longKey("cost.bytes"), bytes)
        .setAttribute(AttributeKey.longKey("cost.count"), count)
        .emit();
  }

  @AfterAll
  void stopAll() {
    if (driver != null) {
      driver.quit();
    }
    if (allInOne != null) {
      allInOne.close();
    }
  }

  @BeforeEach
  void clearConsole() {
    driver.manage().logs().get(LogType.BROWSER);
  }

  @AfterEach
  void screenshotAndConsole(TestInfo info) throws Exception {
    screenshot(info.getTestMethod().orElseThrow().getName() + ".png");
    assertThat(HeadlessChrome.consoleErrors(driver, List.of())).as("browser console errors").isEmpty();
  }

  @Test
  void servicesAreListedWorstFirst_andTheKeyboardOpensOneWithItsFindingsSortedByHurt() throws Exception {
    open("/search");
    WebElement nav = waitFor(By.id("nav-health"));
    nav.sendKeys(Keys.ENTER);
    waitFor(By.cssSelector("#health-services tr.health-service"));
    assertThat(driver.getCurrentUrl()).endsWith("/health");
    assertThat(driver.findElement(By.id("nav-health")).getAttribute("aria-current")).isEqualTo("page");
    assertThat(driver.findElements(By.cssSelector("#health-services tr.health-service")))
        .extracting(r -> r.getAttribute("data-service")).containsExactly("checkout", "inventory", "clean");
    WebElement checkout = driver.findElement(By.cssSelector("#health-services tr[data-service='checkout']"));
    assertThat(checkout.getText()).contains("High-cardinality attribute").contains("50.0%").contains("Trim attributes");
    assertThat(driver.findElement(By.cssSelector("#health-services tr[data-service='clean']")).getText())
        .contains("none");
    screenshot("health-overview.png");

    // Keyboard only: the service's link opens its page.
    checkout.findElement(By.cssSelector("a.health-link")).sendKeys(Keys.ENTER);
    waitFor(By.cssSelector("#findings-table tr.finding"));
    assertThat(driver.getCurrentUrl()).endsWith("/health?service=checkout");
    List<WebElement> rows = driver.findElements(By.cssSelector("#findings-table tr.finding"));
    assertThat(rows).extracting(r -> r.getAttribute("data-kind"))
        .containsExactly("high_cardinality_attribute", "orphan_span");
    assertThat(rows.get(0).getText()).contains("user.id").contains("500 of 1000").contains("~10000 distinct values");
    assertThat(rows.get(1).getText()).contains("6 of 1000").contains("0.60%");

    // Trends: one bar per bucket with reports; the text alternative says the same.
    WebElement trend = rows.get(0).findElement(By.cssSelector("svg.trend"));
    assertThat(trend.findElements(By.cssSelector("rect.bar"))).hasSize(10);
    assertThat(trend.getAttribute("aria-label")).contains("per minute").contains("10 of ");
    assertThat(rows.get(1).findElements(By.cssSelector("svg.trend rect.bar"))).hasSize(3);
  }

  @Test
  void anExampleLink_opensTheTraceAtItsSpan_whoseLogsLeaveTheReportOut() {
    open("/health?service=checkout");
    WebElement orphans = waitFor(By.cssSelector("#findings-table tr.finding[data-kind='orphan_span']"));
    List<WebElement> links = orphans.findElements(By.cssSelector("a.example-link"));
    SpanContext latest = examples.get(examples.size() - 1);
    assertThat(links).extracting(a -> a.getAttribute("href")).containsExactly(
        base + "/trace/" + latest.getTraceId() + "?span=" + latest.getSpanId(),
        base + "/trace/" + examples.get(1).getTraceId() + "?span=" + examples.get(1).getSpanId(),
        base + "/trace/" + examples.get(0).getTraceId() + "?span=" + examples.get(0).getSpanId());
    links.get(0).sendKeys(Keys.ENTER);
    waitFor(By.cssSelector("#waterfall .wf-row.selected[data-span-id='" + latest.getSpanId() + "']"));
    assertThat(driver.getCurrentUrl()).endsWith("/trace/" + latest.getTraceId() + "?span=" + latest.getSpanId());
    // The report carries this trace's id, but it is not one of the trace's logs.
    new WebDriverWait(driver, WAIT).until(d -> !d.findElement(By.id("logs")).getText().contains("Loading"));
    assertThat(driver.findElement(By.id("logs")).getText()).doesNotContain("trace_quality")
        .contains("No logs were recorded");
  }

  @Test
  void costBreakdown_showsTheLeverTheNumbersPointTo() {
    open("/health?service=checkout");
    WebElement chosen = waitFor(By.cssSelector("#levers li.chosen"));
    assertThat(chosen.getAttribute("data-lever")).isEqualTo("trim_attributes");
    assertThat(chosen.getAttribute("aria-current")).isEqualTo("true");
    assertThat(driver.findElements(By.cssSelector("#levers li.lever"))).hasSize(3);
    assertThat(driver.findElement(By.id("lever-reason")).getText()).contains("55%")
        .contains("http.request.header.cookie");
    assertThat(driver.findElement(By.id("cost-spt")).getText()).isEqualTo("10.0");
    assertThat(driver.findElement(By.id("cost-bps")).getText()).isEqualTo("220 B");
    assertThat(driver.findElement(By.id("cost-share")).getText()).isEqualTo("84.3%");
    assertThat(driver.findElements(By.cssSelector("#cost-spans tr.cost-span")))
        .extracting(r -> r.getAttribute("data-name")).containsExactly("GET /cart", "SELECT");
    assertThat(driver.findElements(By.cssSelector("#cost-attributes tr.cost-attribute")))
        .extracting(r -> r.getAttribute("data-key")).containsExactly("http.request.header.cookie", "user.id");
  }

  @Test
  void withoutReports_thePageExplainsHowToEnableTraceQuality() {
    long dayAgo = System.currentTimeMillis() - 86_400_000L;
    open("/health?lookback=15m&end=" + dayAgo);
    WebElement empty = waitFor(By.id("health-empty"));
    assertThat(empty.getText()).contains("No trace_quality reports in this time range").contains("logs pipeline");
    assertThat(driver.findElement(By.id("enable-config")).getText()).contains("trace_quality:")
        .contains("findings_pipelines: [logs]");
  }

  @Test
  void thePageFitsALaptopScreen_inLightAndDarkMode() throws Exception {
    ChromeDriver chrome = (ChromeDriver) driver;
    try {
      for (String scheme : new String[] {"light", "dark"}) {
        chrome.executeCdpCommand("Emulation.setEmulatedMedia",
            Map.of("features", List.of(Map.of("name", "prefers-color-scheme", "value", scheme))));
        for (String[] page : new String[][] {{"health", "/health", "#health-services"},
            {"health-service", "/health?service=checkout", "#cost-attributes"}}) {
          open(page[1]);
          waitFor(By.cssSelector(page[2]));
          assertThat((Boolean) chrome.executeScript(
              "return document.documentElement.scrollWidth <= document.documentElement.clientWidth"))
              .as("%s fits 1366 px", page[0]).isTrue();
          screenshot(page[0] + "-1366x768" + (scheme.equals("dark") ? "-dark" : "") + ".png");
        }
      }
    } finally {
      chrome.executeCdpCommand("Emulation.setEmulatedMedia", Map.of("features", List.of()));
    }
  }

  private void screenshot(String name) throws java.io.IOException {
    HeadlessChrome.screenshot(driver, name);
  }

  private void open(String path) {
    driver.get(base + path);
  }

  private WebElement waitFor(By by) {
    return new WebDriverWait(driver, WAIT).until(ExpectedConditions.visibilityOfElementLocated(by));
  }

  private JsonNode api(String path) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
    return json.readTree(r.body());
  }
}
