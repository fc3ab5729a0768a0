package dev.traceyard.collector.testing;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import dev.traceyard.collector.otlp.OtlpJson;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.Value;
import io.opentelemetry.api.logs.Logger;
import io.opentelemetry.api.logs.Severity;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.exporter.internal.marshal.Marshaler;
import io.opentelemetry.exporter.internal.otlp.logs.LogsRequestMarshaler;
import io.opentelemetry.exporter.internal.otlp.metrics.MetricsRequestMarshaler;
import io.opentelemetry.exporter.internal.otlp.traces.TraceRequestMarshaler;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.metrics.v1.Exemplar;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.Summary;
import io.opentelemetry.proto.metrics.v1.SummaryDataPoint;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.logs.export.LogRecordExporter;
import io.opentelemetry.sdk.logs.export.SimpleLogRecordProcessor;
import io.opentelemetry.sdk.metrics.Aggregation;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import zipkin2.Endpoint;
import zipkin2.codec.SpanBytesEncoder;

/**
 * Writes the fuzz tests' seed corpus (src/test/resources/.../*FuzzTestInputs/<method>/). Real data
 * first: OTLP requests as the OpenTelemetry Java SDK encodes them (its own protobuf and JSON
 * marshalers, not ours), Zipkin spans as zipkin2's encoders write them, and the repository's
 * configs; then edge cases at and just over each decoder limit. Run from the module directory:
 *
 * <pre>
 * mvn -B -ntp -q -o -pl traceyard-collector dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * java -cp target/test-classes:target/classes:$(cat /tmp/cp.txt) dev.traceyard.collector.testing.FuzzSeeds
 * </pre>
 *
 * Seeds found by fuzzing (crash-*, regression inputs) are kept by hand next to these and are not
 * rewritten.
 */
public final class FuzzSeeds {
  private static final Path RESOURCES = Path.of("src/test/resources/dev/traceyard/collector");

  private FuzzSeeds() {}

