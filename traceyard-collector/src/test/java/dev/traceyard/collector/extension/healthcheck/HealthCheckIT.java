package dev.traceyard.collector.extension.healthcheck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.ComponentKind;
import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.config.HostPort;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HealthCheckIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private HealthCheckExtension extension;

  @AfterEach
  void stop() {
    if (extension != null) {
      extension.shutdown();
    }
  }

  @Test
  void answers503BeforeReady_200WhenReady_503AfterNotReady() throws Exception {
    extension = start(HealthCheckConfig.of(HostPort.of("127.0.0.1", 0)));
    assertThat(extension.boundAddress().getPort()).isPositive();

    HttpResponse<String> starting = get("/");
    assertThat(starting.statusCode()).isEqualTo(503);
    assertThat(starting.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
    assertThat(JSON.readTree(starting.body()).get("status").asText()).isEqualTo("Server not available");

    extension.ready();
    HttpResponse<String> ready = get("/");
    assertThat(ready.statusCode()).isEqualTo(200);
    JsonNode body = JSON.readTree(ready.body());
    assertThat(body.get("status").asText()).isEqualTo("Server available");
    assertThat(Instant.parse(body.get("upSince").asText())).isBeforeOrEqualTo(Instant.now());
    assertThat(body.get("uptime").asText()).endsWith("s");

    extension.notReady();
    assertThat(get("/").statusCode()).isEqualTo(503);
  }

  @Test
  void servesOnlyTheConfiguredPath_withCustomBodies() throws Exception {
    extension = start(new HealthCheckConfig(HostPort.of("127.0.0.1", 0), "/health/status", "ok", "starting", false));
    extension.ready();

    HttpResponse<String> ok = get("/health/status");
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.body()).isEqualTo("ok");
    assertThat(get("/").statusCode()).isEqualTo(404);

    extension.notReady();
    HttpResponse<String> down = get("/health/status");
    assertThat(down.statusCode()).isEqualTo(503);
    assertThat(down.body()).isEqualTo("starting");
  }

  @Test
  void refusesOtherMethods() throws Exception {
    extension = start(HealthCheckConfig.of(HostPort.of("127.0.0.1", 0)));
    HttpResponse<String> post = client.send(HttpRequest.newBuilder(uri("/"))
        .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
  }

  @Test
  void portInUse_failsStartWithTheEndpointInTheMessage() {
    extension = start(HealthCheckConfig.of(HostPort.of("127.0.0.1", 0)));
    int taken = extension.boundAddress().getPort();
    HealthCheckExtension second = new HealthCheckExtension(settings(), HealthCheckConfig.of(HostPort.of("127.0.0.1", taken)));

    assertThatThrownBy(() -> second.start(id -> Optional.empty()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("cannot listen on 127.0.0.1:" + taken + ": ");
    second.shutdown();
  }

  private HealthCheckExtension start(HealthCheckConfig config) {
    HealthCheckExtension e = new HealthCheckExtension(settings(), config);
    e.start(id -> Optional.empty());
    return e;
  }

  private static ComponentSettings settings() {
    return new ComponentSettings(ComponentId.of("health_check"), ComponentKind.EXTENSION, SelfTelemetry.forTesting());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + extension.boundAddress().getPort() + path);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return client.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
