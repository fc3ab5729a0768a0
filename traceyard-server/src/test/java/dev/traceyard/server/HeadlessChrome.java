package dev.traceyard.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/** The real headless Chromium (through ChromeDriver) of the web UI ITs: start, screenshots, console errors. */
final class HeadlessChrome {
  /** Where the ITs save their screenshots (and figures), for CI to keep. */
  static final Path SCREENSHOTS = Paths.get("target", "screenshots");
  private static final Path CHROMIUM = Paths.get("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Paths.get("/usr/bin/chromedriver");

  private HeadlessChrome() {}

  /** Fails {@code test} when Chromium or ChromeDriver is missing: CI installs them; a machine without must not pass silently. */
  static void requireInstalled(String test) {
    assertThat(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER))
        .as("%s needs Chromium and ChromeDriver at %s and %s: apt-get install -y chromium chromium-driver",
            test, CHROMIUM, CHROMEDRIVER)
        .isTrue();
  }

  /**
   * A headless Chromium with a fresh profile under {@code dir}, a window of {@code windowSize}
   * ({@code "width,height"}) and every browser console message kept for {@link #consoleErrors}.
   */
  static WebDriver start(Path dir, String windowSize) throws IOException {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--window-size=" + windowSize, "--user-data-dir=" + Files.createDirectories(dir.resolve("chrome-profile")));
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability(ChromeOptions.LOGGING_PREFS, logs);
    WebDriver driver = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort().build(), options);
    Files.createDirectories(SCREENSHOTS);
    return driver;
  }

  /** Saves what the browser shows as {@code target/screenshots/<name>}. */
  static void screenshot(WebDriver driver, String name) throws IOException {
    Files.copy(((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath(), SCREENSHOTS.resolve(name),
        StandardCopyOption.REPLACE_EXISTING);
  }

  /** The console errors since the last read (reading drains them), but those containing one of {@code allowed}. */
  static List<String> consoleErrors(WebDriver driver, List<String> allowed) {
    List<String> errors = new ArrayList<>();
    for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) {
      if (e.getLevel().intValue() >= Level.SEVERE.intValue() && allowed.stream().noneMatch(a -> e.getMessage().contains(a))) {
        errors.add(e.getMessage());
      }
    }
    return errors;
  }
}