  public static void main(String[] args) throws Exception {
    Path root = args.length > 0 ? Path.of(args[0]) : Path.of(".");
    Path otlp = root.resolve(RESOURCES).resolve("receiver/otlp");
    Path proto = otlp.resolve("OtlpProtobufFuzzTestInputs");
    Path json = otlp.resolve("OtlpJsonFuzzTestInputs");

    Marshaler traces = sdkTraces();
    Marshaler metrics = sdkMetrics();
    Marshaler logs = sdkLogs();
    write(proto.resolve("traces/sdk-traces.pb"), binary(traces));
    write(json.resolve("traces/sdk-traces.json"), json(traces));
    write(proto.resolve("metrics/sdk-metrics.pb"), binary(metrics));
    write(json.resolve("metrics/sdk-metrics.json"), json(metrics));
    write(proto.resolve("logs/sdk-logs.pb"), binary(logs));
    write(json.resolve("logs/sdk-logs.json"), json(logs));

    // Edge cases: at the limits (accepted) and just over (refused with a message).
    both(proto, json, "traces", "nested-at-limit", tracesWithAttribute(nested(32)));
    both(proto, json, "traces", "nested-over-limit", tracesWithAttribute(nested(33)));
    // Proto only: a 40 KiB JSON seed would make the JSON fuzzer generate needlessly long inputs.
    write(proto.resolve("traces/many-attributes-over-limit.pb"), tracesWithAttributes(1025).toByteArray());
    ExportTraceServiceRequest shortTraceId = tracesWithAttribute(AnyValue.newBuilder().setStringValue("x").build());
    shortTraceId = shortTraceId.toBuilder().setResourceSpans(0, shortTraceId.getResourceSpans(0).toBuilder()
        .setScopeSpans(0, shortTraceId.getResourceSpans(0).getScopeSpans(0).toBuilder()
            .setSpans(0, shortTraceId.getResourceSpans(0).getScopeSpans(0).getSpans(0).toBuilder()
                .setTraceId(ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5}))))).build();
    write(proto.resolve("traces/trace-id-5-bytes.pb"), shortTraceId.toByteArray());
    write(json.resolve("traces/empty.json"), "{}".getBytes(StandardCharsets.UTF_8));
    write(json.resolve("traces/snake-case-enum-names.json"), ("{\"resource_spans\":[{\"scope_spans\":[{\"spans\":[{"
        + "\"trace_id\":\"5B8EFFF798038103D269B633813FC60C\",\"span_id\":\"EEE19B7EC3C1B174\",\"name\":\"GET /\","
        + "\"kind\":\"SPAN_KIND_SERVER\",\"start_time_unix_nano\":\"1544712660000000000\","
        + "\"end_time_unix_nano\":1544712661000000000,\"status\":{\"code\":\"STATUS_CODE_ERROR\"}}]}]}]}")
        .getBytes(StandardCharsets.UTF_8));
    both(proto, json, "metrics", "gauge-summary-exemplar", metricsEdge());
    both(proto, json, "logs", "body-nested-at-limit", logsWithBody(nested(32)));
    ExportLogsServiceRequest badSpanId = logsWithBody(AnyValue.newBuilder().setStringValue("hello").build());
    write(proto.resolve("logs/span-id-9-bytes.pb"), badSpanId.toBuilder().setResourceLogs(0,
        badSpanId.getResourceLogs(0).toBuilder().setScopeLogs(0, badSpanId.getResourceLogs(0).getScopeLogs(0)
            .toBuilder().setLogRecords(0, badSpanId.getResourceLogs(0).getScopeLogs(0).getLogRecords(0).toBuilder()
                .setSpanId(ByteString.copyFrom(new byte[9]))))).build().toByteArray());

    zipkin(root.resolve(RESOURCES).resolve("receiver/zipkin/ZipkinDecoderFuzzTestInputs"));
    configs(root, root.resolve(RESOURCES).resolve("config/ConfigFuzzTestInputs/yaml"));
  }

  // ---- OTLP from the OpenTelemetry SDK

  private static Marshaler sdkTraces() {
    List<SpanData> spans = new ArrayList<>();
    SdkTracerProvider provider = SdkTracerProvider.builder()
        .setResource(resource())
        .addSpanProcessor(SimpleSpanProcessor.create(collecting(spans::addAll)))
        .build();
    Tracer tracer = provider.get("io.opentelemetry.armeria-1.3", "2.31.1");
    Span server = tracer.spanBuilder("GET /api/orders/{id}").setSpanKind(SpanKind.SERVER)
        .setAttribute("http.request.method", "GET")
        .setAttribute("http.response.status_code", 500L)
        .setAttribute("server.address", "orders.internal")
        .setAttribute(AttributeKey.stringArrayKey("http.request.header.accept"), List.of("application/json", "*/*"))
        .setAttribute(AttributeKey.longArrayKey("retry.delays"), List.of(10L, 20L, 40L))
        .setAttribute(AttributeKey.doubleArrayKey("weights"), List.of(0.5, 1.5))
        .setAttribute(AttributeKey.booleanArrayKey("flags"), List.of(true, false))
        .setAttribute("sampling.ratio", 0.25)
        .setAttribute("cache.hit", false)
        .startSpan();
    try (Scope ignored = server.makeCurrent()) {
      Span client = tracer.spanBuilder("SELECT orders").setSpanKind(SpanKind.CLIENT)
          .setAttribute("db.system", "postgresql")
          .setAttribute("db.query.text", "SELECT * FROM orders WHERE id = $1")
          .addLink(server.getSpanContext(), Attributes.of(AttributeKey.stringKey("link.reason"), "retry"))
          .startSpan();
      client.addEvent("connection acquired", Attributes.of(AttributeKey.longKey("pool.size"), 8L));
      client.recordException(new IllegalStateException("connection reset"));
      client.setStatus(StatusCode.ERROR, "connection reset");
      client.end();
    }
    server.setStatus(StatusCode.ERROR);
    server.end();
    provider.close();
    return TraceRequestMarshaler.create(spans);
  }

  private static Marshaler sdkMetrics() {
    List<MetricData> metrics = new ArrayList<>();
    MetricExporter exporter = new MetricExporter() {
      @Override
      public CompletableResultCode export(Collection<MetricData> data) {
        metrics.addAll(data);
        return CompletableResultCode.ofSuccess();
      }

      @Override
      public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess();
      }

      @Override
      public CompletableResultCode shutdown() {
        return CompletableResultCode.ofSuccess();
      }

      @Override
      public AggregationTemporality getAggregationTemporality(InstrumentType type) {
        return AggregationTemporality.CUMULATIVE;
      }

      @Override
      public Aggregation getDefaultAggregation(InstrumentType type) {
        // One explicit-bucket and one exponential histogram, so both shapes are in the seeds.
        return type == InstrumentType.HISTOGRAM ? Aggregation.base2ExponentialBucketHistogram()
            : Aggregation.defaultAggregation();
      }
    };
    SdkTracerProvider tracing = SdkTracerProvider.builder().build();
    SdkMeterProvider provider = SdkMeterProvider.builder()
        .setResource(resource())
        .registerMetricReader(PeriodicMetricReader.builder(exporter).build())
        .build();
    Meter meter = provider.get("io.opentelemetry.runtime-telemetry");
    LongCounter requests = meter.counterBuilder("http.server.requests").setUnit("{request}").build();
    DoubleHistogram duration = meter.histogramBuilder("http.server.request.duration").setUnit("s")
        .setExplicitBucketBoundariesAdvice(List.of(0.005, 0.01, 0.1, 1.0)).build();
    DoubleHistogram size = meter.histogramBuilder("http.server.response.body.size").setUnit("By").build();
    meter.upDownCounterBuilder("db.client.connections.usage").build().add(3, Attributes.of(
        AttributeKey.stringKey("state"), "used"));
    meter.gaugeBuilder("process.cpu.utilization").buildWithCallback(m -> m.record(0.42));
    Span span = tracing.get("seeds").spanBuilder("request").startSpan();
    try (Scope ignored = span.makeCurrent()) {
      // Measurements inside a sampled span carry exemplars with its trace and span id.
      Attributes route = Attributes.of(AttributeKey.stringKey("http.route"), "/api/orders/{id}");
      requests.add(1, route);
      duration.record(0.042, route);
      size.record(2048, route);
    }
    span.end();
    provider.forceFlush().join(10, java.util.concurrent.TimeUnit.SECONDS);
    provider.close();
    tracing.close();
    return MetricsRequestMarshaler.create(metrics);
  }

  private static Marshaler sdkLogs() {
    List<LogRecordData> logs = new ArrayList<>();
    SdkLoggerProvider provider = SdkLoggerProvider.builder()
        .setResource(resource())
        .addLogRecordProcessor(SimpleLogRecordProcessor.create(new LogRecordExporter() {
          @Override
          public CompletableResultCode export(Collection<LogRecordData> data) {
            logs.addAll(data);
            return CompletableResultCode.ofSuccess();
          }

          @Override
          public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
          }

          @Override
          public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
          }
        }))
        .build();
    SdkTracerProvider tracing = SdkTracerProvider.builder().build();
    Logger logger = provider.get("com.example.OrderService");
    Span span = tracing.get("seeds").spanBuilder("request").startSpan();
    try (Scope ignored = span.makeCurrent()) {
      logger.logRecordBuilder().setSeverity(Severity.ERROR).setSeverityText("ERROR")
          .setBody("order 42 failed: connection reset")
          .setAttribute(AttributeKey.stringKey("exception.type"), "java.lang.IllegalStateException")
          .setAttribute(AttributeKey.longKey("order.id"), 42L)
          .emit();
    }
    span.end();
    logger.logRecordBuilder().setSeverity(Severity.INFO)
        .setBody(Value.of(Map.of("event", Value.of("checkout"), "items", Value.of(Value.of(1L), Value.of("two")),
            "raw", Value.of(new byte[] {1, 2, 3}), "ok", Value.of(true), "ratio", Value.of(0.5))))
        .emit();
    provider.close();
    tracing.close();
    return LogsRequestMarshaler.create(logs);
  }

  private static Resource resource() {
    return Resource.getDefault().merge(Resource.create(Attributes.builder()
        .put("service.name", "orders")
        .put("service.version", "1.4.2")
        .put("deployment.environment.name", "production")
        .put("host.name", "orders-7d9f8b-x2kqp")
        .build()));
  }

  private static SpanExporter collecting(Consumer<Collection<SpanData>> sink) {
    return new SpanExporter() {
      @Override
      public CompletableResultCode export(Collection<SpanData> spans) {
        sink.accept(spans);
        return CompletableResultCode.ofSuccess();
      }

      @Override
      public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess();
      }

      @Override
      public CompletableResultCode shutdown() {
        return CompletableResultCode.ofSuccess();
      }
    };
  }

  private static byte[] binary(Marshaler m) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    m.writeBinaryTo(out);
    return out.toByteArray();
  }

  private static byte[] json(Marshaler m) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    m.writeJsonTo(out);
    return out.toByteArray();
  }

  // ---- OTLP edge cases, built with the proto classes

  /** An attribute value nested {@code levels} AnyValues deep, alternating arrays and kvlists. */
  static AnyValue nested(int levels) {
    AnyValue v = AnyValue.newBuilder().setStringValue("leaf").build();
    for (int i = 1; i < levels; i++) {
      v = i % 2 == 0
          ? AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder().addValues(v)).build()
          : AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder()
              .addValues(KeyValue.newBuilder().setKey("k" + i).setValue(v))).build();
    }
    return v;
  }

  private static ExportTraceServiceRequest tracesWithAttribute(AnyValue value) {
    return traces(List.of(KeyValue.newBuilder().setKey("a").setValue(value).build()));
  }

  private static ExportTraceServiceRequest tracesWithAttributes(int count) {
    List<KeyValue> attributes = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      attributes.add(KeyValue.newBuilder().setKey("k" + i).setValue(AnyValue.newBuilder().setIntValue(i)).build());
    }
    return traces(attributes);
  }

  private static ExportTraceServiceRequest traces(List<KeyValue> attributes) {
    return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .addScopeSpans(ScopeSpans.newBuilder().addSpans(io.opentelemetry.proto.trace.v1.Span.newBuilder()
            .setTraceId(ByteString.copyFrom(new byte[] {0x5b, (byte) 0x8e, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}))
            .setSpanId(ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}))
            .setName("edge").setStartTimeUnixNano(1L).setEndTimeUnixNano(2L)
            .addAllAttributes(attributes)))).build();
  }

  private static ExportMetricsServiceRequest metricsEdge() {
    return ExportMetricsServiceRequest.newBuilder().addResourceMetrics(ResourceMetrics.newBuilder()
        .addScopeMetrics(ScopeMetrics.newBuilder()
            .addMetrics(Metric.newBuilder().setName("queue.size").setGauge(Gauge.newBuilder()
                .addDataPoints(NumberDataPoint.newBuilder().setAsInt(7).setTimeUnixNano(3)
                    .addExemplars(Exemplar.newBuilder().setAsDouble(Double.NaN)
                        .setTraceId(ByteString.copyFrom(new byte[16])).setSpanId(ByteString.copyFrom(new byte[8]))))))
            .addMetrics(Metric.newBuilder().setName("latency").setSummary(Summary.newBuilder()
                .addDataPoints(SummaryDataPoint.newBuilder().setCount(3).setSum(-0.0)
                    .addQuantileValues(SummaryDataPoint.ValueAtQuantile.newBuilder().setQuantile(0.99)
                        .setValue(Double.POSITIVE_INFINITY))))))).build();
  }

  private static ExportLogsServiceRequest logsWithBody(AnyValue body) {
    return ExportLogsServiceRequest.newBuilder().addResourceLogs(ResourceLogs.newBuilder()
        .addScopeLogs(ScopeLogs.newBuilder().addLogRecords(LogRecord.newBuilder().setBody(body)
            .setTraceId(ByteString.copyFrom(new byte[16])).setSpanId(ByteString.copyFrom(new byte[8]))))).build();
  }

  private static void both(Path proto, Path json, String signal, String name, Message request) throws IOException {
    write(proto.resolve(signal).resolve(name + ".pb"), request.toByteArray());
    write(json.resolve(signal).resolve(name + ".json"), OtlpJson.encodeToBytes(request));
  }

  // ---- Zipkin

  private static void zipkin(Path dir) throws IOException {
    Endpoint frontend = Endpoint.newBuilder().serviceName("frontend").ip("172.17.0.13").port(8080).build();
    Endpoint backend = Endpoint.newBuilder().serviceName("backend").ip("2001:db8::c001").port(9000).build();
    zipkin2.Span server = zipkin2.Span.newBuilder()
        .traceId("86154a4ba6e91385").parentId("86154a4ba6e91385").id("4d1e00c0db9010db")
        .kind(zipkin2.Span.Kind.SERVER).name("get /api").timestamp(1472470996199000L).duration(207000L)
        .localEndpoint(backend).remoteEndpoint(frontend)
        .addAnnotation(1472470996238000L, "ws")
        .addAnnotation(1472470996250000L, "retry|{\"attempt\":2,\"delay\":0.5,\"final\":true}|0")
        .putTag("http.method", "GET").putTag("http.path", "/api").putTag("http.status_code", "500")
        .putTag("error", "connection reset").putTag("otel.scope.name", "armeria")
        .putTag("otlp.link.0", "86154a4ba6e913854d1e00c0db9010db|4d1e00c0db9010db|k=v|{\"why\":\"retry\"}|0")
        .putTag("w3c.tracestate", "rojo=00f067aa0ba902b7")
        .shared(true).build();
    zipkin2.Span client = zipkin2.Span.newBuilder()
        .traceId("463ac35c9f6413ad48485a3953bb6124").id("a2fb4a1d1a96d312")
        .kind(zipkin2.Span.Kind.CLIENT).name("post").timestamp(1472470996199000L).duration(1L)
        .localEndpoint(frontend).putTag("span.kind", "client").putTag("retries", "3").putTag("ratio", "0.25")
        .debug(true).build();
    zipkin2.Span bare = zipkin2.Span.newBuilder().traceId("1").id("2").build();
    List<zipkin2.Span> spans = List.of(server, client, bare);
    write(dir.resolve("json/zipkin2-spans.json"), SpanBytesEncoder.JSON_V2.encodeList(spans));
    write(dir.resolve("proto3/zipkin2-spans.pb"), SpanBytesEncoder.PROTO3.encodeList(spans));
    write(dir.resolve("json/empty-list.json"), "[]".getBytes(StandardCharsets.UTF_8));
    write(dir.resolve("json/bad-ids.json"), "[{\"traceId\":\"xyz\",\"id\":\"00000000000000000\"},3,null]"
        .getBytes(StandardCharsets.UTF_8));
  }

  // ---- Config

  private static void configs(Path root, Path dir) throws IOException {
    try (Stream<Path> files = Stream.concat(Files.list(root.resolve("../configs")),
        Files.list(root.resolve("../benchmarks/configs")))) {
      for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".yaml")).sorted()::iterator) {
        write(dir.resolve(f.getFileName()), Files.readAllBytes(f));
      }
    }
    write(dir.resolve("env-and-connectors.yaml"), String.join("\n",
        "receivers:",
        "  otlp:",
        "    protocols:",
        "      grpc: {endpoint: \"${env:OTLP_ENDPOINT}\"}",
        "      http: {endpoint: \"localhost:${env:PORT:-4318}\", max_request_body_size: 1048576}",
        "  zipkin: {parse_string_tags: true}",
        "processors:",
        "  memory_limiter: {check_interval: 1s, limit_percentage: 80, spike_limit_percentage: 20}",
        "  filter/errors:",
        "    error_mode: ignore",
        "    traces:",
        "      span: ['attributes[\"http.route\"] == \"/health\" and IsMatch(name, \"^GET .*\")']",
        "connectors:",
        "  spanmetrics: {histogram: {explicit: {buckets: [5ms, 10ms]}}}",
        "exporters:",
        "  debug: {verbosity: detailed}",
        "  otlphttp: {endpoint: \"http://localhost:4318\", encoding: json, compression: gzip}",
        "service:",
        "  extensions: []",
        "  pipelines:",
        "    traces: {receivers: [otlp, zipkin], processors: [memory_limiter, filter/errors], exporters: [spanmetrics, debug]}",
        "    metrics: {receivers: [spanmetrics], exporters: [otlphttp]}",
        "").getBytes(StandardCharsets.UTF_8));
    write(dir.resolve("unknown-keys-and-types.yaml"), String.join("\n",
        "receivers: {otlp: {protocols: {grpc: {endpont: 1}}}, nope: {}}",
        "processors: {batch: {timeout: -1s, send_batch_size: many}}",
        "exporters: [debug]",
        "service: {pipelines: {traces: {receivers: [otlp], exporters: [missing]}, bogus: {}}}",
        "$${env:X} ${env:EMPTY:-} ${other:Y}: 1",
        "").getBytes(StandardCharsets.UTF_8));
  }

  private static void write(Path file, byte[] bytes) throws IOException {
    Files.createDirectories(file.getParent());
    Files.write(file, bytes);
    System.out.println(file + " (" + bytes.length + " bytes)");
  }
}
