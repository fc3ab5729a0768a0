package dev.traceyard.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every malformed native query is a 400 whose message says what is wrong; the server keeps serving. */
class BadQueryIT {
  @TempDir
  static Path dir;
  static StoreHarness store;

  @BeforeAll
  static void start() throws Exception {
    store = StoreHarness.start(dir);
    store.send(TestData.fullTrace(TestData.traceId(1), store.clock.nanos() - 1_000_000_000L));
    store.flush();
  }

  @AfterAll
  static void stop() {
    store.close();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "/api/v1/traces?kind=sideways | unknown span kind 'sideways'",
      "/api/v1/traces?status=broken | unknown status 'broken'",
      "/api/v1/traces?minDuration=fast | parameter 'minDuration'",
      "/api/v1/traces?minDuration=2s&maxDuration=1s | minDuration is greater than maxDuration",
      "/api/v1/traces?start=2026-11-24T12:00:00Z&end=2026-11-24T11:00:00Z | start is after end",
      "/api/v1/traces?start=yesterday | parameter 'start' must be an RFC 3339 timestamp",
      "/api/v1/traces?limit=0 | parameter 'limit' must be between 1 and 1000",
      "/api/v1/traces?limit=ten | parameter 'limit' must be an integer",
      "/api/v1/traces?attr=http.route%3D%2F | must start with 'span.' or 'resource.'",
      "/api/v1/traces?attr=span.route | no operator",
      "/api/v1/traces?attr=span.code%3Ehigh | needs a number",
      "/api/v1/traces?attr=span.x%3D~%28unclosed | invalid regular expression",
      "/api/v1/traces?attr=span.%3Dx | the key must not be empty",
      "/api/v1/traces?cursor=garbage | invalid cursor",
      "/api/v1/traces?servce=typo | unknown parameter 'servce'",
      "/api/v1/traces/abc | invalid trace id 'abc'",
      "/api/v1/traces/00000000000000000000000000000000 | invalid trace id",
      "/api/v1/traces/0123456789abcdef0123456789abcdef/logs?spanId=xyz | invalid spanId",
      "/api/v1/attributes?scope=process | unknown scope 'process'",
      "/api/v1/red?step=30s | step must be a whole number of minutes",
      "/api/v1/red?groupBy=host | unknown groupBy 'host'",
      "/api/v1/red?lookback=1000h&step=1m | too many points",
      "/api/v1/dependencies?lookback=-1h | must not be negative",
      "/api/v1/dependencies?start=2026-11-24T12:00:00Z&end=2026-11-24T11:00:00Z | start is after end",
      "/api/v1/metrics?limit=0 | parameter 'limit' must be between 1 and 100000",
  })
  void badQuery_is400WithAClearMessage(String url, String message) {
    HttpResponse<String> r = store.get(url.trim());

    assertThat(r.statusCode()).as(url).isEqualTo(400);
    assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).contains("json"));
    JsonNode body = StoreHarness.parse(r.body());
    assertThat(body.path("error").asText()).as(url).contains(message.trim());
  }

  @Test
  void unknownEndpoint_is404InJson() {
    HttpResponse<String> r = store.get("/api/v1/nothing-here");
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(StoreHarness.parse(r.body()).path("error").asText()).contains("unknown endpoint /api/v1/nothing-here");
  }

  @Test
  void afterBadQueries_theServerStillAnswers() {
    store.get("/api/v1/traces?attr=span.x%3D~%28unclosed");
    assertThat(store.json("/api/v1/traces").path("traces")).hasSize(1);
  }

  @Test
  void regexThatJavaAcceptsButDuckDbRejects_is400() {
    // RE2 (DuckDB) has no look-ahead; Java's regex does.
    HttpResponse<String> r = store.get("/api/v1/traces?attr=" + StoreHarness.enc("span.http.route=~(?=x)y"));
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(StoreHarness.parse(r.body()).path("error").asText()).contains("regular expression");
  }
}
