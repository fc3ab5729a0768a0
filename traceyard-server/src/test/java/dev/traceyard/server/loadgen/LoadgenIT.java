package dev.traceyard.server.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.grpc.GrpcService;
import dev.traceyard.collector.otlp.OtlpJson;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Runs the loadgen command against real Armeria OTLP servers on loopback. */
class LoadgenIT {
  private static final Pattern SUMMARY = Pattern.compile(
      "sent=(\\d+) failed=(\\d+) requests=(\\d+) duration=(\\d+\\.\\d+) rate=(\\d+\\.\\d+)");

  // One server per transport for the whole class: Armeria takes seconds to stop a server, so each
  // test sets how they answer instead of starting its own.
  private static final Queue<ExportTraceServiceRequest> received = new ConcurrentLinkedQueue<>();
  private static final Queue<String> headerValues = new ConcurrentLinkedQueue<>();
  private static final Queue<String> contentTypes = new ConcurrentLinkedQueue<>();
  private static final Queue<byte[]> bodies = new ConcurrentLinkedQueue<>();
  private static final AtomicInteger calls = new AtomicInteger();
  /** The gRPC answer to call number n (from 0): a Status refuses, a response or null accepts. */
  private static volatile IntFunction<Object> grpcAnswer;
  /** The HTTP status answering call number n. */
  private static volatile IntFunction<HttpStatus> httpAnswer;
  private static Server grpcServer;
  private static Server httpServer;

  @BeforeAll
  static void startServers() {
    TraceServiceGrpc.TraceServiceImplBase service = new TraceServiceGrpc.TraceServiceImplBase() {
      @Override
      public void export(ExportTraceServiceRequest request, StreamObserver<ExportTraceServiceResponse> observer) {
        Object answer = grpcAnswer.apply(calls.getAndIncrement());
        if (answer instanceof Status) {
          observer.onError(((Status) answer).asRuntimeException());
          return;
        }
        received.add(request);
        observer.onNext(answer instanceof ExportTraceServiceResponse
            ? (ExportTraceServiceResponse) answer : ExportTraceServiceResponse.getDefaultInstance());
        observer.onCompleted();
      }
    };
    grpcServer = Server.builder()
        .http(0)
        .gracefulShutdownTimeout(Duration.ZERO, Duration.ZERO)
        .service(GrpcService.builder().addService(service).build())
        .decorator((delegate, ctx, req) -> {
          String value = req.headers().get("x-api-key");
          if (value != null) {
            headerValues.add(value);
          }
          return delegate.serve(ctx, req);
        })
        .build();
    grpcServer.start().join();
    httpServer = Server.builder()
        .http(0)
        .gracefulShutdownTimeout(Duration.ZERO, Duration.ZERO)
        .service("/v1/traces", (ctx, req) -> HttpResponse.of(req.aggregate().thenApply(LoadgenIT::answer)))
        .build();
    httpServer.start().join();
  }

  @AfterAll
  static void stopServers() {
    CompletableFuture.allOf(grpcServer.stop(), httpServer.stop()).join();
  }

  @BeforeEach
  void reset() {
    received.clear();
    headerValues.clear();
    contentTypes.clear();
    bodies.clear();
    calls.set(0);
    grpcAnswer = call -> null;
    httpAnswer = call -> HttpStatus.OK;
  }

  private record Run(int exitCode, long sent, long failed, long requests, String stdout, String stderr) {}

  private static Run loadgen(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = new CommandLine(new LoadgenCommand())
        .setOut(new PrintWriter(out, true))
        .setErr(new PrintWriter(err, true))
        .execute(args);
    Matcher m = SUMMARY.matcher(out.toString());
    if (!m.find()) {
      return new Run(code, -1, -1, -1, out.toString(), err.toString());
    }
    return new Run(code, Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
        out.toString(), err.toString());
  }

  private static int grpcServer(IntFunction<Object> answer) {
    grpcAnswer = answer;
    return grpcServer.activeLocalPort();
  }

  private static int httpServer(IntFunction<HttpStatus> answer) {
    httpAnswer = answer;
    return httpServer.activeLocalPort();
  }

  private static HttpResponse answer(AggregatedHttpRequest agg) {
    HttpStatus s = httpAnswer.apply(calls.getAndIncrement());
    if (s != HttpStatus.OK) {
      return HttpResponse.of(s, MediaType.PLAIN_TEXT_UTF_8, "try later");
    }
    MediaType type = agg.contentType();
    contentTypes.add(type.toString());
    byte[] body = agg.content().array();
    bodies.add(body);
    try {
      received.add(type.isJson() ? OtlpJson.decodeTraces(body) : ExportTraceServiceRequest.parseFrom(body));
    } catch (Exception e) {
      return HttpResponse.of(HttpStatus.BAD_REQUEST, MediaType.PLAIN_TEXT_UTF_8, e.toString());
    }
    return type.isJson()
        ? HttpResponse.of(HttpStatus.OK, MediaType.JSON, "{}")
        : HttpResponse.of(HttpStatus.OK, MediaType.X_PROTOBUF, ExportTraceServiceResponse.getDefaultInstance().toByteArray());
  }

