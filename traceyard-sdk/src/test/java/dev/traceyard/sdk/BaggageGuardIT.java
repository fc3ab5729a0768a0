package dev.traceyard.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Baggage over the limits or on the deny list never reaches the wire: checked on a real loopback server. */
class BaggageGuardIT {

  private HttpServer server;
  private final Map<String, List<String>> received = new ConcurrentHashMap<>();
  private TraceyardSdk sdk;

  @BeforeEach
  void startServer() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          exchange.getRequestHeaders().forEach((name, values) -> received.put(name.toLowerCase(), values));
          exchange.sendResponseHeaders(204, -1);
          exchange.close();
        });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
    if (sdk != null) {
      sdk.shutdown();
    }
  }

  @Test
  void deniedAndOversizedBaggageNeverLeavesTheProcess() throws Exception {
    sdk =
        TraceyardTest.offline()
            .addSpanExporter(InMemorySpanExporter.create())
            .property("traceyard.baggage.max.entries", "3")
            .property("traceyard.baggage.max.bytes", "64")
            .build();
    Baggage baggage =
        Baggage.builder()
            .put("tenant", "acme")
            .put("Authorization", "Bearer very-secret")
            .put("customer.email", "jane@example.com")
            .put("plan", "gold")
            .put("huge", "x".repeat(100)) // over the byte limit on its own
            .put("region", "eu")
            .put("zone", "a") // fourth allowed entry: over the entry limit
            .build();
    Span span = sdk.getTracer("test").spanBuilder("call").startSpan();
    try (Scope ignored = Context.current().with(span).with(baggage).makeCurrent()) {
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/"));
      sdk.getPropagators().getTextMapPropagator().inject(Context.current(), request, HttpRequest.Builder::header);
      HttpResponse<Void> response =
          HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.discarding());
      assertThat(response.statusCode()).isEqualTo(204);
    } finally {
      span.end();
    }
    assertThat(received.get("traceparent")).singleElement().asString().contains(span.getSpanContext().getTraceId());
    String header = String.join(",", received.get("baggage"));
    assertThat(header).doesNotContainIgnoringCase("authorization").doesNotContain("secret")
        .doesNotContain("email").doesNotContain("jane").doesNotContain("xxxx");
    // iteration order is by key: plan, region, tenant fit; zone is the fourth
    assertThat(header.split(",")).containsExactlyInAnyOrder("plan=gold", "region=eu", "tenant=acme");
    assertThat(received.toString()).doesNotContain("very-secret").doesNotContain("jane@example.com");
    assertThat(sdk.baggageGuard().orElseThrow().droppedCount()).isEqualTo(4);
  }
}
