package dev.traceyard.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.traceyard.collector.otlp.OtlpJson;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code traceyard run} as a real process: SIGTERM while spans sit in the batch processor exports them before exit. */
class GracefulShutdownIT {
  private static final Pattern HTTP_LISTENING = Pattern.compile("receiver otlp listening for http on [^:]+:(\\d+)");

  @TempDir Path dir;
  private Process process;
  private final List<String> log = new CopyOnWriteArrayList<>();

  @AfterEach
  void kill() {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
    }
  }

  @Test
  void sigterm_flushesTheBatchProcessorBeforeExit() throws Exception {
    Path out = dir.resolve("out.jsonl");
    Path config = dir.resolve("config.yaml");
    // A batch processor that would hold spans for an hour: only a graceful drain can get them out.
    Files.writeString(config, String.join("\n",
        "receivers:",
        "  otlp:",
        "    protocols:",
        "      http:",
        "        endpoint: 127.0.0.1:0",
        "processors:",
        "  batch:",
        "    timeout: 1h",
        "    send_batch_size: 100000",
        "exporters:",
        "  file:",
        "    path: " + out,
        "service:",
        "  telemetry: {metrics: {level: none}}",
        "  pipelines:",
        "    traces: {receivers: [otlp], processors: [batch], exporters: [file]}",
        ""));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
        "run", "--config", config.toString())
        .redirectErrorStream(true)
        .start();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          log.add(line);
        }
      } catch (Exception e) {
        // process ended
      }
    });
    reader.setDaemon(true);
    reader.start();

    await().atMost(Duration.ofSeconds(60)).until(() -> port() > 0 || !process.isAlive());
    assertThat(process.isAlive()).as("process output: %s", log).isTrue();

    ExportTraceServiceRequest.Builder req = ExportTraceServiceRequest.newBuilder();
    ScopeSpans.Builder ss = ScopeSpans.newBuilder();
    for (int i = 0; i < 50; i++) {
      ss.addSpans(Span.newBuilder().setName("span-" + i)
          .setTraceId(com.google.protobuf.ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}))
          .setSpanId(com.google.protobuf.ByteString.copyFrom(new byte[] {0, 0, 0, 0, 0, 0, 0, (byte) (i + 1)})));
    }
    req.addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(ss));
    HttpResponse<String> resp = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + "/v1/traces"))
        .header("Content-Type", "application/x-protobuf")
        .POST(HttpRequest.BodyPublishers.ofByteArray(req.build().toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(Files.exists(out) ? Files.readString(out) : "").doesNotContain("span-0");

    // SIGTERM through the handle: Process.destroy() would also close our end of the output pipe.
    assertThat(process.toHandle().destroy()).isTrue();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("process exits after SIGTERM").isTrue();
    // The reader may still be draining the pipe after the process exited; it ends at end of stream.
    reader.join(TimeUnit.SECONDS.toMillis(30));

    int spans = 0;
    for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
      if (!line.isBlank()) {
        spans += OtlpJson.decodeTraces(line.getBytes(StandardCharsets.UTF_8)).getResourceSpans(0).getScopeSpans(0).getSpansCount();
      }
    }
    assertThat(spans).as("process output: %s", log).isEqualTo(50);
    assertThat(String.join("\n", log)).contains("shutdown complete");
  }

  private int port() {
    for (String line : log) {
      Matcher m = HTTP_LISTENING.matcher(line);
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
    }
    return -1;
  }
}