  private record Received(String service, Span span) {}

  private List<Received> receivedSpans() {
    List<Received> spans = new ArrayList<>();
    for (ExportTraceServiceRequest request : received) {
      for (ResourceSpans rs : request.getResourceSpansList()) {
        String service = rs.getResource().getAttributesList().stream()
            .filter(kv -> kv.getKey().equals("service.name")).findFirst().orElseThrow()
            .getValue().getStringValue();
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          ss.getSpansList().forEach(span -> spans.add(new Received(service, span)));
        }
      }
    }
    return spans;
  }

  @Test
  void grpc_sendsLinkedTracesAcrossServicesWithExactErrorAndSlowShares() {
    int port = grpcServer(call -> null);

    Run run = loadgen("--otlp-endpoint", "localhost:" + port, "--insecure", "--traces", "200",
        "--spans-per-trace", "9", "--error-ratio", "0.1", "--slow-ratio", "0.05", "--batch-size", "100",
        "--workers", "2", "--attributes", "2", "--seed", "1", "--header", "x-api-key=secret");

    assertThat(run.exitCode()).as(run.stderr()).isZero();
    assertThat(run.sent()).isEqualTo(1800);
    assertThat(run.failed()).isZero();
    assertThat(run.requests()).isEqualTo(received.size());
    assertThat(received).allSatisfy(r -> assertThat(spanCount(r)).isBetween(1, 100));
    assertThat(headerValues).hasSize(received.size()).containsOnly("secret");
    // One ResourceSpans per service in each request.
    assertThat(received).allSatisfy(r -> assertThat(r.getResourceSpansList())
        .extracting(rs -> rs.getResource().getAttributes(0).getValue().getStringValue())
        .doesNotHaveDuplicates());

    Map<ByteString, List<Received>> traces = receivedSpans().stream()
        .collect(Collectors.groupingBy(r -> r.span().getTraceId()));
    assertThat(traces).hasSize(200);
    int errorTraces = 0;
    int slowTraces = 0;
    for (List<Received> trace : traces.values()) {
      assertThat(trace).hasSize(9);
      Map<ByteString, Received> byId = new HashMap<>();
      trace.forEach(r -> byId.put(r.span().getSpanId(), r));
      List<Received> roots = trace.stream().filter(r -> r.span().getParentSpanId().isEmpty()).toList();
      assertThat(roots).singleElement().satisfies(root -> {
        assertThat(root.service()).isEqualTo("frontend");
        assertThat(root.span().getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
      });
      assertThat(trace).filteredOn(r -> !r.span().getParentSpanId().isEmpty())
          .allSatisfy(r -> assertThat(byId).containsKey(r.span().getParentSpanId()));
      assertThat(trace.stream().map(Received::service).distinct().count()).isBetween(3L, 5L);
      assertThat(trace).allSatisfy(r -> assertThat(r.span().getAttributesList()).extracting(kv -> kv.getKey())
          .contains("loadgen.attr.0", "loadgen.attr.1"));
      if (trace.stream().anyMatch(r -> r.span().getStatus().getCode() == io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR
          && r.span().getEventsList().stream().anyMatch(e -> e.getName().equals("exception")))) {
        errorTraces++;
      }
      Span root = roots.get(0).span();
      if (root.getEndTimeUnixNano() - root.getStartTimeUnixNano() >= 50_000_000L) {
        slowTraces++;
      }
    }
    assertThat(errorTraces).isEqualTo(20);
    assertThat(slowTraces).isEqualTo(10);
  }

  @Test
  void httpJson_postsOtlpJsonWithHexIds() throws Exception {
    int port = httpServer(call -> HttpStatus.OK);

    Run run = loadgen("--protocol", "http/json", "--otlp-endpoint", "localhost:" + port, "--insecure",
        "--traces", "20", "--spans-per-trace", "5", "--batch-size", "50", "--error-ratio", "0.5");

    assertThat(run.exitCode()).as(run.stderr()).isZero();
    assertThat(run.sent()).isEqualTo(100);
    assertThat(receivedSpans()).hasSize(100);
    assertThat(contentTypes).isNotEmpty().allSatisfy(t -> assertThat(t).startsWith("application/json"));
    List<JsonNode> spans = new ArrayList<>();
    for (byte[] body : bodies) {
      new ObjectMapper().readTree(body).get("resourceSpans")
          .forEach(rs -> rs.get("scopeSpans").forEach(ss -> ss.get("spans").forEach(spans::add)));
    }
    assertThat(spans).hasSize(100).allSatisfy(span -> {
      assertThat(span.get("traceId").asText()).matches("[0-9a-f]{32}");
      assertThat(span.get("spanId").asText()).matches("[0-9a-f]{16}");
      if (span.has("parentSpanId")) {
        assertThat(span.get("parentSpanId").asText()).matches("[0-9a-f]{16}");
      }
      assertThat(span.get("kind").isInt()).isTrue();
    });
    assertThat(spans).filteredOn(s -> s.has("parentSpanId")).hasSize(80);
  }

  @Test
  void httpProtobuf_postsProtobufToV1Traces() {
    int port = httpServer(call -> HttpStatus.OK);

    Run run = loadgen("--protocol", "http/protobuf", "--otlp-endpoint", "http://127.0.0.1:" + port,
        "--traces", "30", "--spans-per-trace", "4", "--batch-size", "1000");

    assertThat(run.exitCode()).as(run.stderr()).isZero();
    assertThat(run.sent()).isEqualTo(120);
    assertThat(run.requests()).isEqualTo(1);
    assertThat(contentTypes).containsExactly("application/x-protobuf");
    assertThat(receivedSpans()).hasSize(120);
  }

  @Test
  void http503_isRetriedUntilAccepted() {
    int port = httpServer(call -> call < 2 ? HttpStatus.SERVICE_UNAVAILABLE : HttpStatus.OK);

    Run run = loadgen("--protocol", "http/protobuf", "--otlp-endpoint", "localhost:" + port, "--insecure",
        "--traces", "10", "--spans-per-trace", "3", "--batch-size", "30");

    assertThat(run.exitCode()).as(run.stderr()).isZero();
    assertThat(run.sent()).isEqualTo(30);
    assertThat(run.failed()).isZero();
    assertThat(run.requests()).isEqualTo(3);
    assertThat(receivedSpans()).hasSize(30);
  }

  @Test
  void grpcUnavailableAndResourceExhausted_areRetried() {
    int port = grpcServer(call -> call == 0 ? Status.UNAVAILABLE : call == 1 ? Status.RESOURCE_EXHAUSTED : null);

    Run run = loadgen("--otlp-endpoint", "localhost:" + port, "--insecure", "--traces", "10",
        "--spans-per-trace", "3", "--batch-size", "30");

    assertThat(run.exitCode()).as(run.stderr()).isZero();
    assertThat(run.sent()).isEqualTo(30);
    assertThat(run.requests()).isEqualTo(3);
  }

  @Test
  void permanentRefusal_countsEverySpanFailedAndExits1() {
    int port = httpServer(call -> HttpStatus.BAD_REQUEST);

    Run run = loadgen("--protocol", "http/json", "--otlp-endpoint", "localhost:" + port, "--insecure",
        "--traces", "10", "--spans-per-trace", "3", "--batch-size", "10");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.sent()).isZero();
    assertThat(run.failed()).isEqualTo(30);
    assertThat(run.requests()).isEqualTo(3);
  }

  @Test
  void grpcInvalidArgument_isNotRetried() {
    int port = grpcServer(call -> call == 0 ? Status.INVALID_ARGUMENT : null);

    Run run = loadgen("--otlp-endpoint", "localhost:" + port, "--insecure", "--traces", "4",
        "--spans-per-trace", "5", "--batch-size", "10");

    assertThat(run.exitCode()).isZero();
    assertThat(run.sent()).isEqualTo(10);
    assertThat(run.failed()).isEqualTo(10);
    assertThat(run.requests()).isEqualTo(2);
  }

  @Test
  void partialSuccess_countsRejectedSpansAsFailed() {
    ExportTraceServiceResponse partial = ExportTraceServiceResponse.newBuilder()
        .setPartialSuccess(ExportTracePartialSuccess.newBuilder().setRejectedSpans(3).setErrorMessage("too old"))
        .build();
    int port = grpcServer(call -> partial);

    Run run = loadgen("--otlp-endpoint", "localhost:" + port, "--insecure", "--traces", "10",
        "--spans-per-trace", "5", "--batch-size", "25");

    assertThat(run.exitCode()).isZero();
    assertThat(run.sent()).isEqualTo(44);
    assertThat(run.failed()).isEqualTo(6);
  }

  @Test
  void unreachableEndpoint_failsAfterRetriesAndExits1() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }

    Run run = loadgen("--protocol", "http/protobuf", "--otlp-endpoint", "127.0.0.1:" + port, "--insecure",
        "--traces", "2", "--spans-per-trace", "5");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.stdout()).startsWith("sent=0 failed=10 requests=" + (LoadRun.MAX_RETRIES + 1) + " ");
  }

  @Test
  void durationWithRate_stopsAndNeverSendsMoreThanTheRateAllows() {
    int port = grpcServer(call -> null);

    Run run = loadgen("--otlp-endpoint", "localhost:" + port, "--insecure", "--duration", "1s",
        "--rate", "500", "--spans-per-trace", "5", "--workers", "2");

    assertThat(run.exitCode()).as(run.stderr()).isZero();
    assertThat(run.sent()).isPositive().isLessThanOrEqualTo(500 + 2 * 5);
    assertThat(run.stdout().lines()).hasSize(1);
  }

  private static int spanCount(ExportTraceServiceRequest request) {
    return request.getResourceSpansList().stream()
        .flatMap(rs -> rs.getScopeSpansList().stream())
        .mapToInt(ScopeSpans::getSpansCount)
        .sum();
  }
}
