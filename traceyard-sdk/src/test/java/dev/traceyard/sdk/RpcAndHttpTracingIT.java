package dev.traceyard.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.grpc.GrpcService;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.services.HealthStatusManager;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Real Armeria HTTP + gRPC server on loopback, real JDK HttpClient, Armeria WebClient and gRPC stub. */
class RpcAndHttpTracingIT {

  private static final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private static TraceyardSdk sdk;
  private static Server server;
  private static String base;

  @BeforeAll
  static void start() {
    sdk = TraceyardTest.offline().addSpanExporter(spans).property("otel.bsp.schedule.delay", "50ms").build();
    ArmeriaTracing armeria = ArmeriaTracing.create(sdk);
    GrpcTracing grpc = GrpcTracing.create(sdk);
    server =
        Server.builder()
            .http(0)
            .service(
                "/orders/{id}",
                (ctx, req) -> {
                  sdk.getTracer("test").spanBuilder("load order " + ctx.pathParam("id")).startSpan().end();
                  return HttpResponse.of("order " + ctx.pathParam("id"));
                })
            .service("/fail", (ctx, req) -> HttpResponse.of(HttpStatus.INTERNAL_SERVER_ERROR))
            .decorator(armeria.serverDecorator())
            .service(
                GrpcService.builder()
                    .addService(new HealthStatusManager().getHealthService())
                    .intercept(grpc.serverInterceptor())
                    .build())
            .build();
    server.start().join();
    base = "http://127.0.0.1:" + server.activeLocalPort();
  }

  @AfterAll
  static void stop() {
    server.stop().join();
    sdk.shutdown();
  }

  @BeforeEach
  void clear() {
    spans.reset();
  }

  private static SpanData awaitSpan(Predicate<SpanData> match) {
    return await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> {
              sdk.forceFlush(Duration.ofSeconds(5));
              return spans.getFinishedSpanItems().stream().filter(match).findFirst().orElse(null);
            },
            java.util.Objects::nonNull);
  }

  private static boolean childOf(SpanData span, Span parent) {
    return span.getParentSpanId().equals(parent.getSpanContext().getSpanId());
  }

  private static Span parent() {
    return sdk.getTracer("test").spanBuilder("caller").startSpan();
  }

  private static void assertServerChainUnder(SpanData client, String route) {
    SpanData serverSpan =
        awaitSpan(s -> s.getKind() == SpanKind.SERVER && s.getParentSpanId().equals(client.getSpanId()));
    assertThat(serverSpan.getTraceId()).isEqualTo(client.getTraceId());
    assertThat(serverSpan.getName()).isEqualTo("GET " + route);
    assertThat(serverSpan.getAttributes().get(AttributeKey.stringKey("http.route"))).isEqualTo(route);
    assertThat(serverSpan.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(200L);
    // found only as a child of this request's server span: the handler ran inside it
    SpanData inner =
        awaitSpan(s -> s.getName().equals("load order 42") && s.getParentSpanId().equals(serverSpan.getSpanId()));
    assertThat(inner.getTraceId()).isEqualTo(client.getTraceId());
  }

  @Test
  void jdkHttpClientCallContinuesAsTheServersTrace() throws Exception {
    HttpClientTracing tracing = HttpClientTracing.create(sdk);
    Span caller = parent();
    try (Scope ignored = caller.makeCurrent()) {
      var response =
          tracing.send(
              HttpClient.newHttpClient(),
              HttpRequest.newBuilder(URI.create(base + "/orders/42")).build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(response.body()).isEqualTo("order 42");
    } finally {
      caller.end();
    }
    SpanData client = awaitSpan(s -> s.getKind() == SpanKind.CLIENT && childOf(s, caller));
    assertThat(client.getName()).isEqualTo("GET");
    assertThat(client.getAttributes().get(AttributeKey.stringKey("url.full"))).isEqualTo(base + "/orders/42");
    assertServerChainUnder(client, "/orders/:id");
  }

  @Test
  void jdkHttpClientAsyncStagesStayInTheCallersTrace() throws Exception {
    HttpClientTracing tracing = HttpClientTracing.create(sdk);
    Span caller = parent();
    try (Scope ignored = caller.makeCurrent()) {
      tracing
          .sendAsync(
              HttpClient.newHttpClient(),
              HttpRequest.newBuilder(URI.create(base + "/orders/42")).build(),
              java.net.http.HttpResponse.BodyHandlers.ofString())
          .thenAccept(response -> sdk.getTracer("test").spanBuilder("after response").startSpan().end())
          .get(10, TimeUnit.SECONDS);
    } finally {
      caller.end();
    }
    SpanData client = awaitSpan(s -> s.getKind() == SpanKind.CLIENT && childOf(s, caller));
    assertServerChainUnder(client, "/orders/:id");
    assertThat(awaitSpan(s -> s.getName().equals("after response")).getParentSpanId())
        .isEqualTo(caller.getSpanContext().getSpanId());
  }

  @Test
  void armeriaWebClientCallContinuesAsTheServersTrace() {
    WebClient client = WebClient.builder(base).decorator(ArmeriaTracing.create(sdk).clientDecorator()).build();
    Span caller = parent();
    try (Scope ignored = caller.makeCurrent()) {
      AggregatedHttpResponse response = client.get("/orders/42").aggregate().join();
      assertThat(response.contentUtf8()).isEqualTo("order 42");
    } finally {
      caller.end();
    }
    SpanData clientSpan = awaitSpan(s -> s.getKind() == SpanKind.CLIENT && childOf(s, caller));
    assertServerChainUnder(clientSpan, "/orders/:id");
  }

  @Test
  void serverErrorsMarkTheServerSpan() {
    WebClient.of(base).get("/fail").aggregate().join();
    SpanData serverSpan = awaitSpan(s -> s.getKind() == SpanKind.SERVER && s.getName().equals("GET /fail"));
    assertThat(serverSpan.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(serverSpan.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(500L);
  }

  @Test
  void grpcCallsCarryTheTraceThroughTheInterceptors() {
    HealthGrpc.HealthBlockingStub health =
        GrpcClients.builder(base)
            .intercept(GrpcTracing.create(sdk).clientInterceptor())
            .build(HealthGrpc.HealthBlockingStub.class);
    Span caller = parent();
    try (Scope ignored = caller.makeCurrent()) {
      HealthCheckResponse response = health.check(HealthCheckRequest.getDefaultInstance());
      assertThat(response.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    } finally {
      caller.end();
    }
    SpanData client = awaitSpan(s -> s.getKind() == SpanKind.CLIENT && childOf(s, caller));
    SpanData serverSpan = awaitSpan(s -> s.getKind() == SpanKind.SERVER && s.getName().startsWith("grpc.health"));
    assertThat(serverSpan.getParentSpanId()).isEqualTo(client.getSpanId());
    assertThat(serverSpan.getTraceId()).isEqualTo(caller.getSpanContext().getTraceId());
    assertThat(List.of(client, serverSpan))
        .allSatisfy(s -> assertThat(s.getAttributes().get(AttributeKey.stringKey("rpc.system"))).isEqualTo("grpc"));
  }
}
