package dev.traceyard.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.ComponentKind;
import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.config.HostPort;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import dev.traceyard.store.db.StoreOptions;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeoutException;

/** A started traceyard exporter on a temporary data directory, its query API on a free loopback port. */
public final class StoreHarness implements AutoCloseable {
  public static final Instant T0 = Instant.parse("2026-11-24T10:30:00Z");
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  public final MutableClock clock;
  public final SelfTelemetry telemetry = SelfTelemetry.forTesting();
  public final TraceyardExporter exporter;
  public final Path dataDir;

  private StoreHarness(Path dataDir, MutableClock clock, StoreOptions options, boolean query) throws Exception {
    this.dataDir = dataDir;
    this.clock = clock;
    TraceyardExporterConfig config = new TraceyardExporterConfig(dataDir, options.retention(), options.queueItems(),
        options.queueFullWait(), options.memoryLimit(), options.checkpointThreshold(), options.duckdbThreads(), query, HostPort.of("127.0.0.1", 0),
        // No warm-up lookups racing a test's own reads and partition changes (QueryWarmUpIT covers it).
        Duration.ZERO);
    ComponentSettings settings = new ComponentSettings(ComponentId.of("traceyard"), ComponentKind.EXPORTER, telemetry);
    exporter = TraceyardExporter.create(settings, config, options);
    exporter.start(id -> java.util.Optional.empty());
  }

  public static StoreOptions options(Path dataDir, MutableClock clock) {
    return StoreOptions.defaults(dataDir).withClock(clock).withMemoryLimit("256MB")
        .withSpanMetricsFlushInterval(Duration.ofMillis(100)).withMaintenanceInterval(Duration.ofHours(1));
  }

  public static StoreHarness start(Path dataDir) throws Exception {
    MutableClock clock = new MutableClock(T0);
    return new StoreHarness(dataDir, clock, options(dataDir, clock), true);
  }

  public static StoreHarness start(Path dataDir, MutableClock clock, StoreOptions options) throws Exception {
    return new StoreHarness(dataDir, clock, options, true);
  }

  public ConsumeResult send(ExportTraceServiceRequest r) {
    return exporter.consume(Batch.of(r));
  }

  public ConsumeResult send(ExportLogsServiceRequest r) {
    return exporter.consume(Batch.of(r));
  }

  public ConsumeResult send(ExportMetricsServiceRequest r) {
    return exporter.consume(Batch.of(r));
  }

  /** Waits until everything sent is written (RED aggregates included). */
  public void flush() {
    try {
      exporter.store().flush(Duration.ofSeconds(30));
    } catch (TimeoutException e) {
      throw new AssertionError("store did not flush within 30s", e);
    }
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + exporter.queryAddress().getPort();
  }

  public HttpResponse<String> get(String pathAndQuery) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl() + pathAndQuery)).timeout(Duration.ofSeconds(30))
          .GET().build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new AssertionError("GET " + pathAndQuery + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  public HttpResponse<byte[]> getBytes(String pathAndQuery) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl() + pathAndQuery)).timeout(Duration.ofSeconds(30))
          .GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new AssertionError("GET " + pathAndQuery + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** GET that must answer 200 with JSON. */
  public JsonNode json(String pathAndQuery) {
    HttpResponse<String> r = get(pathAndQuery);
    if (r.statusCode() != 200) {
      throw new AssertionError("GET " + pathAndQuery + " -> " + r.statusCode() + ": " + r.body());
    }
    try {
      return MAPPER.readTree(r.body());
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + r.body(), e);
    }
  }

  public static JsonNode parse(String body) {
    try {
      return MAPPER.readTree(body);
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + body, e);
    }
  }

  public static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    exporter.shutdown();
  }
}
