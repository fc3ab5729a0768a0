package dev.traceyard.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.traceyard.collector.otlp.Hex;
import dev.traceyard.collector.otlp.OtlpJson;
import dev.traceyard.server.loadgen.DemoTraffic;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web UI in a real headless Chromium against the all-in-one with demo traffic: search, trace
 * waterfall, span detail, logs, links, service map and dashboard. Every test saves a screenshot under
 * {@code target/screenshots/} and fails on any browser console error.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UiBrowserIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();
  private Path dir;
  private AllInOneFixture allInOne;
  private DemoTraffic demo;
  private WebDriver driver;
  private String base;
  /** Console messages a test expects (e.g. the 404 of an unknown trace); any other error fails it. */
  private final List<String> allowedConsoleErrors = new ArrayList<>();

  @BeforeAll
  void startAllInOneAndBrowser() throws Exception {
    HeadlessChrome.requireInstalled("UiBrowserIT");
    dir = Files.createTempDirectory("traceyard-ui-it");
    allInOne = AllInOneFixture.start(dir);
    base = allInOne.queryBase();
    demo = DemoTraffic.start("127.0.0.1:" + allInOne.port("otlp", "grpc"), 100);

    // Data for every page: an error trace, a service graph edge, RED series.
    await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
      assertThat(api("/api/v1/traces?status=error&limit=1").path("traces")).isNotEmpty();
      assertThat(api("/api/v1/dependencies").path("edges")).isNotEmpty();
      assertThat(api("/api/v1/red?service=frontend").path("series")).isNotEmpty();
    });

    driver = HeadlessChrome.start(dir, "1600,1000");
  }

  @AfterAll
  void stopAll() {
    if (driver != null) {
      driver.quit();
    }
    if (demo != null) {
      demo.close();
    }
    if (allInOne != null) {
      allInOne.close();
    }
  }

  @BeforeEach
  void clearConsole() {
    allowedConsoleErrors.clear();
    driver.manage().logs().get(LogType.BROWSER); // drain what earlier tests left
  }

  @AfterEach
  void screenshotAndConsole(TestInfo info) throws Exception {
    screenshot(info.getTestMethod().orElseThrow().getName() + ".png");
    assertThat(HeadlessChrome.consoleErrors(driver, allowedConsoleErrors)).as("browser console errors").isEmpty();
  }

  @Test
  void errorTrace_foundThroughSearch_showsEverySpanInTreeOrderWithDetailLogsAndLinks() throws Exception {
    open("/search");
    new Select(waitFor(By.id("f-status"))).selectByValue("error");
    driver.findElement(By.id("f-submit")).click();
    WebElement link = waitFor(By.cssSelector("#results-table tr.result a.trace-link"));
    assertThat(driver.getCurrentUrl()).contains("status=error");
    for (WebElement errors : driver.findElements(By.cssSelector("#results-table tr.result td.num:nth-child(6)"))) {
      assertThat(Integer.parseInt(errors.getText())).isPositive();
    }
    String traceId = link.findElement(By.xpath("ancestor::tr")).getAttribute("data-trace-id");
    link.click();
    waitFor(By.cssSelector("#waterfall .wf-row[data-span-id]"));
    assertThat(driver.getCurrentUrl()).endsWith("/trace/" + traceId);

    // Spans may still be arriving for a fresh trace: compare against the API until both agree.
    await().atMost(WAIT).untilAsserted(() -> {
      List<String[]> expected = expectedTreeOrder(traceId);
      driver.navigate().refresh();
      waitFor(By.cssSelector("#waterfall .wf-row[data-span-id]"));
      List<String[]> shown = driver.findElements(By.cssSelector("#waterfall .wf-row[data-span-id]")).stream()
          .map(r -> new String[] {r.getAttribute("data-span-id"), r.getAttribute("data-depth")})
          .collect(Collectors.toList());
      assertThat(shown).hasSize(expected.size());
      for (int i = 0; i < expected.size(); i++) {
        assertThat(shown.get(i)).as("row %d (span id, depth)", i).containsExactly(expected.get(i));
      }
      assertThat(driver.findElement(By.id("span-count")).getText()).isEqualTo(String.valueOf(expected.size()));
    });
    // Rows are indented by depth.
    List<WebElement> rows = driver.findElements(By.cssSelector("#waterfall .wf-row[data-span-id]"));
    WebElement deepest = rows.stream().max(Comparator.comparingInt(r -> Integer.parseInt(r.getAttribute("data-depth")))).orElseThrow();
    assertThat(Integer.parseInt(deepest.getAttribute("data-depth"))).isPositive();
    assertThat(padding(deepest)).isGreaterThan(padding(rows.get(0)));

    // The error span's detail: status, and the exception event's stack trace.
    // The demo marks a callee's SERVER span (with the exception event) and its CLIENT parent: the callee is the later row.
    waitFor(By.cssSelector("#waterfall .wf-row.is-error"));
    List<WebElement> errorRows = driver.findElements(By.cssSelector("#waterfall .wf-row.is-error"));
    WebElement errorRow = errorRows.get(errorRows.size() - 1);
    String errorSpanId = errorRow.getAttribute("data-span-id");
    errorRow.findElement(By.cssSelector("button.open")).click();
    new WebDriverWait(driver, WAIT).until(ExpectedConditions.textToBePresentInElementLocated(By.id("detail-status"), "error"));
    assertThat(waitFor(By.cssSelector("#span-detail pre.stacktrace")).getText()).contains("SimulatedException");
    assertThat(driver.getCurrentUrl()).endsWith("/trace/" + traceId + "?span=" + errorSpanId);
    assertThat(driver.findElement(By.id("span-detail")).getText()).contains("Attributes").contains("Resource")
        .contains("service.name");
    // Logs section present (the demo sends no logs: it says so).
    WebElement logs = waitFor(By.cssSelector("#logs h2"));
    assertThat(logs.getText()).startsWith("Logs");
    new WebDriverWait(driver, WAIT).until(d -> !d.findElement(By.id("logs")).getText().contains("Loading"));

    // The deep link reopens the same span.
    open("/trace/" + traceId + "?span=" + errorSpanId);
    waitFor(By.cssSelector("#waterfall .wf-row.selected[data-span-id='" + errorSpanId + "']"));
    new WebDriverWait(driver, WAIT).until(ExpectedConditions.textToBePresentInElementLocated(By.id("detail-status"), "error"));
    screenshot("trace-page.png");

    // Dark mode follows prefers-color-scheme.
    ChromeDriver chrome = (ChromeDriver) driver;
    chrome.executeCdpCommand("Emulation.setEmulatedMedia",
        Map.of("features", List.of(Map.of("name", "prefers-color-scheme", "value", "dark"))));
    try {
      new WebDriverWait(driver, WAIT).until(d -> d.findElement(By.tagName("body")).getCssValue("background-color")
          .equals("rgba(21, 24, 28, 1)"));
      screenshot("trace-page-dark.png");
    } finally {
      chrome.executeCdpCommand("Emulation.setEmulatedMedia", Map.of("features", List.of()));
    }

    // Collapse the root: only the root row stays; expand brings every row back.
    int all = driver.findElements(By.cssSelector("#waterfall .wf-row[data-span-id]")).size();
    WebElement rootToggle = driver.findElement(By.cssSelector("#waterfall .wf-row[data-depth='0'] button.toggle"));
    rootToggle.click();
    new WebDriverWait(driver, WAIT).until(d -> d.findElements(By.cssSelector("#waterfall .wf-row[data-span-id]")).size() < all);
    driver.findElement(By.cssSelector("#waterfall .wf-row[data-depth='0'] button.toggle")).click();
    new WebDriverWait(driver, WAIT).until(d -> d.findElements(By.cssSelector("#waterfall .wf-row[data-span-id]")).size() == all);

    // Follow a link: the span's service opens its dashboard.
    String svc = driver.findElement(By.cssSelector("#waterfall .wf-row.selected")).getAttribute("data-service");
    driver.findElement(By.cssSelector("#span-detail a[href^='/service/']")).click();
    waitFor(By.cssSelector("#red-table tr.red-row"));
    assertThat(driver.findElement(By.tagName("h1")).getText()).isEqualTo(svc);

    // The JSON download link serves the trace.
    assertThat(api("/api/v1/traces/" + traceId).path("resourceSpans")).isNotEmpty();
  }

  @Test
  void sharedSearchUrl_restoresTheFormAndItsResults() {
    open("/search?service=frontend&status=error&lookback=6h");
    waitFor(By.cssSelector("#results-table tr.result"));
    assertThat(new Select(driver.findElement(By.id("f-service"))).getFirstSelectedOption().getAttribute("value")).isEqualTo("frontend");
    assertThat(new Select(driver.findElement(By.id("f-status"))).getFirstSelectedOption().getAttribute("value")).isEqualTo("error");
    assertThat(new Select(driver.findElement(By.id("f-lookback"))).getFirstSelectedOption().getAttribute("value")).isEqualTo("6h");
    for (WebElement row : driver.findElements(By.cssSelector("#results-table tr.result"))) {
      assertThat(row.getText()).contains("frontend");
    }
  }

  @Test
  void serviceMap_drawsEdgesWithLabels_andAServiceOpensItsDashboard() {
    open("/map");
    waitFor(By.cssSelector("#service-map path.edge"));
    assertThat(driver.findElements(By.cssSelector("#service-map text.edge-label")).get(0).getText()).contains("/s").contains("p95");
    assertThat(driver.findElements(By.cssSelector("#edges-table tbody tr"))).isNotEmpty();
    WebElement node = waitFor(By.cssSelector("#service-map a.node[data-service='frontend']"));
    node.click();
    waitFor(By.cssSelector("#red-table tr.red-row"));
    assertThat(driver.getCurrentUrl()).endsWith("/service/frontend");
    assertThat(driver.findElement(By.tagName("h1")).getText()).isEqualTo("frontend");
    // Each span name links to its example traces.
    driver.findElement(By.cssSelector("#red-table tr.red-row a[href^='/search?']")).click();
    waitFor(By.cssSelector("#results-table tr.result"));
    assertThat(driver.getCurrentUrl()).contains("service=frontend").contains("name=");
  }

  @Test
  void unknownTrace_saysWhatToDo() {
    allowedConsoleErrors.add("status of 404");
    open("/trace/0123456789abcdef0123456789abcdef");
    WebElement empty = waitFor(By.cssSelector("#app .empty"));
    assertThat(driver.findElement(By.tagName("h1")).getText()).isEqualTo("Trace not found");
    assertThat(empty.getText()).contains("retention");
  }

  @Test
  void keyboard_reachesTheNavigationAndOpensATrace() {
    open("/search");
    waitFor(By.cssSelector("#results-table tr.result a.trace-link"));
    // Links and buttons are real elements, so keyboard focus and Enter work.
    WebElement link = driver.findElement(By.cssSelector("#results-table tr.result a.trace-link"));
    link.sendKeys(org.openqa.selenium.Keys.ENTER);
    waitFor(By.cssSelector("#waterfall .wf-row[data-span-id] button.open")).sendKeys(org.openqa.selenium.Keys.ENTER);
    waitFor(By.id("detail-name"));
  }

  @Test
  void tenThousandSpanTrace_rendersOnlyTheRowsInView_andScrollsCollapsesAndNavigatesByKeyboard() throws Exception {
    String traceId = "0af7651916cd43dd8448eb211c80319c";
    int n = 10_000;
    sendBigTrace(traceId, n);
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
        assertThat(expectedTreeOrder(traceId)).hasSize(n));
    List<String[]> order = expectedTreeOrder(traceId);
    open("/trace/" + traceId);
    WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(60));
    wait.until(d -> modelRows() == n && d.findElement(By.id("app")).getAttribute("data-render-ms") != null);
    double renderMs = measure("trace-render");
    String phases = String.format("tree %.0f ms, critical path %.0f ms, rows into the DOM %.0f ms, then layout and paint",
        measure("trace-build"), measure("trace-critical-path"), measure("trace-draw"));
    // Virtualised: the tree has every span, the page only the rows in view plus the overscan.
    assertThat(rowCount()).isBetween(10L, 200L);
    assertThat(driver.findElement(By.id("span-count")).getText()).isEqualTo(String.valueOf(n));

    // Responsiveness: time from a change to the next painted frame (recorded, not asserted).
    String nextPaint = "const done = arguments[arguments.length - 1]; const t = performance.now();"
        + " %s; requestAnimationFrame(() => setTimeout(() => done(performance.now() - t), 0));";
    double scrollMs = ((Number) ((org.openqa.selenium.JavascriptExecutor) driver).executeAsyncScript(String.format(nextPaint,
        "const w = document.getElementById('waterfall'); w.scrollTop = w.scrollHeight / 2"))).doubleValue();
    // The rows in view after the jump are the middle of the tree, in tree order.
    wait.until(d -> rowCount() > 0);
    String firstShown = (String) js("const w = document.getElementById('waterfall');"
        + " const rows = [...w.querySelectorAll('.wf-row[data-span-id]')];"
        + " const top = w.getBoundingClientRect().top + 25;"
        + " return rows.find(r => r.getBoundingClientRect().bottom > top).dataset.spanId");
    int firstIndex = indexOf(order, firstShown);
    assertThat(firstIndex).isBetween(n / 2 - 40, n / 2 + 40);
    List<String> shown = driver.findElements(By.cssSelector("#waterfall .wf-row[data-span-id]")).stream()
        .map(r -> r.getAttribute("data-span-id")).collect(Collectors.toList());
    int at = indexOf(order, shown.get(0));
    for (int i = 0; i < shown.size(); i++) {
      assertThat(shown.get(i)).as("row %d", at + i).isEqualTo(order.get(at + i)[0]);
    }
    screenshot("trace-10k-scrolled.png");

    js("document.getElementById('waterfall').scrollTop = 0");
    waitFor(By.cssSelector("#waterfall .wf-row[data-depth='0'] button.toggle"));
    double collapseMs = ((Number) ((org.openqa.selenium.JavascriptExecutor) driver).executeAsyncScript(String.format(nextPaint,
        "document.querySelector(\"#waterfall .wf-row[data-depth='0'] button.toggle\").click()"))).doubleValue();
    wait.until(d -> modelRows() == 1 && rowCount() == 1);
    double expandMs = ((Number) ((org.openqa.selenium.JavascriptExecutor) driver).executeAsyncScript(String.format(nextPaint,
        "document.querySelector(\"#waterfall .wf-row[data-depth='0'] button.toggle\").click()"))).doubleValue();
    wait.until(d -> modelRows() == n);

    // Keyboard: the tree has one tab stop; arrows move, End reaches the last span (rendered on demand).
    WebElement first = driver.findElement(By.cssSelector("#waterfall .wf-row[data-depth='0'] button.open"));
    first.sendKeys(org.openqa.selenium.Keys.ARROW_DOWN);
    wait.until(d -> order.get(1)[0].equals(activeSpanId()));
    driver.switchTo().activeElement().sendKeys(org.openqa.selenium.Keys.END);
    wait.until(d -> order.get(n - 1)[0].equals(activeSpanId()));
    driver.switchTo().activeElement().sendKeys(org.openqa.selenium.Keys.ARROW_LEFT); // a leaf: to its parent
    String lastParent = order.get(n - 1)[0];
    wait.until(d -> !lastParent.equals(activeSpanId()) && Integer.parseInt(d.switchTo().activeElement()
        .findElement(By.xpath("ancestor::div[@data-span-id]")).getAttribute("data-depth"))
        == Integer.parseInt(order.get(n - 1)[1]) - 1);
    driver.switchTo().activeElement().sendKeys(org.openqa.selenium.Keys.ARROW_LEFT); // expanded: collapses
    wait.until(d -> modelRows() < n);
    driver.switchTo().activeElement().sendKeys(org.openqa.selenium.Keys.ARROW_RIGHT); // collapsed: expands
    wait.until(d -> modelRows() == n);
    driver.switchTo().activeElement().sendKeys(org.openqa.selenium.Keys.HOME);
    wait.until(d -> order.get(0)[0].equals(activeSpanId()));

    // A deep link to a span far down the tree scrolls it into view and selects it.
    String deep = order.get(n - 5)[0];
    open("/trace/" + traceId + "?span=" + deep);
    WebElement selected = waitFor(By.cssSelector("#waterfall .wf-row.selected[data-span-id='" + deep + "']"));
    assertThat((Boolean) js("const r = arguments[0].getBoundingClientRect(), w = document.getElementById('waterfall')"
        + ".getBoundingClientRect(); return r.top >= w.top && r.bottom <= w.bottom", selected)).isTrue();
    waitFor(By.id("detail-name"));

    String figures = String.format("10000-span trace page render (data to painted rows, performance measure"
        + " 'trace-render'): %.0f ms (%s)%%nscroll to the middle, to painted: %.0f ms%%ncollapse root: %.0f ms%%n"
        + "expand root: %.0f ms%%n", renderMs, phases, scrollMs, collapseMs, expandMs);
    Path loadavg = Paths.get("/proc/loadavg");
    if (Files.isReadable(loadavg)) {
      figures += "load average (1, 5, 15 min): " + Files.readString(loadavg).trim() + "\n";
    }
    // Recorded, not asserted: wall-clock limits make tests flaky on a loaded machine.
    Files.writeString(HeadlessChrome.SCREENSHOTS.resolve("render-10k-spans.txt"), String.format(figures));
    System.out.print("UiBrowserIT: " + String.format(figures));
  }

  @Test
  void searchScatterPlot_hasADotPerTrace_andADotOpensItsTrace_byMouseAndKeyboard() throws Exception {
    open("/search?lookback=15m&limit=500");
    waitFor(By.cssSelector("#scatter a.dot"));
    List<WebElement> rows = driver.findElements(By.cssSelector("#results-table tr.result"));
    List<WebElement> dots = driver.findElements(By.cssSelector("#scatter a.dot"));
    assertThat(dots).hasSize(rows.size());
    // Errors are drawn as a distinct marker (red diamond): one per trace with errors.
    long withErrors = rows.stream().filter(r -> Integer.parseInt(r.findElement(By.cssSelector("td.num:nth-child(6)"))
        .getText()) > 0).count();
    assertThat(driver.findElements(By.cssSelector("#scatter a.dot.error path"))).hasSize((int) withErrors);
    assertThat(withErrors).isPositive();
    screenshot("search-scatter.png");

    // An error dot not covered by another one (dots of traces at the same moment overlap).
    WebElement dot = (WebElement) js("return [...document.querySelectorAll('#scatter a.dot.error')].find(a => {"
        + " const r = a.getBoundingClientRect(); const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);"
        + " return top && top.closest('a.dot') === a; })");
    assertThat(dot).as("an uncovered error dot").isNotNull();
    String traceId = dot.getAttribute("data-trace-id");
    new org.openqa.selenium.interactions.Actions(driver).moveToElement(dot).click().perform();
    waitFor(By.cssSelector("#waterfall .wf-row[data-span-id]"));
    assertThat(driver.getCurrentUrl()).endsWith("/trace/" + traceId);

    // Keyboard: one tab stop (the latest trace); Home goes to the earliest; Enter opens it.
    driver.navigate().back();
    waitFor(By.cssSelector("#scatter a.dot"));
    // Results are most recent first; dots are walked in time order (start times to the millisecond).
    Map<String, String> startOf = new HashMap<>();
    for (WebElement row : driver.findElements(By.cssSelector("#results-table tr.result"))) {
      startOf.put(row.getAttribute("data-trace-id"), row.findElements(By.tagName("td")).get(2).getText());
    }
    String maxStart = startOf.values().stream().max(String::compareTo).orElseThrow();
    String minStart = startOf.values().stream().min(String::compareTo).orElseThrow();
    List<WebElement> tabStops = driver.findElements(By.cssSelector("#scatter a.dot[tabindex='0']"));
    assertThat(tabStops).hasSize(1);
    assertThat(startOf.get(tabStops.get(0).getAttribute("data-trace-id"))).isEqualTo(maxStart);
    tabStops.get(0).sendKeys(org.openqa.selenium.Keys.HOME);
    new WebDriverWait(driver, WAIT).until(d -> minStart.equals(startOf.get(d.switchTo().activeElement().getAttribute("data-trace-id"))));
    String earliest = driver.switchTo().activeElement().getAttribute("data-trace-id");
    driver.switchTo().activeElement().sendKeys(org.openqa.selenium.Keys.ARROW_RIGHT);
    new WebDriverWait(driver, WAIT).until(d -> !earliest.equals(d.switchTo().activeElement().getAttribute("data-trace-id")));
    driver.switchTo().activeElement().sendKeys(org.openqa.selenium.Keys.ARROW_LEFT);
    new WebDriverWait(driver, WAIT).until(d -> earliest.equals(d.switchTo().activeElement().getAttribute("data-trace-id")));
    // The focused dot's row is highlighted in the list.
    assertThat(driver.findElement(By.cssSelector("#results-table tr.result.hot")).getAttribute("data-trace-id"))
        .isEqualTo(earliest);
    driver.switchTo().activeElement().sendKeys(org.openqa.selenium.Keys.ENTER);
    waitFor(By.cssSelector("#waterfall .wf-row[data-span-id]"));
    assertThat(driver.getCurrentUrl()).endsWith("/trace/" + earliest);
  }

  @Test
  void criticalPath_isHighlightedFromTheRoot_andTheToggleHidesIt() throws Exception {
    String traceId = traceWithAtLeast(4);
    open("/trace/" + traceId);
    waitFor(By.cssSelector("#waterfall .wf-row.on-cp"));
    List<WebElement> onPath = driver.findElements(By.cssSelector("#waterfall .wf-row.on-cp"));
    assertThat(onPath.get(0).getAttribute("data-depth")).isEqualTo("0");
    assertThat(driver.findElement(By.id("critical-path-count")).getText()).contains(String.valueOf(onPath.size()));
    // A chain: every span on the path below the root has its parent on the path.
    Map<String, String> parents = parentsOf(traceId);
    java.util.Set<String> ids = onPath.stream().map(r -> r.getAttribute("data-span-id")).collect(Collectors.toSet());
    for (String id : ids) {
      String parent = parents.get(id);
      if (parent != null && !parent.isEmpty() && parents.containsKey(parent)) {
        assertThat(ids).as("parent of %s on the critical path", id).contains(parent);
      }
    }
    // The root's last-finishing child is on it.
    assertThat(ids).contains(lastFinishingChildOfRoot(traceId));
    WebElement mark = driver.findElement(By.cssSelector("#waterfall .wf-row.on-cp .cp"));
    assertThat(mark.isDisplayed()).isTrue();
    onPath.get(0).findElement(By.cssSelector("button.open")).click();
    assertThat(waitFor(By.id("detail-critical-path")).getText()).contains("on the critical path");
    screenshot("critical-path.png");

    WebElement toggle = driver.findElement(By.id("toggle-critical-path"));
    toggle.click();
    new WebDriverWait(driver, WAIT).until(d -> !d.findElement(By.cssSelector("#waterfall .wf-row.on-cp .cp")).isDisplayed());
    toggle.click();
    new WebDriverWait(driver, WAIT).until(d -> d.findElement(By.cssSelector("#waterfall .wf-row.on-cp .cp")).isDisplayed());
  }

  @Test
  void compare_twoTracesOfTheSameOperation_fromSearch_showsCountsPerSpanName() throws Exception {
    // Two traces of the same root operation whose span names differ (the demo picks services at random).
    JsonNode traces = api("/api/v1/traces?lookback=15m&limit=200").path("traces");
    Map<String, List<JsonNode>> byOperation = new LinkedHashMap<>();
    for (JsonNode t : traces) {
      byOperation.computeIfAbsent(t.path("rootServiceName").asText() + ": " + t.path("rootSpanName").asText(),
          k -> new ArrayList<>()).add(t);
    }
    JsonNode a = null;
    JsonNode b = null;
    search:
    for (List<JsonNode> group : byOperation.values()) {
      for (int i = 1; i < Math.min(group.size(), 6); i++) {
        if (!countsByName(group.get(0).path("traceId").asText()).keySet()
            .equals(countsByName(group.get(i).path("traceId").asText()).keySet())) {
          a = group.get(0);
          b = group.get(i);
          break search;
        }
      }
    }
    assertThat(a).as("two traces of one operation with different span names").isNotNull();
    String idA = a.path("traceId").asText();
    String idB = b.path("traceId").asText();
    open("/search?lookback=15m&limit=500&service=" + enc(a.path("rootServiceName").asText()) + "&name="
        + enc(a.path("rootSpanName").asText()));
    waitFor(By.cssSelector("#results-table tr.result"));
    driver.findElement(By.cssSelector("tr.result[data-trace-id='" + idA + "'] input.pick")).click();
    WebElement compare = driver.findElement(By.id("compare-selected"));
    assertThat(compare.isEnabled()).isFalse();
    driver.findElement(By.cssSelector("tr.result[data-trace-id='" + idB + "'] input.pick")).click();
    assertThat(compare.isEnabled()).isTrue();
    compare.click();
    waitFor(By.cssSelector("#compare-table tr.compare-row"));
    assertThat(driver.getCurrentUrl()).endsWith("/compare?a=" + idA + "&b=" + idB);

    Map<String, Integer> countsA = countsByName(idA);
    Map<String, Integer> countsB = countsByName(idB);
    java.util.Set<String> keys = new java.util.TreeSet<>(countsA.keySet());
    keys.addAll(countsB.keySet());
    List<WebElement> rows = driver.findElements(By.cssSelector("#compare-table tr.compare-row"));
    assertThat(rows).hasSize(keys.size());
    for (WebElement row : rows) {
      String key = row.getAttribute("data-service") + ": " + row.getAttribute("data-span-name");
      List<WebElement> cells = row.findElements(By.tagName("td"));
      assertThat(cells.get(1).getText()).as("count A of %s", key).isEqualTo(count(countsA.get(key)));
      assertThat(cells.get(2).getText()).as("count B of %s", key).isEqualTo(count(countsB.get(key)));
      if (!countsA.containsKey(key)) {
        assertThat(row.getText()).contains("only in B");
      } else if (!countsB.containsKey(key)) {
        assertThat(row.getText()).contains("only in A");
      }
    }
    assertThat(driver.findElement(By.id("compare-summary")).getText()).contains(String.valueOf(a.path("spanCount").asInt()))
        .contains(String.valueOf(b.path("spanCount").asInt()));
    screenshot("compare.png");
    // Each side links to its trace.
    driver.findElements(By.cssSelector("a.compare-trace-link")).get(1).click();
    waitFor(By.cssSelector("#waterfall .wf-row[data-span-id]"));
    assertThat(driver.getCurrentUrl()).endsWith("/trace/" + idB);

    // From a trace page: "Compare with another trace" offers other traces of the same operation.
    driver.findElement(By.id("compare-link")).click();
    WebElement candidate = waitFor(By.cssSelector("#compare-candidates a.compare-candidate"));
    String other = candidate.getText();
    assertThat(other).isNotEqualTo(idB);
    candidate.click();
    waitFor(By.cssSelector("#compare-table tr.compare-row"));
    assertThat(driver.getCurrentUrl()).endsWith("/compare?a=" + idB + "&b=" + other);
  }

  @Test
  void dashboardCharts_aPointOpensExampleTracesOfThatMoment() throws Exception {
    // A service and span name with errors in some minute (the demo fails 5% of its traces).
    String service = null;
    String failing = null;
    for (JsonNode series : api("/api/v1/red?groupBy=name&lookback=15m").path("series")) {
      for (JsonNode p : series.path("points")) {
        if (service == null && p.path("errors").asLong() > 0) {
          service = series.path("service").asText();
          failing = series.path("spanName").asText();
        }
      }
    }
    assertThat(service).as("a span name with errors").isNotNull();
    open("/service/" + enc(service).replace("+", "%20"));
    waitFor(By.cssSelector("svg.red-chart .chart-pt.s-p95"));
    assertThat(driver.findElements(By.cssSelector("svg.red-chart[data-chart='Rate'] path.line")).get(0).getAttribute("d"))
        .isNotEmpty();
    screenshot("dashboard-charts.png");

    // A p95 point that no other point covers (p95 and p99 of a quiet minute can coincide).
    WebElement point = (WebElement) js("return [...document.querySelectorAll('svg.red-chart .chart-pt.s-p95')].reverse().find(g => {"
        + " g.scrollIntoView({block: 'center'});"
        + " const c = g.querySelector('circle.dot').getBoundingClientRect();"
        + " const top = document.elementFromPoint(c.x + c.width / 2, c.y + c.height / 2);"
        + " return top && top.closest('.chart-pt') === g; })");
    assertThat(point).as("an uncovered p95 point").isNotNull();
    String spanName = point.findElement(By.xpath("ancestor::*[contains(@class,'red-charts')]")).getAttribute("data-span-name");
    new org.openqa.selenium.interactions.Actions(driver).moveToElement(point.findElement(By.cssSelector("circle.hit")))
        .click().perform();
    waitFor(By.cssSelector("#exemplars-table tr.exemplar"));
    assertThat(driver.getCurrentUrl()).contains("metric=p95").contains("at=");
    assertThat(driver.findElement(By.id("exemplars")).getText()).contains(spanName).contains("p95");

    // An error-rate point with errors lists error spans only (by keyboard: Enter on the focused point).
    String failingSection = "section.red-charts[data-span-name='" + failing.replace("'", "\\'") + "'] ";
    List<WebElement> errorPoints = driver.findElements(By.cssSelector(failingSection + "svg.red-chart .chart-pt.s-err")).stream()
        .filter(e -> !e.getAttribute("aria-label").startsWith("error rate 0.0%")).collect(Collectors.toList());
    assertThat(errorPoints).as("error points of %s", failing).isNotEmpty();
    WebElement errorPoint = errorPoints.get(0);
    js("arguments[0].focus()", errorPoint);
    driver.switchTo().activeElement().sendKeys(org.openqa.selenium.Keys.ENTER);
    new WebDriverWait(driver, WAIT).until(d -> d.getCurrentUrl().contains("metric=errors")
        && !d.findElements(By.cssSelector("#exemplars-table tr.exemplar")).isEmpty());
    for (WebElement row : driver.findElements(By.cssSelector("#exemplars-table tr.exemplar"))) {
      assertThat(row.findElements(By.tagName("td")).get(3).getText()).isEqualTo("error");
    }
    screenshot("dashboard-exemplars.png");

    // The shared URL reopens the examples; an example opens its trace at that span.
    driver.navigate().refresh();
    WebElement example = waitFor(By.cssSelector("#exemplars-table a.exemplar-link"));
    String href = example.getAttribute("href");
    String spanId = href.substring(href.indexOf("?span=") + 6);
    example.click();
    waitFor(By.cssSelector("#waterfall .wf-row.selected[data-span-id='" + spanId + "']"));
    assertThat(driver.findElement(By.id("detail-status")).getText()).contains("error");
  }

  @Test
  void pagesFitLaptopAndWideScreens_inLightAndDarkMode() throws Exception {
    String traceId = traceWithAtLeast(4);
    String[][] pages = {{"search", "/search?lookback=15m"}, {"trace", "/trace/" + traceId},
        {"compare", "/compare?a=" + traceId + "&b=" + traceWithAtLeast(2)}, {"dashboard", "/service/frontend"},
        {"map", "/map"}};
    String[] ready = {"#scatter a.dot", "#waterfall .wf-row[data-span-id]", "#compare-table tr.compare-row",
        "svg.red-chart .chart-pt", "#service-map a.node"};
    ChromeDriver chrome = (ChromeDriver) driver;
    try {
      for (int[] size : new int[][] {{1366, 768}, {2560, 1440}}) {
        driver.manage().window().setSize(new org.openqa.selenium.Dimension(size[0], size[1]));
        for (String scheme : new String[] {"light", "dark"}) {
          chrome.executeCdpCommand("Emulation.setEmulatedMedia",
              Map.of("features", List.of(Map.of("name", "prefers-color-scheme", "value", scheme))));
          for (int i = 0; i < pages.length; i++) {
            open(pages[i][1]);
            waitFor(By.cssSelector(ready[i]));
            // Nothing wider than the window: no horizontal page scrolling.
            assertThat((Boolean) js("return document.documentElement.scrollWidth <= document.documentElement.clientWidth"))
                .as("%s at %dx%d fits the width", pages[i][0], size[0], size[1]).isTrue();
            if (scheme.equals("dark")) {
              assertThat(driver.findElement(By.tagName("body")).getCssValue("background-color")).isEqualTo("rgba(21, 24, 28, 1)");
            }
            screenshot(pages[i][0] + "-" + size[0] + "x" + size[1] + (scheme.equals("dark") ? "-dark" : "") + ".png");
          }
        }
      }
    } finally {
      chrome.executeCdpCommand("Emulation.setEmulatedMedia", Map.of("features", List.of()));
      driver.manage().window().setSize(new org.openqa.selenium.Dimension(1600, 1000));
    }
  }

  @Test
  void criticalPath_ofAKnownTrace_followsTheLastFinishingChildren_andSkipsConcurrentWork() throws Exception {
    // root 0-100 ms: A 10-40, B 30-80 (with D 35-70), C 85-95. Walking back from the root's end:
    // C, then B (ends 80 <= 85) with D inside it; A ends at 40, after B started (30): concurrent, not on it.
    String traceId = "c0ffee00000000000000000000000001";
    long t0 = System.currentTimeMillis() * 1_000_000L;
    sendSpans(traceId, t0, new Object[][] {
        {1, 0, "root", 0, 100}, {2, 1, "A", 10, 40}, {3, 1, "B", 30, 80}, {4, 1, "C", 85, 95}, {5, 3, "D", 35, 70}});
    await().atMost(WAIT).untilAsserted(() -> assertThat(expectedTreeOrder(traceId)).hasSize(5));
    open("/trace/" + traceId);
    waitFor(By.cssSelector("#waterfall .wf-row.on-cp"));
    List<String> onPath = driver.findElements(By.cssSelector("#waterfall .wf-row.on-cp")).stream()
        .map(r -> r.findElement(By.cssSelector("button.open")).getText().replace("known ", "")).collect(Collectors.toList());
    assertThat(onPath).containsExactly("root", "B", "D", "C");
    // The root's own work: 0-30, 80-85, 95-100 (three segments); B's: 30-35 and 70-80.
    assertThat(driver.findElements(By.cssSelector("#waterfall .wf-row[data-depth='0'] .cp"))).hasSize(3);
    WebElement b = driver.findElements(By.cssSelector("#waterfall .wf-row[data-span-id]")).get(2);
    assertThat(b.findElements(By.cssSelector(".cp"))).hasSize(2);
    b.findElement(By.cssSelector("button.open")).click();
    assertThat(waitFor(By.id("detail-critical-path")).getText()).startsWith("15.0ms");
  }

  @Test
  void compare_ofTwoKnownTraces_showsCountTotalAndSelfDifferences() throws Exception {
    String a = "c0ffee00000000000000000000000002";
    String b = "c0ffee00000000000000000000000003";
    long t0 = System.currentTimeMillis() * 1_000_000L;
    // A: root 0-100 with two "db" spans 10-30 and 20-50 (overlapping: the root's self time is 100 - 40 = 60).
    sendSpans(a, t0, new Object[][] {{1, 0, "root", 0, 100}, {2, 1, "db", 10, 30}, {3, 1, "db", 20, 50}});
    // B: root 0-150 with one "db" span 10-30 and a "cache" span 40-50 (root self 150 - 30 = 120).
    sendSpans(b, t0, new Object[][] {{1, 0, "root", 0, 150}, {2, 1, "db", 10, 30}, {3, 1, "cache", 40, 50}});
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(expectedTreeOrder(a)).hasSize(3);
      assertThat(expectedTreeOrder(b)).hasSize(3);
    });
    open("/compare?a=" + a + "&b=" + b);
    waitFor(By.cssSelector("#compare-table tr.compare-row"));
    Map<String, List<String>> rows = new LinkedHashMap<>();
    for (WebElement row : driver.findElements(By.cssSelector("#compare-table tr.compare-row"))) {
      rows.put(row.getAttribute("data-span-name"), row.findElements(By.tagName("td")).stream().skip(1)
          .map(WebElement::getText).collect(Collectors.toList()));
    }
    // count A, count B, total A, total B, delta total, self A, self B, delta self, note; largest self change first.
    assertThat(rows.keySet()).containsExactly("root", "db", "cache");
    assertThat(rows.get("root")).containsExactly("1", "1", "100.0ms", "150.0ms", "+50.0ms", "60.0ms", "120.0ms", "+60.0ms", "");
    assertThat(rows.get("db")).containsExactly("2", "1", "50.0ms", "20.0ms", "−30.0ms", "50.0ms", "20.0ms", "−30.0ms", "count −1");
    assertThat(rows.get("cache")).containsExactly("–", "1", "–", "10.0ms", "+10.0ms", "–", "10.0ms", "+10.0ms", "only in B");
  }

  // --- helpers

  private Object js(String script, Object... args) {
    return ((org.openqa.selenium.JavascriptExecutor) driver).executeScript(script, args);
  }

  private double measure(String name) {
    return ((Number) js("return performance.getEntriesByName(arguments[0], 'measure').slice(-1)[0].duration", name)).doubleValue();
  }

  private void screenshot(String name) throws java.io.IOException {
    HeadlessChrome.screenshot(driver, name);
  }

  /** Rows of the waterfall's model (every span not under a collapsed one), not only the rendered ones. */
  private long modelRows() {
    String n = driver.findElement(By.id("waterfall")).getAttribute("data-row-count");
    return n == null ? -1 : Long.parseLong(n);
  }

  private String activeSpanId() {
    return (String) js("const r = document.activeElement && document.activeElement.closest('.wf-row[data-span-id]');"
        + " return r ? r.dataset.spanId : null");
  }

  private static int indexOf(List<String[]> order, String spanId) {
    for (int i = 0; i < order.size(); i++) {
      if (order.get(i)[0].equals(spanId)) {
        return i;
      }
    }
    return -1;
  }

  private static String enc(String s) {
    return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static String count(Integer n) {
    return n == null ? "–" : String.valueOf(n);
  }

  /** A recent demo trace with at least {@code spans} spans. */
  private String traceWithAtLeast(int spans) throws Exception {
    for (JsonNode t : api("/api/v1/traces?lookback=15m&limit=200").path("traces")) {
      if (t.path("spanCount").asInt() >= spans) {
        return t.path("traceId").asText();
      }
    }
    throw new AssertionError("no demo trace with " + spans + " spans");
  }

  private List<Span> spansOf(String traceId) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/traces/" + traceId)).build(),
        HttpResponse.BodyHandlers.ofString());
    List<Span> spans = new ArrayList<>();
    for (ResourceSpans rs : OtlpJson.decodeTraces(r.body().getBytes(StandardCharsets.UTF_8)).getResourceSpansList()) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        spans.addAll(ss.getSpansList());
      }
    }
    return spans;
  }

  private Map<String, String> parentsOf(String traceId) throws Exception {
    Map<String, String> out = new HashMap<>();
    for (Span s : spansOf(traceId)) {
      out.put(Hex.encode(s.getSpanId()), s.getParentSpanId().isEmpty() ? "" : Hex.encode(s.getParentSpanId()));
    }
    return out;
  }

  private String lastFinishingChildOfRoot(String traceId) throws Exception {
    List<Span> spans = spansOf(traceId);
    Span root = spans.stream().filter(s -> s.getParentSpanId().isEmpty()).findFirst().orElseThrow();
    return spans.stream().filter(s -> s.getParentSpanId().equals(root.getSpanId()))
        .max(Comparator.comparingLong(s -> Math.min(s.getEndTimeUnixNano(), root.getEndTimeUnixNano())))
        .map(s -> Hex.encode(s.getSpanId())).orElseThrow();
  }

  /** Span count per "service: span name" of a trace. */
  private Map<String, Integer> countsByName(String traceId) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/traces/" + traceId)).build(),
        HttpResponse.BodyHandlers.ofString());
    Map<String, Integer> out = new HashMap<>();
    for (ResourceSpans rs : OtlpJson.decodeTraces(r.body().getBytes(StandardCharsets.UTF_8)).getResourceSpansList()) {
      String svc = rs.getResource().getAttributesList().stream().filter(kv -> kv.getKey().equals("service.name"))
          .map(kv -> kv.getValue().getStringValue()).findFirst().orElse("unknown");
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span s : ss.getSpansList()) {
          out.merge(svc + ": " + s.getName(), 1, Integer::sum);
        }
      }
    }
    return out;
  }

  private long rowCount() {
    return (Long) ((org.openqa.selenium.JavascriptExecutor) driver)
        .executeScript("return document.querySelectorAll('#waterfall .wf-row[data-span-id]').length");
  }

  /** Sends one trace of service "known": rows of {span number, parent number (0: none), name, start ms, end ms}. */
  private void sendSpans(String traceId, long t0, Object[][] spans) throws Exception {
    com.google.protobuf.ByteString tid = com.google.protobuf.ByteString.copyFrom(Hex.decode(traceId));
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    for (Object[] r : spans) {
      Span.Builder s = Span.newBuilder().setTraceId(tid).setSpanId(spanId((Integer) r[0])).setName((String) r[2])
          .setKind(Span.SpanKind.SPAN_KIND_INTERNAL)
          .setStartTimeUnixNano(t0 + (Integer) r[3] * 1_000_000L).setEndTimeUnixNano(t0 + (Integer) r[4] * 1_000_000L);
      if ((Integer) r[1] != 0) {
        s.setParentSpanId(spanId((Integer) r[1]));
      }
      scope.addSpans(s);
    }
    io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest req =
        io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest.newBuilder().addResourceSpans(
            ResourceSpans.newBuilder().setResource(io.opentelemetry.proto.resource.v1.Resource.newBuilder().addAttributes(
                io.opentelemetry.proto.common.v1.KeyValue.newBuilder().setKey("service.name")
                    .setValue(io.opentelemetry.proto.common.v1.AnyValue.newBuilder().setStringValue("known"))))
                .addScopeSpans(scope)).build();
    int port = allInOne.port("otlp", "http");
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/traces"))
        .header("Content-Type", "application/x-protobuf")
        .POST(HttpRequest.BodyPublishers.ofByteArray(req.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  /** A 10-ary span tree of {@code n} spans over three services, sent as OTLP/HTTP protobuf. */
  private void sendBigTrace(String traceId, int n) throws Exception {
    long start = System.currentTimeMillis() * 1_000_000L;
    com.google.protobuf.ByteString tid = com.google.protobuf.ByteString.copyFrom(Hex.decode(traceId));
    io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest.Builder req =
        io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest.newBuilder();
    ScopeSpans.Builder[] scopes = new ScopeSpans.Builder[3];
    for (int r = 0; r < 3; r++) {
      scopes[r] = ScopeSpans.newBuilder();
    }
    for (int i = 0; i < n; i++) {
      Span.Builder s = Span.newBuilder().setTraceId(tid).setSpanId(spanId(i)).setName("op-" + (i % 50))
          .setKind(Span.SpanKind.SPAN_KIND_INTERNAL)
          .setStartTimeUnixNano(start + i * 1_000L).setEndTimeUnixNano(start + i * 1_000L + (n - i) * 1_000L);
      if (i > 0) {
        s.setParentSpanId(spanId((i - 1) / 10));
      }
      scopes[i % 3].addSpans(s);
    }
    for (int r = 0; r < 3; r++) {
      req.addResourceSpans(ResourceSpans.newBuilder()
          .setResource(io.opentelemetry.proto.resource.v1.Resource.newBuilder().addAttributes(
              io.opentelemetry.proto.common.v1.KeyValue.newBuilder().setKey("service.name")
                  .setValue(io.opentelemetry.proto.common.v1.AnyValue.newBuilder().setStringValue("big-" + r))))
          .addScopeSpans(scopes[r]));
    }
    int port = allInOne.port("otlp", "http");
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/traces"))
        .header("Content-Type", "application/x-protobuf")
        .POST(HttpRequest.BodyPublishers.ofByteArray(req.build().toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  private static com.google.protobuf.ByteString spanId(int i) {
    return com.google.protobuf.ByteString.copyFrom(java.nio.ByteBuffer.allocate(8).putLong(i + 1L).array());
  }

  private void open(String path) {
    driver.get(base + path);
  }

  private WebElement waitFor(By by) {
    return new WebDriverWait(driver, WAIT).until(ExpectedConditions.visibilityOfElementLocated(by));
  }

  private static int padding(WebElement row) {
    String p = row.findElement(By.className("wf-name")).getCssValue("padding-left");
    return (int) Double.parseDouble(p.replace("px", ""));
  }

  private JsonNode api(String path) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
    return json.readTree(r.body());
  }

  /** The span tree of the API's trace, depth first, children by start time: {spanId, depth} per row. */
  private List<String[]> expectedTreeOrder(String traceId) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/traces/" + traceId)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    List<Span> spans = new ArrayList<>();
    for (ResourceSpans rs : OtlpJson.decodeTraces(r.body().getBytes(StandardCharsets.UTF_8)).getResourceSpansList()) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        spans.addAll(ss.getSpansList());
      }
    }
    Map<String, Span> byId = new LinkedHashMap<>();
    spans.forEach(s -> byId.put(Hex.encode(s.getSpanId()), s));
    Map<String, List<Span>> children = new HashMap<>();
    List<Span> roots = new ArrayList<>();
    for (Span s : spans) {
      String parent = s.getParentSpanId().isEmpty() ? "" : Hex.encode(s.getParentSpanId());
      if (byId.containsKey(parent) && !parent.equals(Hex.encode(s.getSpanId()))) {
        children.computeIfAbsent(parent, k -> new ArrayList<>()).add(s);
      } else {
        roots.add(s);
      }
    }
    Comparator<Span> byStart = Comparator.comparingLong(Span::getStartTimeUnixNano);
    roots.sort(byStart);
    List<String[]> out = new ArrayList<>();
    Deque<Object[]> stack = new ArrayDeque<>();
    for (int i = roots.size() - 1; i >= 0; i--) {
      stack.push(new Object[] {roots.get(i), 0});
    }
    while (!stack.isEmpty()) {
      Object[] top = stack.pop();
      Span s = (Span) top[0];
      int depth = (Integer) top[1];
      String id = Hex.encode(s.getSpanId());
      out.add(new String[] {id, String.valueOf(depth)});
      List<Span> kids = children.getOrDefault(id, new ArrayList<>());
      kids.sort(byStart);
      for (int i = kids.size() - 1; i >= 0; i--) {
        stack.push(new Object[] {kids.get(i), depth + 1});
      }
    }
    return out;
  }
}
