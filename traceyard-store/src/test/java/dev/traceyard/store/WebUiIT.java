package dev.traceyard.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The web UI's static files on the query server, its client-route fallback, and the API's priority. */
class WebUiIT {
  @TempDir
  static Path dir;
  static StoreHarness store;

  @BeforeAll
  static void start() throws Exception {
    store = StoreHarness.start(dir);
  }

  @AfterAll
  static void stop() {
    store.close();
  }

  @Test
  void root_servesTheIndexPage() {
    HttpResponse<String> r = store.get("/");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/html");
    assertThat(r.body()).contains("<script type=\"module\" src=\"/app.js\">");
  }

  @Test
  void modulesAndStyles_areServedWithTheirTypes() {
    for (String file : new String[] {"/app.js", "/util.js", "/search.js", "/trace.js", "/map.js", "/compare.js"}) {
      HttpResponse<String> r = store.get(file);
      assertThat(r.statusCode()).as(file).isEqualTo(200);
      assertThat(r.headers().firstValue("content-type").orElse("")).as(file).contains("javascript");
    }
    assertThat(store.get("/app.css").headers().firstValue("content-type").orElse("")).startsWith("text/css");
  }

  @Test
  void clientRoutes_fallBackToTheIndexPage() {
    for (String route : new String[] {"/trace/0123456789abcdef0123456789abcdef?span=0123456789abcdef",
        "/search?service=frontend&status=error", "/map", "/service/cart?span=GET%20%2F&at=1&metric=p95",
        "/compare?a=0123456789abcdef0123456789abcdef&b=fedcba9876543210fedcba9876543210"}) {
      HttpResponse<String> r = store.get(route);
      assertThat(r.statusCode()).as(route).isEqualTo(200);
      assertThat(r.body()).as(route).contains("<main id=\"app\"");
    }
  }

  @Test
  void apiPaths_keepPriorityOverTheUi() {
    HttpResponse<String> unknown = store.get("/api/v1/nothing-here");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(StoreHarness.parse(unknown.body()).path("error").asText()).contains("unknown endpoint");
    HttpResponse<String> services = store.get("/api/v1/services");
    assertThat(services.statusCode()).isEqualTo(200);
    assertThat(services.body()).contains("\"services\"");
  }
}
